"""Export a card as Markdown (with Hugging Face metadata), standalone HTML, or JSON.

Every value a person (or a record) put in the card is escaped: in Markdown, ``<``, ``>``
and ``&`` become entities so HTML or script shows as text, and ``javascript:``,
``vbscript:`` and ``data:`` link schemes are broken (:func:`defuse_links`); in HTML every value goes through :func:`html.escape` and the page carries a
Content-Security-Policy that forbids scripts. Sign-offs are exported with the card.
"""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass, field, replace
from typing import Any

from backend.errors import StewardError
from backend.store import iso_utc

from .links import defuse_links
from .metadata import build_hub_card, hub_metadata
from .records import public_location
from .schema import STATUS_LABELS, CardDocument, RecordRef, card_hash

FORMATS = ("md", "html", "json")


class CardExportError(StewardError):
    """The card cannot be exported (invalid metadata, or missing fields in strict mode)."""


@dataclass
class SignOffView:
    """What an export shows of one sign-off (plain data, from the repository rows)."""

    id: int
    reviewer: str
    auth_method: str
    decision: str
    comment: str
    version: int
    card_hash: str
    signed_at: str
    evidence: list[dict] = field(default_factory=list)
    record_hash: str = ""
    exceptions: list[dict] = field(default_factory=list)  # [{key, issue, justification}]

    @classmethod
    def from_row(cls, row: Any) -> SignOffView:
        return cls(
            id=row.id,
            reviewer=row.reviewer,
            auth_method=row.auth_method,
            decision=row.decision,
            comment=row.comment,
            version=row.version,
            card_hash=row.card_hash,
            signed_at=iso_utc(row.signed_at),
            evidence=list(row.evidence or []),
            record_hash=row.record_hash,
            exceptions=list(row.exceptions or []),
        )

    def to_json(self) -> dict:
        return self.__dict__.copy()


@dataclass
class ExportContext:
    """Where the card stands, shown in every export."""

    card_id: int | None = None
    version: int | None = None
    status: str = ""  # e.g. "Approved by alice on version 3"
    signoffs: list[SignOffView] = field(default_factory=list)
    # The saved document's hash (exports render a copy without local paths).
    content_hash: str | None = None


@dataclass
class Export:
    content: str
    filename: str
    mime: str
    missing: list[str]
    notes: list[str]


def hash_label(ref) -> str:
    """What a cited record's hash is: a dataset version's is the rows' xxh3-128 sum."""
    return "rows xxh3-128" if ref.kind == "dataset_version" else "sha256"


def _md(value: str) -> str:
    """Escape a value for Markdown: HTML shows as text, script and data links are defused."""
    return defuse_links(html.escape(value, quote=False))


def _md_cell(value: Any) -> str:
    return _md(str(value)).replace("|", "\\|").replace("\n", " ")


def _source_note(fld) -> str:
    ref: RecordRef = fld.source
    where = f" · `{ref.field}`" if ref.field else ""
    digest = f" · {hash_label(ref)} {ref.content_hash[:12]}" if ref.content_hash else ""
    edited = " · edited after auto-fill" if fld.edited else ""
    return f"*Auto-filled from {_md(ref.label or ref.key)}{where}{digest}{edited}*"


def _slug(doc: CardDocument) -> str:
    base = re.sub(r"[^A-Za-z0-9]+", "-", doc.title).strip("-").lower()[:60]
    return base or f"{doc.kind}-card"


