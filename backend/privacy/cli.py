"""``python -m backend privacy``: a run's privacy audit, or two runs side by side.

Examples::

    python -m backend privacy --run 1            # membership attack of Run #1, with its CI
    python -m backend privacy --run 1 --json
    python -m backend privacy --compare 1 2      # ε, attack AUC, exposure, accuracy, energy
"""

from __future__ import annotations

import argparse

from backend.cli import add_json_flag, print_json
from backend.errors import StewardError
from backend.privacy.report import attack_cells


def register(sub) -> None:
    p = sub.add_parser(
        "privacy",
        help="does a fine-tuned model leak its training data? (membership attack, canaries)",
        description="Show a fine-tune's privacy audit: membership-inference attack AUC with "
        "its 95 %% CI, TPR at 1 %% and 0.1 %% FPR and a plain verdict; canary exposure for "
        "causal-LM runs; or two runs side by side.",
    )
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument("--run", metavar="N", help="Run #N, as every page names it")
    src.add_argument("--compare", nargs=2, metavar=("N", "M"), help="two runs side by side")
    add_json_flag(p)
    p.set_defaults(func=cmd_privacy)


def _job(store, spec: str):
    text = str(spec).strip().removeprefix("#")
    try:
        number = int(text)
    except ValueError:
        raise StewardError(
            f"'{spec}' is not a run number (a whole number, as in Run #1)."
        ) from None
    job = store.record_by_number("run", number)
    if job is None:
        raise StewardError(
            f"There is no Run #{number} (see `python -m backend jobs`; numbers start at 1)."
        )
    return job


def cmd_privacy(args: argparse.Namespace) -> int:
    from backend.privacy.audit import privacy_audit_for_run, privacy_row
    from backend.store import get_store

    store = get_store()
    if args.compare:
        jobs = [_job(store, s) for s in args.compare]
        rows = [privacy_row(store, j) for j in jobs]
        if args.json:
            print_json({"runs": rows})
        else:
            print(format_comparison(rows))
        return 0
    job = _job(store, args.run)
    art = privacy_audit_for_run(store, job.id)
    if art is None:
        why = ((job.result or {}).get("privacy") or {}).get("skipped")
        raise StewardError(
            f"{store.display_name(job)} has no privacy audit"
            + (f" ({why})." if why else ": it is not a finished classification or canary run, ")
            + ("" if why else "or it ran with privacy.membership.enabled: false.")
        )
    out = {"record": store.display_name(art), "artifact_id": art.id, **art.content}
    if args.json:
        print_json(out)
    else:
        print(format_audit(out))
    return 0


def _fmt(value, spec: str = ".3f", none: str = "–") -> str:
    return none if value is None else format(value, spec)


def format_audit(out: dict) -> str:
    lines = [out["record"]]
    eps = out.get("epsilon")
    lines.append(
        f"Differential privacy: ε = {eps:.3g}"
        + (f", δ = {out['delta']:.2g}" if out.get("delta") else "")
        if eps is not None
        else "Differential privacy: off (no ε)"
    )
    m = out.get("membership") or {}
    if m:
        lines.append(f"Membership inference, measured: {m['verdict']}")
        for a in m.get("attacks") or []:
            name, auc, tpr1, tpr01 = attack_cells(a)
            lines.append(
                f"  {name}: AUC {auc} (95 % CI); TPR {tpr1} at 1 % FPR, {tpr01} at 0.1 % FPR"
            )
        lines.append(
            f"  Mean loss: {m['mean_loss_members']:.4f} on training rows, "
            f"{m['mean_loss_non_members']:.4f} on held-out rows; audit took {m['duration_s']:.1f} s."
        )
        if m.get("reference"):
            lines.append(f"  {m['reference']}")
        if m.get("n_non_members", 0) < 1000:
            lines.append(
                f"  With {m['n_non_members']} held-out rows the smallest measurable non-zero FPR "
                f"is {1 / max(1, m['n_non_members']):.2%}: TPR at 0.1 % FPR is the TPR at FPR 0."
            )
    c = out.get("canaries") or {}
    if c:
        lines.append(f"Canary exposure, measured: {c.get('verdict', '')}")
        for g in c.get("by_repetition") or []:
            lines.append(
                f"  inserted {g['repetitions']}×: mean exposure {g['mean_exposure']:.2f} bits "
                f"(of {c['max_possible_exposure']:.1f} possible)"
            )
    return "\n".join(lines)


def format_comparison(rows: list[dict]) -> str:
    def ci(r):
        return (
            f"{r['mia_auc']:.3f} ({r['mia_ci'][0]:.3f}–{r['mia_ci'][1]:.3f})"
            if r.get("mia_auc") is not None
            else "–"
        )

    def energy(r):
        if r.get("energy_kwh") is None:
            return "–"
        how = "measured" if r.get("energy_measured") else "estimated"
        return f"{r['energy_kwh'] * 1000:.3f} Wh ({how})"

    fields = [
        (
            "ε (DP)",
            lambda r: _fmt(
                r.get("epsilon"), ".3g", f"DP on, run {r['status']}" if r["dp"] else "no DP"
            ),
        ),
        ("membership attack AUC (95 % CI)", ci),
        ("TPR at 1 % FPR", lambda r: _fmt(r.get("tpr_at_1pct_fpr"))),
        ("max canary exposure (bits)", lambda r: _fmt(r.get("max_exposure"), ".2f")),
        ("accuracy", lambda r: _fmt(r.get("accuracy"))),
        ("perplexity", lambda r: _fmt(r.get("perplexity"), ".2f")),
        ("energy", energy),
    ]
    width = max(len(f) for f, _ in fields)
    head = " " * width + " | " + " | ".join(r["run"] for r in rows)
    body = [f"{name:<{width}} | " + " | ".join(get(r) for r in rows) for name, get in fields]
    return "\n".join([head, *body])
