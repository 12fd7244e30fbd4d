"""``python -m backend datasets versions N``: a dataset's pinned versions and their diffs.

Examples::

    python -m backend datasets versions 1          # Dataset #1's versions, newest last
    python -m backend datasets versions 1 --json
"""

from __future__ import annotations

import argparse

from backend.cli import add_json_flag, print_json
from backend.errors import StewardError


def register(sub) -> None:
    p = sub.add_parser(
        "datasets",
        help="dataset versions: content hashes, diffs, does the file still match?",
        description="Registered datasets' versions (order-independent content hashes of "
        "their rows) and what changed between them.",
    )
    inner = p.add_subparsers(dest="datasets_command", metavar="ACTION", required=True)
    v = inner.add_parser(
        "versions",
        help="every version of Dataset #N, and whether its file still matches",
        description="Every version of Dataset #N (hash, rows, why it was recorded, diff), "
        "and whether the file on disk still matches the newest one.",
    )
    v.add_argument("dataset", metavar="N", help="the dataset's number (Dataset #N)")
    add_json_flag(v)
    v.set_defaults(func=cmd_versions)


def cmd_versions(args: argparse.Namespace) -> int:
    from backend.dataset_versions import current_content_hash, diff_summary, versions
    from backend.store import display_title, get_store, iso_utc

    text = str(args.dataset).strip().removeprefix("#")
    try:
        number = int(text)
    except ValueError:
        raise StewardError(
            f"'{args.dataset}' is not a dataset number (as in Dataset #1)."
        ) from None
    store = get_store()
    ds = store.get_dataset(number)
    if ds is None:
        raise StewardError(f"There is no Dataset #{number} (numbers start at 1).")
    found = versions(store, ds.id)
    now = current_content_hash(store, found[-1].id) if found else None
    if not found:
        state = "no version recorded yet (it is hashed when audited or trained on)"
    elif now is None:
        state = "the file is missing or unreadable"
    elif now == found[-1].content["content_hash"]:
        state = f"the file matches v{found[-1].content['version']}"
    else:
        state = (
            f"the file changed since v{found[-1].content['version']} "
            "(register it again to record a new version)"
        )
    rows = [
        {
            **{k: a.content.get(k) for k in ("version", "content_hash", "n_rows", "reason")},
            "recorded_at": iso_utc(a.created_at),
            "columns": a.content.get("columns"),
            "diff": a.content.get("diff"),
            "changes": diff_summary(a.content.get("diff")),
            "record_id": a.id,
        }
        for a in found
    ]
    title = display_title("dataset", ds.id, ds.name)
    if args.json:
        print_json({"dataset": title, "current_file": state, "current_hash": now, "versions": rows})
        return 0
    print(f"{title}: {state}")
    for r in rows:
        print(
            f"  v{r['version']}  {r['recorded_at']}  {r['n_rows']:>9,} rows  "
            f"{r['content_hash']}  {r['reason']:<13}  {r['changes']}"
        )
    return 0