def markdown_body(doc: CardDocument, ctx: ExportContext) -> str:
    lines = [f"# {_md(doc.title)}", ""]
    meta = [f"{doc.kind.capitalize()} card"]
    if ctx.card_id is not None:
        meta.append(f"Steward Card #{ctx.card_id}")
    if ctx.version is not None:
        meta.append(f"version {ctx.version}")
    meta.append(f"content sha256 `{ctx.content_hash or card_hash(doc)}`")
    lines += [" · ".join(meta), ""]
    if ctx.status:
        lines += [f"**Review status:** {_md(ctx.status)}", ""]
    missing = doc.missing_required()
    if missing:
        lines += [f"> **Draft.** Missing required fields: {_md('; '.join(missing))}.", ""]
    for _, stitle, section in doc.iter_sections():
        lines += [f"## {_md(stitle)}", ""]
        filled = False
        for spec in type(section).field_specs():
            fld = getattr(section, spec.key)
            if not fld.value.strip():
                continue
            filled = True
            lines += [f"### {_md(spec.label)}", "", _md(fld.value.strip()), ""]
            if fld.source is not None:
                lines += [_source_note(fld), ""]
        if not filled:
            lines += ["*Not filled in yet.*", ""]

    lines += [
        "## Compliance checklist",
        "",
        "| Item | Status | Evidence | Notes |",
        "|---|---|---|---|",
    ]
    for item in doc.checklist:
        evidence = "; ".join(
            f"{e.label or e.key}"
            + (f" ({hash_label(e)} {e.content_hash[:12]})" if e.content_hash else "")
            for e in item.evidence
        )
        status = STATUS_LABELS.get(item.status, item.status) + (" (suggested)" if item.auto else "")
        lines.append(
            f"| {_md_cell(item.label)} | {_md_cell(status)} | {_md_cell(evidence or '–')} | "
            f"{_md_cell(item.notes or '–')} |"
        )
    lines.append("")

    lines += ["## Reviewer sign-offs", ""]
    if not ctx.signoffs:
        lines += ["*No sign-off yet.*", ""]
    else:
        lines += [
            "| # | Reviewer | Decision | Version | Signed (UTC) | Card sha256 | Comment |",
            "|---|---|---|---|---|---|---|",
        ]
        for so in ctx.signoffs:
            lines.append(
                f"| {so.id} | {_md_cell(so.reviewer)} ({so.auth_method}) | {so.decision} | "
                f"{so.version} | {so.signed_at} | `{so.card_hash[:12]}` | {_md_cell(so.comment)} |"
            )
        lines.append("")
        for so in ctx.signoffs:
            if so.exceptions:
                lines += [f"**Approved with exceptions in sign-off #{so.id}:**", ""]
                lines += [
                    f"- {_md_cell(e.get('issue', ''))}. Justification: "
                    f"{_md_cell(e.get('justification', ''))}"
                    for e in so.exceptions
                ]
                lines.append("")

    refs = doc.cited_records()
    if refs:
        lines += ["## Records cited", ""]
        for ref in refs:
            where = f" ({_md(ref.path)})" if ref.kind == "file" and ref.path else ""
            digest = f" · {hash_label(ref)} `{ref.content_hash}`" if ref.content_hash else ""
            lines.append(f"- {_md(ref.label or ref.key)}{where}{digest}")
        lines.append("")
    lines += ["*Generated by Steward.*", ""]
    return "\n".join(lines)


def render_markdown(doc: CardDocument, ctx: ExportContext | None = None) -> str:
    """Markdown with a Hugging Face YAML header built by ``ModelCard``/``DatasetCard``."""
    ctx = ctx or ExportContext()
    try:
        card = build_hub_card(doc, markdown_body(doc, ctx))
    except ValueError as exc:
        raise CardExportError(f"The card's Hugging Face metadata is invalid: {exc}") from None
    return str(card)


# -- HTML --------------------------------------------------------------------------------

_CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;max-width:960px;margin:2rem auto;
padding:0 1rem;color:#1e2a24;line-height:1.5}
h1{margin-bottom:.2rem}h2{border-bottom:2px solid #2e7d5b;padding-bottom:.2rem;margin-top:2rem}
h3{margin:1rem 0 .3rem;font-size:1rem}.meta{color:#555;font-size:.9rem}
.draft{background:#fff4e5;border-left:4px solid #e68a00;padding:.5rem 1rem}
.status{background:#f2f5f3;border-left:4px solid #2e7d5b;padding:.5rem 1rem}
.src{color:#666;font-size:.8rem;font-style:italic}.empty{color:#888;font-style:italic}
table{border-collapse:collapse;margin:.4rem 0;font-size:.9rem}
td,th{border:1px solid #ccd5d0;padding:.25rem .5rem;text-align:left;vertical-align:top}
th{background:#f2f5f3}code{font-size:.85em}p{margin:.3rem 0;white-space:pre-wrap}
""".strip()


def _esc(value: Any) -> str:
    return html.escape(str(value), quote=True)


def _value_html(value: str) -> str:
    """Escaped HTML for a value: Markdown-style tables and bullet lists become real ones."""
    out: list[str] = []
    lines = value.strip().splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.lstrip().startswith("|"):
            block = []
            while i < len(lines) and lines[i].lstrip().startswith("|"):
                block.append(lines[i])
                i += 1
            rows = [
                [c.strip() for c in r.strip().strip("|").split("|")]
                for r in block
                if not re.fullmatch(r"\s*\|?[\s:|-]+\|?\s*", r)
            ]
            if rows:
                head = "".join(f"<th>{_esc(c)}</th>" for c in rows[0])
                body = "".join(
                    "<tr>" + "".join(f"<td>{_esc(c)}</td>" for c in r) + "</tr>" for r in rows[1:]
                )
                out.append(f"<table><tr>{head}</tr>{body}</table>")
            continue
        if line.lstrip().startswith(("- ", "* ")):
            items = []
            while i < len(lines) and lines[i].lstrip().startswith(("- ", "* ")):
                items.append(f"<li>{_esc(lines[i].lstrip()[2:])}</li>")
                i += 1
            out.append("<ul>" + "".join(items) + "</ul>")
            continue
        para = []
        while (
            i < len(lines)
            and lines[i].strip()
            and not lines[i].lstrip().startswith(("|", "- ", "* "))
        ):
            para.append(lines[i])
            i += 1
        if para:
            out.append(f"<p>{_esc(chr(10).join(para))}</p>")
        else:
            i += 1
    return "".join(out)


def render_html(doc: CardDocument, ctx: ExportContext | None = None) -> str:
    """A standalone HTML page; every value escaped, scripts forbidden by CSP."""
    ctx = ctx or ExportContext()
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
        "style-src 'unsafe-inline'\">",
        f"<title>{_esc(doc.title)}</title><style>{_CSS}</style></head><body>",
        f"<h1>{_esc(doc.title)}</h1>",
    ]
    meta = [f"{doc.kind.capitalize()} card"]
    if ctx.card_id is not None:
        meta.append(f"Steward Card #{ctx.card_id}")
    if ctx.version is not None:
        meta.append(f"version {ctx.version}")
    meta.append(f"content sha256 {ctx.content_hash or card_hash(doc)}")
    parts.append(f'<p class="meta">{_esc(" · ".join(meta))}</p>')
    if ctx.status:
        parts.append(
            f'<div class="status"><strong>Review status:</strong> {_esc(ctx.status)}</div>'
        )
    missing = doc.missing_required()
    if missing:
        parts.append(
            f'<div class="draft"><strong>Draft.</strong> Missing required fields: '
            f"{_esc('; '.join(missing))}.</div>"
        )
    for skey, stitle, section in doc.iter_sections():
        parts.append(f'<h2 id="{_esc(skey)}">{_esc(stitle)}</h2>')
        filled = False
        for spec in type(section).field_specs():
            fld = getattr(section, spec.key)
            if not fld.value.strip():
                continue
            filled = True
            parts.append(f"<h3>{_esc(spec.label)}</h3>{_value_html(fld.value)}")
            if fld.source is not None:
                ref = fld.source
                anchor = f"rec-{ref.kind}-{ref.id}" if ref.kind != "file" else ""
                label = _esc(ref.label or ref.key)
                link = f'<a href="#{_esc(anchor)}">{label}</a>' if anchor else label
                where = f" · <code>{_esc(ref.field)}</code>" if ref.field else ""
                digest = (
                    f" · {hash_label(ref)} {_esc(ref.content_hash[:12])}"
                    if ref.content_hash
                    else ""
                )
                edited = " · edited after auto-fill" if fld.edited else ""
                parts.append(
                    f'<div class="src">Auto-filled from {link}{where}{digest}{edited}</div>'
                )
        if not filled:
            parts.append('<p class="empty">Not filled in yet.</p>')

    parts.append('<h2 id="checklist">Compliance checklist</h2><table>')
    parts.append("<tr><th>Item</th><th>Status</th><th>Evidence</th><th>Notes</th></tr>")
    for item in doc.checklist:
        evidence = "<br>".join(
            (
                f'<a href="#rec-{_esc(e.kind)}-{_esc(e.id)}">{_esc(e.label or e.key)}</a>'
                if e.kind != "file"
                else _esc(f"{e.label or e.key} ({e.path})")
            )
            for e in item.evidence
        )
        status = STATUS_LABELS.get(item.status, item.status) + (" (suggested)" if item.auto else "")
        parts.append(
            f"<tr><td>{_esc(item.label)}</td><td>{_esc(status)}</td><td>{evidence or '–'}</td>"
            f"<td>{_esc(item.notes or '–')}</td></tr>"
        )
    parts.append("</table>")

    parts.append('<h2 id="signoffs">Reviewer sign-offs</h2>')
    if not ctx.signoffs:
        parts.append('<p class="empty">No sign-off yet.</p>')
    else:
        parts.append(
            "<table><tr><th>#</th><th>Reviewer</th><th>Decision</th><th>Version</th>"
            "<th>Signed (UTC)</th><th>Card sha256</th><th>Comment</th></tr>"
        )
        for so in ctx.signoffs:
            parts.append(
                f"<tr><td>{so.id}</td><td>{_esc(so.reviewer)} ({_esc(so.auth_method)})</td>"
                f"<td>{_esc(so.decision)}</td><td>{so.version}</td><td>{_esc(so.signed_at)}</td>"
                f"<td><code>{_esc(so.card_hash[:12])}</code></td><td>{_value_html(so.comment)}</td></tr>"
            )
        parts.append("</table>")
        for so in ctx.signoffs:
            if so.exceptions:
                parts.append(
                    f"<p><strong>Approved with exceptions in sign-off #{so.id}:</strong></p><ul>"
                )
                parts += [
                    f"<li>{_esc(e.get('issue', ''))}. Justification: "
                    f"{_esc(e.get('justification', ''))}</li>"
                    for e in so.exceptions
                ]
                parts.append("</ul>")

    refs = doc.cited_records()
    if refs:
        parts.append('<h2 id="records">Records cited</h2><ul>')
        for ref in refs:
            anchor = f' id="rec-{_esc(ref.kind)}-{_esc(ref.id)}"' if ref.kind != "file" else ""
            where = f" ({_esc(ref.path)})" if ref.kind == "file" and ref.path else ""
            digest = (
                f" · {hash_label(ref)} <code>{_esc(ref.content_hash)}</code>"
                if ref.content_hash
                else ""
            )
            parts.append(f"<li{anchor}>{_esc(ref.label or ref.key)}{where}{digest}</li>")
        parts.append("</ul>")
    parts.append('<p class="meta">Generated by Steward.</p></body></html>')
    return "\n".join(parts)


def render_json(
    doc: CardDocument, ctx: ExportContext | None = None, *, content_hash: str | None = None
) -> str:
    """JSON export; ``content_hash`` is the saved version's (when ``doc`` is a shown copy)."""
    ctx = ctx or ExportContext()
    meta = hub_metadata(doc)
    payload = {
        "card_id": ctx.card_id,
        "version": ctx.version,
        "content_hash": content_hash or ctx.content_hash or card_hash(doc),
        "status": ctx.status,
        "missing_required": doc.missing_required(),
        "hub_metadata": meta.data,
        "hub_metadata_errors": meta.errors,
        "card": doc.to_json(),
        "signoffs": [so.to_json() for so in ctx.signoffs],
    }
    return json.dumps(payload, indent=2, ensure_ascii=False)


def export_card(
    doc: CardDocument, fmt: str, ctx: ExportContext | None = None, *, strict: bool = False
) -> Export:
    """Render ``doc`` in ``fmt`` (md, html or json).

    Missing required fields are returned in ``missing`` (and marked as a draft inside the
    export); with ``strict`` they stop the export instead.
    """
    if fmt not in FORMATS:
        raise CardExportError(f"Unknown format '{fmt}'; choose one of {', '.join(FORMATS)}.")
    missing = doc.missing_required()
    if strict and missing:
        raise CardExportError("Missing required fields: " + "; ".join(missing))
    ctx = ctx or ExportContext()
    saved_hash = card_hash(doc)
    ctx = replace(ctx, content_hash=saved_hash)
    doc = without_local_paths(doc)
    notes = hub_metadata(doc).notes
    name = _slug(doc) + (f"-v{ctx.version}" if ctx.version else "")
    if fmt == "md":
        return Export(render_markdown(doc, ctx), f"{name}.md", "text/markdown", missing, notes)
    if fmt == "html":
        return Export(render_html(doc, ctx), f"{name}.html", "text/html", missing, notes)
    content = render_json(doc, ctx, content_hash=saved_hash)
    return Export(content, f"{name}.json", "application/json", missing, notes)


# An absolute POSIX path with at least one folder (not a URL's "//host/…", not "a/b",
# not "<workspace>/…"), or a Windows drive path.
_LOCAL_PATH = re.compile(
    r"(?<![\w:/.~>-])/(?:[^\s/`'\"|()<>\[\]*]+/)+[^\s/`'\"|()<>\[\]*]*"
    r"|\b[A-Za-z]:\\[^\s`'\"|()<>*]+"
)


def local_paths_removed(text: str) -> str:
    """``text`` with every absolute local path shortened by :func:`public_location`."""
    return _LOCAL_PATH.sub(lambda m: public_location(m.group(0).rstrip(".,;:")) + _tail(m), text)


def _tail(match: re.Match) -> str:
    whole = match.group(0)
    return whole[len(whole.rstrip(".,;:")) :]


def without_local_paths(doc: CardDocument) -> CardDocument:
    """A copy of ``doc`` for export: no absolute path of this machine anywhere in it.

    The saved version is untouched (its hash is what sign-offs bind); exports show file
    evidence by name and workspace files as ``<workspace>/…``.
    """
    shown = doc.model_copy(deep=True)
    shown.title = local_paths_removed(shown.title)

    def clean(ref: RecordRef | None) -> None:
        if ref is None:
            return
        ref.label = local_paths_removed(ref.label)
        if ref.path:
            ref.path = public_location(ref.path)

    for *_, fld in shown.iter_fields():
        fld.value = local_paths_removed(fld.value)
        clean(fld.source)
    for item in shown.checklist:
        item.notes = local_paths_removed(item.notes)
        for ref in item.evidence:
            clean(ref)
    for ref in shown.sources:
        clean(ref)
    return shown
