"""``python -m backend card ...`` and ``python -m backend reviewer ...``.

Heavy imports (pydantic models, argon2, huggingface_hub) happen inside the handlers so
``python -m backend --help`` stays fast.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys

from backend.cli import add_json_flag, print_json
from backend.errors import StewardError

# = backend.cards.reviewers.PASSWORD_ENV (not imported: argon2 would slow down --help)
PASSWORD_ENV = "STEWARD_REVIEWER_PASSWORD"


def register(sub: argparse._SubParsersAction) -> None:
    card = sub.add_parser("card", help="model and data cards: create, render, sign, verify")
    add_json_flag(card)
    card.set_defaults(func=lambda args: _help(card))
    csub = card.add_subparsers(dest="card_command", metavar="ACTION", parser_class=type(card))

    p = csub.add_parser("create", help="create a card auto-filled from store records")
    p.add_argument("--kind", choices=("model", "data"), required=True)
    p.add_argument(
        "--from-run",
        metavar="N",
        help="Run #N, as the monitor page and `python -m backend jobs` show it "
        "(or artifact:ID for a run record's database id)",
    )
    p.add_argument("--from-audit", metavar="N", help="Audit #N (dataset audit)")
    p.add_argument("--from-evaluation", metavar="N", help="Evaluation #N (fairness evaluation)")
    p.add_argument(
        "--evidence",
        metavar="KIND:N",
        action="append",
        default=[],
        help="cite a saved result, e.g. redteam:1, probes:2 or mitigation:1 (repeatable)",
    )
    p.add_argument("--dataset", metavar="ID", type=int, help="dataset id (data cards)")
    p.add_argument("--title", default="", help="card title (default: derived from the records)")
    add_json_flag(p)
    p.set_defaults(func=cmd_create)

    p = csub.add_parser("list", help="list cards with their review status")
    add_json_flag(p)
    p.set_defaults(func=cmd_list)

    p = csub.add_parser("render", help="export a card as Markdown, HTML or JSON")
    p.add_argument("--id", type=int, required=True)
    p.add_argument("--format", choices=("md", "html", "json"), default="md")
    p.add_argument("--version", type=int, help="a saved version (default: latest)")
    p.add_argument("--output", "-o", help="write to this file instead of stdout")
    p.add_argument("--strict", action="store_true", help="fail when required fields are missing")
    add_json_flag(p)
    p.set_defaults(func=cmd_render)

    p = csub.add_parser("sign", help="approve or reject the latest version of a card")
    p.add_argument("--id", type=int, required=True)
    p.add_argument("--reviewer", required=True, help="local reviewer account name")
    p.add_argument("--decision", choices=("approve", "reject"), required=True)
    p.add_argument("--comment", required=True)
    p.add_argument("--version", type=int, help="sign this version (default: latest)")
    p.add_argument(
        "--exception",
        action="append",
        default=[],
        metavar="ISSUE=JUSTIFICATION",
        help="approve with an exception: one per open issue (`card gate` lists their keys), "
        "e.g. --exception 'checklist:consent=Synthetic data, no people involved'",
    )
    add_json_flag(p)
    p.set_defaults(func=cmd_sign)

    p = csub.add_parser(
        "gate",
        help="what blocks approving a card: missing fields, checklist items not started, "
        "open high-severity alerts (exit 0 when nothing does, else 1)",
    )
    p.add_argument("--id", type=int, required=True)
    p.add_argument("--version", type=int, help="a saved version (default: latest)")
    add_json_flag(p)
    p.set_defaults(func=cmd_gate)

    p = csub.add_parser(
        "verify",
        help="exit 0 when the latest sign-off still matches the card and its records, else 1",
    )
    p.add_argument("--id", type=int, required=True)
    p.add_argument(
        "--require-approved", action="store_true", help="also fail when the decision was reject"
    )
    add_json_flag(p)
    p.set_defaults(func=cmd_verify)

    p = csub.add_parser(
        "anchor",
        help="anchor the sign-offs of a card signed before Steward anchored chain heads "
        "(check them first: this trusts the chain as it is)",
    )
    p.add_argument("--id", type=int, required=True)
    add_json_flag(p)
    p.set_defaults(func=cmd_anchor)

    p = csub.add_parser("diff", help="fields that differ between two versions")
    p.add_argument("--id", type=int, required=True)
    p.add_argument("--from", dest="old", type=int, required=True, metavar="VERSION")
    p.add_argument("--to", dest="new", type=int, required=True, metavar="VERSION")
    add_json_flag(p)
    p.set_defaults(func=cmd_diff)

    rev = sub.add_parser("reviewer", help="local reviewer accounts (argon2-hashed passwords)")
    add_json_flag(rev)
    rev.set_defaults(func=lambda args: _help(rev))
    rsub = rev.add_subparsers(dest="reviewer_command", metavar="ACTION", parser_class=type(rev))
    p = rsub.add_parser("add", help=f"add a reviewer (password from ${PASSWORD_ENV} or a prompt)")
    p.add_argument("name")
    p.add_argument("--display-name", default="")
    p.add_argument("--email", default="", help="also lets this e-mail sign through OIDC login")
    p.add_argument("--replace", action="store_true", help="reset an existing reviewer's password")
    add_json_flag(p)
    p.set_defaults(func=cmd_reviewer_add)
    p = rsub.add_parser("list", help="list reviewers (names only, never hashes)")
    add_json_flag(p)
    p.set_defaults(func=cmd_reviewer_list)


def _help(parser: argparse.ArgumentParser) -> int:
    parser.print_help()
    return 0


def _password(prompt: str, *, confirm: bool = False) -> str:
    env = os.environ.get(PASSWORD_ENV)
    if env is not None:
        return env
    if not sys.stdin.isatty():
        raise StewardError(f"No password: set {PASSWORD_ENV} or run in a terminal to be prompted.")
    first = getpass.getpass(prompt)
    if confirm and getpass.getpass("Repeat password: ") != first:
        raise StewardError("The passwords do not match.")
    return first


def _store():
    from backend.store import get_store

    return get_store()


def _evidence_spec(text: str) -> tuple[str, str]:
    kind, sep, number = text.partition(":")
    if not sep or not kind.strip() or not number.strip():
        raise StewardError(f"--evidence takes KIND:N (e.g. redteam:1), not '{text}'.")
    return kind.strip(), number.strip()


def cmd_create(args: argparse.Namespace) -> int:
    from backend.cards.service import create_card

    saved = create_card(
        _store(),
        args.kind,
        from_run=args.from_run,
        from_audit=args.from_audit,
        from_evaluation=args.from_evaluation,
        evidence=[_evidence_spec(text) for text in args.evidence],
        dataset_id=args.dataset,
        title=args.title,
        author=os.environ.get("USER", ""),
    )
    if args.json:
        print_json(
            {"id": saved.card_id, "version": saved.version, "content_hash": saved.content_hash}
        )
    else:
        print(saved.card_id)
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    from backend.cards.repository import CardRepository
    from backend.cards.signoff import card_status

    store = _store()
    rows = []
    for card in CardRepository(store).list_cards():
        status = card_status(store, card.id)
        rows.append(
            {
                "id": card.id,
                "kind": card.kind,
                "title": card.title,
                "version": status.latest_version,
                "status": status.state,
            }
        )
    if args.json:
        print_json(rows)
    elif not rows:
        print("No cards yet. Create one with: python -m backend card create --kind model ...")
    else:
        for r in rows:
            print(f"{r['id']:>4}  {r['kind']:<5}  v{r['version']:<3} {r['status']:<9} {r['title']}")
    return 0


def cmd_render(args: argparse.Namespace) -> int:
    from backend.cards.service import export_saved_card
    from backend.errors import StewardError, check_output_file, os_error_message

    if args.output:
        check_output_file(args.output)  # before rendering: a bad path fails at once
    export = export_saved_card(
        _store(), args.id, args.format, version=args.version, strict=args.strict
    )
    if export.missing:
        print(
            "warning: draft, missing required fields: " + "; ".join(export.missing),
            file=sys.stderr,
        )
    for note in export.notes:
        print(f"note: {note}", file=sys.stderr)
    if args.output:
        try:
            with open(args.output, "w", encoding="utf-8") as fh:
                fh.write(export.content)
        except OSError as exc:  # a full disk, /dev/full, a device that refuses writes
            if not exc.filename:
                exc.filename = args.output
            raise StewardError(f"Could not write the card: {os_error_message(exc)}") from None
        if args.json:
            print_json({"id": args.id, "path": args.output, "missing_required": export.missing})
        else:
            print(f"Wrote {args.output}")
    else:
        sys.stdout.write(export.content)
        if not export.content.endswith("\n"):
            sys.stdout.write("\n")
    return 0


def cmd_sign(args: argparse.Namespace) -> int:
    from backend.cards.reviewers import sign_in
    from backend.cards.signoff import sign_card
    from backend.store import iso_utc

    exceptions = {}
    for item in args.exception:
        key, sep, why = item.partition("=")
        if not sep or not key.strip():
            raise StewardError(f"--exception {item!r}: write it as ISSUE=JUSTIFICATION.")
        exceptions[key.strip()] = why
    store = _store()
    password = _password(f"Password for reviewer {args.reviewer}: ")
    reviewer = sign_in(store, args.reviewer, password)
    row = sign_card(
        store,
        args.id,
        reviewer=reviewer,
        decision=args.decision,
        comment=args.comment,
        version=args.version,
        exceptions=exceptions,
    )
    result = {
        "signoff_id": row.id,
        "card_id": row.card_id,
        "version": row.version,
        "decision": row.decision,
        "reviewer": row.reviewer,
        "card_hash": row.card_hash,
        "evidence": row.evidence,
        "exceptions": row.exceptions,
        "signed_at": iso_utc(row.signed_at),
    }
    if args.json:
        print_json(result)
    else:
        print(
            f"Sign-off #{row.id}: {row.reviewer} "
            f"{'approved' if row.decision == 'approve' else 'rejected'} card {row.card_id} "
            f"version {row.version} (card sha256 {row.card_hash[:12]}, "
            f"{len(row.evidence)} cited records hashed)"
        )
        for e in row.exceptions:
            print(f"  exception {e['key']}: {e['justification']}")
    return 0


def cmd_gate(args: argparse.Namespace) -> int:
    from backend.cards.repository import CardRepository
    from backend.cards.signoff import approval_gate

    store = _store()
    issues = approval_gate(store, CardRepository(store).load(args.id, args.version))
    if args.json:
        print_json([{"key": i.key, "kind": i.kind, "issue": i.text} for i in issues])
    elif not issues:
        print(f"Card {args.id} can be approved: nothing blocks it.")
    else:
        print(
            f"Card {args.id} cannot simply be approved: {len(issues)} issue(s). Fix them, or "
            "approve with one --exception KEY=JUSTIFICATION each:"
        )
        for i in issues:
            print(f"  {i.key}  {i.text}")
    return 0 if not issues else 1


def cmd_verify(args: argparse.Namespace) -> int:
    from backend.cards.signoff import verify_card

    report = verify_card(_store(), args.id)
    not_approved = report.ok and args.require_approved and report.decision != "approve"
    ok = report.ok and not not_approved
    if args.json:
        print_json(dict(report.to_json(), ok=ok, intact=report.ok))
    elif not_approved:
        print(
            f"FAILED: card {args.id} is not approved: its latest sign-off, by {report.reviewer} "
            f"on version {report.latest_version}, is a rejection (the records are intact)."
        )
    elif report.ok:
        n = len(report.exceptions)
        exceptions = f" with {n} justified exception(s)" if n else ""
        print(
            f"OK: card {args.id} version {report.latest_version} matches the sign-off by "
            f"{report.reviewer} ({report.decision}{exceptions}); {report.checked_records} cited "
            "records unchanged; the sign-off chain ends at its anchored head."
        )
        for e in report.exceptions:
            print(f"  exception {e.get('key')}: {e.get('justification')}")
    else:
        print(f"FAILED: card {args.id}")
        for problem in report.problems:
            print(f"  - {problem}")
    return 0 if ok else 1


def cmd_anchor(args: argparse.Namespace) -> int:
    from backend.cards.anchor import signoff_key
    from backend.cards.repository import CardRepository

    repo = CardRepository(_store())
    repo.get_card(args.id)
    head = repo.anchor_existing(args.id)
    source = signoff_key().source
    if args.json:
        print_json(
            {"id": args.id, "count": head.count, "last_id": head.last_id, "key_id": head.key_id}
        )
    else:
        print(
            f"Anchored card {args.id}: {head.count} sign-off(s), last #{head.last_id}, with the "
            f"key from {source} (fingerprint {head.key_id})."
        )
    return 0


def cmd_diff(args: argparse.Namespace) -> int:
    from backend.cards.diff import diff_cards
    from backend.cards.repository import CardRepository

    repo = CardRepository(_store())
    changes = diff_cards(repo.load(args.id, args.old), repo.load(args.id, args.new))
    if args.json:
        print_json([c.__dict__ | {"kind": c.kind} for c in changes])
    elif not changes:
        print("No differences.")
    else:
        for c in changes:
            print(f"== {c.section} › {c.field} ({c.kind})")
            print(f"- {c.old}".replace("\n", "\n- ") if c.old else "- (empty)")
            print(f"+ {c.new}".replace("\n", "\n+ ") if c.new else "+ (empty)")
    return 0


def cmd_reviewer_add(args: argparse.Namespace) -> int:
    from backend.cards.reviewers import add_reviewer, reviewers_path

    password = _password(f"New password for {args.name}: ", confirm=True)
    reviewer = add_reviewer(
        args.name,
        password,
        display_name=args.display_name,
        email=args.email,
        replace=args.replace,
    )
    if args.json:
        print_json({"name": reviewer.name, "file": str(reviewers_path())})
    else:
        print(f"Reviewer '{reviewer.name}' saved in {reviewers_path()} (argon2 hash only).")
    return 0


def cmd_reviewer_list(args: argparse.Namespace) -> int:
    from backend.cards.reviewers import list_reviewers, reviewers_path

    rows = [
        {"name": r.name, "display_name": r.display_name, "email": r.email} for r in list_reviewers()
    ]
    if args.json:
        print_json(rows)
    elif not rows:
        print(f"No reviewers in {reviewers_path()}. Add one: python -m backend reviewer add NAME")
    else:
        for r in rows:
            print(r["name"] + (f" ({r['display_name']})" if r["display_name"] else ""))
    return 0
