"""Plain-language findings from a report: what a reviewer reads first.

Each finding is ``{"check", "severity" (warning | info | ok), "text"}``. Sentences are
built from the numbers in the report only; nothing here is estimated.
"""

from __future__ import annotations

from backend.audit.representation import SEP
from backend.datasets import label_name

_PII_NAMES = {
    "EMAIL": "email address",
    "PHONE": "phone number",
    "US_SSN": "US social security number",
    "CREDIT_CARD": "credit-card number",
    "IBAN": "IBAN",
    "IP_ADDRESS": "IP address",
    "API_KEY": "API key or secret",
    "STREET_ADDRESS": "street address",
    "PERSON": "person name",
}


def pii_name(entity: str, n: int = 1) -> str:
    name = _PII_NAMES.get(entity, entity.lower())
    if n == 1:
        return name
    if name.endswith("address"):
        return name + "es"
    if name == "API key or secret":
        return "API keys or secrets"
    return name + "s"


def _pct(x: float | None) -> str:
    if x is None:
        return "n/a"
    if 0 < x < 0.001:
        return "<0.1 %"
    return f"{x * 100:.1f} %"


def _plural(n: int, word: str, plural: str | None = None) -> str:
    return f"{n:,} {word if n == 1 else (plural or word + 's')}"


def _alert_threshold(metric: str) -> float | None:
    """The alert threshold for ``metric`` (None when switched off), from the one alert
    config (``configs/alerts.yaml`` or ``STEWARD_ALERTS_CONFIG``; defaults when broken)."""
    from backend.alerts.config import config_or_defaults  # noqa: PLC0415 - read per report

    threshold = config_or_defaults()[0].get(metric)
    return None if threshold is None else threshold.value


def pii_summary(pii: dict) -> str:
    """Rows with PII and the findings by type, in numbers that add up.

    A row can hold several kinds of personal data, so the findings by type (each kind
    counted once per row) can add up to more than the rows: the sentence says both totals
    and lists every type, so the numbers reconcile.
    """
    rows = pii.get("rows_with_pii", 0)
    by_type = pii.get("rows_by_type") or pii.get("counts_by_type") or {}
    kinds = sorted(((e, c) for e, c in by_type.items() if c), key=lambda t: (-t[1], t[0]))
    total = sum(c for _, c in kinds)
    detail = ", ".join(f"{c:,} {pii_name(e, c)}" for e, c in kinds)
    several = (
        f"; a row can hold more than one kind, so the {total:,} findings exceed the {rows:,} rows"
        if total > rows
        else ""
    )
    return (
        f"{_plural(rows, 'row')} ({_pct(pii.get('share_rows_with_pii'))}) contain personal "
        f"data: {_plural(total, 'finding')} of {_plural(len(kinds), 'type')} ({detail}){several}."
    )


