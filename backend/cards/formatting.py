"""How auto-filled card text is written: numbers, percentages, bullet lists, tables.

Shared by every filler in :mod:`backend.cards.fillers`; pure functions over plain values,
no store and no records.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from backend.numbers import finite_number, format_number

__all__ = [
    "bullets",
    "dig",
    "finding_text",
    "fmt_num",
    "fmt_pct",
    "group_stats_table",
    "kv_lines",
    "nested_table",
    "short",
    "table",
]


def dig(obj: Any, path: str) -> Any:
    """``obj["a"]["b"]`` for ``"a.b"``, or None when any step is missing."""
    for part in path.split("."):
        if not isinstance(obj, Mapping) or part not in obj:
            return None
        obj = obj[part]
    return obj


def fmt_num(value: Any, digits: int = 4) -> str:
    f = finite_number(value)
    if f is None:
        return str(value)
    if f == int(f) and abs(f) < 1e15:
        return f"{int(f):,}"
    return f"{f:.{digits}g}"


def fmt_pct(value: Any) -> str:
    return format_number(value, ".1%")


def finding_text(item: Any) -> str:
    """A finding as a sentence: plain strings, or ``{text, severity, check}`` dicts."""
    if isinstance(item, Mapping):
        text = str(item.get("text") or item.get("message") or "").strip()
        severity = str(item.get("severity") or "").strip()
        if text and severity and severity not in ("ok", "info"):
            return f"{text} ({severity})"
        return text
    return str(item).strip()


def bullets(items: Any, *, skip_ok: bool = False) -> str:
    """A Markdown bullet list; ``skip_ok`` drops findings whose severity is ``ok``."""
    if isinstance(items, str):
        return items
    if not isinstance(items, list | tuple):
        return ""
    lines = []
    for item in items:
        if skip_ok and isinstance(item, Mapping) and item.get("severity") == "ok":
            continue
        text = finding_text(item)
        if text:
            lines.append(f"- {text}")
    return "\n".join(lines)


def kv_lines(mapping: Any) -> str:
    """A bullet list ``- key: value`` for a flat or nested mapping."""
    if not isinstance(mapping, Mapping):
        return ""
    lines = []
    for key, value in mapping.items():
        if value is None or value == {} or value == []:
            continue
        if isinstance(value, Mapping):
            inner = ", ".join(f"{k}={short(v)}" for k, v in value.items() if v is not None)
            lines.append(f"- {key}: {inner}")
        else:
            lines.append(f"- {key}: {short(value)}")
    return "\n".join(lines)


def short(value: Any) -> str:
    if isinstance(value, float):
        return fmt_num(value)
    if isinstance(value, list | tuple):
        return ", ".join(short(v) for v in value)
    return str(value)


def table(rows: list[list[Any]], header: list[str]) -> str:
    """A Markdown table (values are escaped later by the renderers)."""
    if not rows:
        return ""
    out = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for row in rows:
        out.append("| " + " | ".join(short(c).replace("|", "/") for c in row) + " |")
    return "\n".join(out)


def nested_table(data: Any, header: list[str]) -> str:
    """Flatten ``{a: {b: value}}`` or ``{a: {b: {metric: v}}}`` into a table."""
    if not isinstance(data, Mapping):
        return ""
    rows: list[list[Any]] = []
    for a, inner in data.items():
        if isinstance(inner, Mapping):
            for b, value in inner.items():
                if isinstance(value, Mapping):
                    rows.append([a, b, ", ".join(f"{k}={short(v)}" for k, v in value.items())])
                else:
                    rows.append([a, b, short(value)])
        else:
            rows.append([a, "", short(inner)])
    return table(rows, header)


def group_stats_table(
    data: Any, columns: list[tuple[str, str]], *, first: str = "attribute"
) -> str:
    """Table of chosen stats per ``{attribute: {group: {stat: value}}}``.

    An empty attribute key (``{"": {...}}``) gives a table without the attribute column;
    groups holding plain values fall back to :func:`nested_table`.
    """
    if not isinstance(data, Mapping):
        return ""
    rows = []
    for attribute, groups in data.items():
        if not isinstance(groups, Mapping):
            continue
        for group, stats in groups.items():
            if not isinstance(stats, Mapping):
                return nested_table(data, [first, "group", "value"])
            cells = []
            for key, _ in columns:
                v = stats.get(key)
                cells.append(
                    "–" if v is None else fmt_num(v) if finite_number(v) is not None else v
                )
            rows.append(([attribute] if attribute else []) + [group] + cells)
    lead = [first, "group"] if any(data) else [first]
    return table(rows, lead + [label for _, label in columns])