def build_findings(report: dict) -> list[dict]:
    """Findings in reading order: problems first within each check."""
    out: list[dict] = []

    def add(check: str, severity: str, text: str) -> None:
        out.append({"check": check, "severity": severity, "text": text})

    rows = report.get("rows", 0)
    if report.get("malformed_rows"):
        lines = report.get("malformed_lines") or []
        where = f" (first at line {lines[0]})" if lines else ""
        add(
            "data",
            "warning",
            f"{_plural(report['malformed_rows'], 'malformed row')} could not be parsed and "
            f"{'was' if report['malformed_rows'] == 1 else 'were'} skipped{where}.",
        )

    rep = report.get("representation_summary")
    if rep is not None:
        flagged = rep.get("flagged", [])
        # The same floor as the smallest-group alert (configs/alerts.yaml), said per group.
        floor = _alert_threshold("dataset_min_group_share")

        def under_floor(share) -> str:
            return (
                f", under the {_pct(floor).replace('.0 %', ' %')} alert floor"
                if floor is not None and share is not None and share < floor
                else ""
            )

        if flagged:
            parts = [
                f"{f['group']} ({f['column']}: {_pct(f['share'])}"
                + (
                    f" vs {_pct(f['reference_share'])} reference"
                    if f.get("reference_share")
                    else ""
                )
                + under_floor(f.get("share"))
                + ")"
                for f in flagged[:6]
            ]
            more = f" and {len(flagged) - 6} more" if len(flagged) > 6 else ""
            # One threshold source: the alert's (configs/alerts.yaml) decides warning or note.
            limit = _alert_threshold("dataset_underrepresented_groups")
            alerting = limit is not None and len(flagged) > limit
            add(
                "representation",
                "warning" if alerting else "info",
                f"{_plural(len(flagged), 'group')} under-represented: {', '.join(parts)}{more}."
                + ("" if alerting else " Below the alert threshold in the alert settings."),
            )
        named = {(f["column"], f["group"]) for f in flagged}
        tiny = [
            f"{g} ({col}: {_pct(v['share'])})"
            for col, groups in (report.get("representation") or {}).items()
            for g, v in groups.items()
            if isinstance(v, dict)
            and (col, g) not in named
            and v.get("share") is not None
            and floor is not None
            and v["share"] < floor
        ]
        if tiny:
            add(
                "representation",
                "warning",
                f"Under the {_pct(floor).replace('.0 %', ' %')} share that raises an alert: "
                f"{', '.join(tiny)}.",
            )
        if not flagged and not tiny and report.get("representation"):
            add(
                "representation",
                "ok",
                f"No group is under-represented (all at least {rep['min_ratio']:g}× their "
                f"reference share and {rep['min_count']} rows).",
            )
        small = [
            (name, g, v["count"])
            for name, inter in rep.get("intersections", {}).items()
            for g, v in inter["groups"].items()
            if v["flagged"]
        ]
        total_small = sum(i["small_cells"] for i in rep.get("intersections", {}).values())
        if total_small:
            name, g, c = min(small, key=lambda t: t[2]) if small else ("", "", 0)
            example = (
                f" (smallest shown: {g.replace(SEP, ' & ')}, {_plural(c, 'row')})" if small else ""
            )
            add(
                "representation",
                "info",
                f"{_plural(total_small, 'combination')} of two sensitive attributes "
                f"{'has' if total_small == 1 else 'have'} fewer than {rep['min_count']} "
                f"rows{example}.",
            )

    label_names = (report.get("dataset") or {}).get("label_names") or {}

    def label(value) -> str:  # "toxic (label 1)" once named at registration
        return label_name(label_names, value)

    def label_rate(value) -> str:
        text = label(value)
        return text[:1].upper() + text[1:] + " rate"

    skew = report.get("label_skew")
    if skew and skew.get("columns"):
        positive = skew.get("positive_label")
        for col, res in skew["columns"].items():
            if res.get("dp_difference") is None:
                continue
            hi, lo = res["highest_group"], res["lowest_group"]
            groups = res["groups"]
            p = res.get("p_value")
            ptxt = (
                "p < 0.001"
                if p is not None and p < 0.001
                else f"p = {p:.3f}"
                if p is not None
                else ""
            )
            if res.get("flagged"):
                add(
                    "label_skew",
                    "warning",
                    f"{label_rate(positive)} differs by {col}: {_pct(groups[hi]['rate'])} for "
                    f"{hi} vs {_pct(groups[lo]['rate'])} for {lo} (difference "
                    f"{res['dp_difference']:.2f}, chi-square {ptxt}).",
                )
            elif res["dp_difference"] >= skew.get("gap_threshold", 0.1):
                add(
                    "label_skew",
                    "info",
                    f"{label_rate(positive)} varies by up to {res['dp_difference']:.2f} across "
                    f"{col} groups ({hi} {_pct(groups[hi]['rate'])}, {lo} "
                    f"{_pct(groups[lo]['rate'])}), but not significantly ({ptxt}).",
                )
            else:
                add(
                    "label_skew",
                    "ok",
                    f"{label_rate(positive)} is similar across {col} groups (largest "
                    f"difference {res['dp_difference']:.2f}{', ' + ptxt if ptxt else ''}).",
                )

    pii = report.get("pii")
    if pii is not None:
        n = pii.get("rows_with_pii", 0)
        if n:
            add("pii", "warning", pii_summary(pii))
        else:
            add("pii", "ok", "No personal data found by the offline PII rules.")

    tox = report.get("toxicity")
    if tox is not None and tox.get("scored_rows"):
        backend = tox["backend"]
        worst = None
        for col, groups in tox.get("by_group", {}).items():
            for g, v in groups.items():
                if g in ("(missing)", "other") or v["n"] < 30:
                    continue
                if worst is None or (v["share_above_threshold"] or 0) > worst[2]:
                    worst = (col, g, v["share_above_threshold"] or 0)
        extra = f"; highest group: {worst[1]} ({worst[0]}) at {_pct(worst[2])}" if worst else ""
        sampled = (
            f" (scored {tox['scored_rows']:,} of {tox['rows']:,} rows)"
            if tox.get("sampled")
            else ""
        )
        add(
            "toxicity",
            "warning" if (tox["share_above_threshold"] or 0) >= 0.05 else "info",
            f"{_pct(tox['share_above_threshold'])} of rows score at or above "
            f"{tox['threshold']:g} for toxicity{extra}. Scored by {backend}{sampled}.",
        )

    dup = report.get("duplicates")
    if dup is not None:
        exact, near = dup["exact_rows"], dup["near_rows"]
        if exact or near:
            add(
                "duplicates",
                "warning" if dup["exact_share"] + dup["near_share"] >= 0.01 else "info",
                f"{_pct(dup['exact_share'])} exact duplicates ({_plural(exact, 'row')} repeat an "
                f"earlier row); {_plural(near, 'row')} in {_plural(dup['near_cluster_count'], 'near-duplicate cluster')}.",
            )
        else:
            add("duplicates", "ok", "No exact or near duplicates.")
        for leak in dup.get("leakage", []):
            n = leak["exact_rows"] + leak["near_rows"]
            if n:
                add(
                    "duplicates",
                    "warning",
                    f"Leakage: {_plural(n, 'row')} of '{leak['from']}' ({_pct(leak['share'])}) "
                    f"also appear in '{leak['to']}' ({leak['exact_rows']:,} exact, "
                    f"{leak['near_rows']:,} near).",
                )
            else:
                add(
                    "duplicates",
                    "ok",
                    f"No leakage between '{leak['from']}' and '{leak['to']}'.",
                )

    assoc = report.get("association")
    skew_pos = (skew or {}).get("positive_label")
    if assoc is not None and skew_pos is not None:
        best = None
        min_rows = (report.get("config") or {}).get("min_count", 30)
        for col, res in assoc.get("by_column", {}).items():
            for g, labels in res.get("label_npmi", {}).items():
                if res["groups"].get(g, {}).get("rows", 0) < min_rows:
                    continue  # nPMI of tiny groups is noise
                v = labels.get(str(skew_pos))
                if v is not None and (best is None or v > best[2]):
                    best = (col, g, v)
        if best and best[2] >= 0.05:
            add(
                "association",
                "info",
                f"{label(skew_pos)[:1].upper()}{label(skew_pos)[1:]} co-occurs with "
                f"{best[0]} = {best[1]} more than chance "
                f"(nPMI {best[2]:.2f}).",
            )

    stats = report.get("text_stats")
    if stats is not None:
        bad = stats["empty"] + stats["whitespace_only"] + stats["missing"]
        if bad:
            add(
                "text_stats",
                "warning",
                f"{_plural(bad, 'row')} have no text (empty, whitespace-only or missing).",
            )
        if stats["non_text"]:
            add(
                "text_stats",
                "warning",
                f"{_plural(stats['non_text'], 'value')} in the text column "
                f"{'is' if stats['non_text'] == 1 else 'are'} not text (numbers or other types).",
            )
        if stats["chars"]["p50"] is not None:
            add(
                "text_stats",
                "info",
                f"Median text length {stats['chars']['p50']} characters "
                f"(90 % under {stats['chars']['p90']}); {rows:,} rows audited.",
            )
    return out
