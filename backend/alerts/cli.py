"""``python -m backend alerts``: list alerts, acknowledge or resolve them, check the config.

Examples::

    python -m backend alerts                       # open alerts
    python -m backend alerts --status resolved --json
    python -m backend alerts ack 3 --note "Looking into the PII rows"
    python -m backend alerts resolve 3 --note "Rows removed in v2 of the dataset"
    python -m backend alerts show 3                # details and incident history
    python -m backend alerts thresholds            # validate and print the thresholds
    python -m backend alerts retry                 # re-send failed / pending notifications
"""

from __future__ import annotations

import argparse
import getpass
import os

from backend.cli import add_json_flag, print_json
from backend.errors import StewardError
from backend.store import iso_utc

STATUSES = ("open", "acknowledged", "resolved")


def register(sub) -> None:
    p = sub.add_parser(
        "alerts",
        help="list, acknowledge and resolve alerts (incident log)",
        description="Without an ACTION: list alerts (open ones by default). See docs/alerts.md.",
    )
    add_json_flag(p)
    p.add_argument(
        "--status",
        choices=(*STATUSES, "all"),
        default="open",
        help="which alerts to list (default: open)",
    )
    p.add_argument("--limit", type=int, default=200, help="at most this many (newest first)")
    p.set_defaults(func=_list)
    actions = p.add_subparsers(dest="action", metavar="ACTION", parser_class=type(p))
    for name, verb in (
        ("ack", "acknowledge"),
        ("resolve", "resolve"),
        ("reopen", "reopen"),
    ):
        a = actions.add_parser(name, help=f"{verb} an alert with a note")
        a.add_argument("id", type=int, help="alert id")
        a.add_argument("--note", required=True, help="what you saw, did, or why it is fine")
        a.add_argument(
            "--by",
            default=None,
            help="who you are (default: STEWARD_USER or your login name)",
        )
        a.add_argument("--json", action="store_true", default=argparse.SUPPRESS)
        a.set_defaults(func=_transition, verb=name)
    show = actions.add_parser("show", help="one alert with its deliveries and history")
    show.add_argument("id", type=int)
    show.add_argument("--json", action="store_true", default=argparse.SUPPRESS)
    show.set_defaults(func=_show)
    th = actions.add_parser("thresholds", help="validate and print the alert thresholds")
    th.add_argument("--json", action="store_true", default=argparse.SUPPRESS)
    th.set_defaults(func=_thresholds)
    retry = actions.add_parser("retry", help="send pending and failed notifications again")
    retry.add_argument("--json", action="store_true", default=argparse.SUPPRESS)
    retry.set_defaults(func=_retry)


def alert_dict(alert) -> dict:
    """The JSON shape of one alert (the CLI's list items)."""
    return {
        "id": alert.id,
        "metric": alert.metric,
        "value": alert.value,
        "threshold": alert.threshold,
        "severity": alert.severity,
        "status": alert.status,
        "source": alert.source_label
        or (f"{alert.source_kind} #{alert.source_id}" if alert.source_kind else None),
        "source_kind": alert.source_kind,
        "source_id": alert.source_id,
        "kind": alert.kind,
        "message": alert.message,
        "created_at": iso_utc(alert.created_at),
        "acknowledged_at": iso_utc(alert.acknowledged_at),
        "resolved_at": iso_utc(alert.resolved_at),
    }


def _store():
    from backend.store import get_store

    return get_store()


def _list(args) -> int:
    if args.limit < 1:
        raise StewardError("--limit must be 1 or more.")
    store = _store()
    statuses = STATUSES if args.status == "all" else (args.status,)
    alerts = store.list_alerts(statuses=statuses, limit=args.limit)
    if args.json:
        print_json([alert_dict(a) for a in alerts])
        return 0
    if not alerts:
        print(f"No {'' if args.status == 'all' else args.status + ' '}alerts.")
        return 0
    for a in alerts:
        d = alert_dict(a)
        print(
            f"#{a.id:<4} {a.severity:<6} {a.status:<12} {d['created_at']}  {a.message}"
            + (f"  [{d['source']}]" if d["source"] else "")
        )
    return 0


def _actor(args) -> str:
    if args.by:
        return args.by
    try:
        return os.environ.get("STEWARD_USER") or getpass.getuser()
    except (KeyError, OSError):
        raise StewardError("Cannot tell who you are: pass --by NAME.") from None


def _transition(args) -> int:
    from backend.alerts.service import transition

    alert = transition(_store(), args.id, args.verb, note=args.note, actor=_actor(args))
    if getattr(args, "json", False):
        print_json(alert_dict(alert))
    else:
        print(f"Alert #{alert.id} is now {alert.status}.")
    return 0


def _show(args) -> int:
    from backend.alerts.service import deliveries

    store = _store()
    alert = store.get_alert(args.id)
    if alert is None:
        raise StewardError(f"No alert #{args.id}.")
    out = alert_dict(alert)
    out["history"] = [
        {"action": e.action, "actor": e.actor, "note": e.note, "at": iso_utc(e.at)}
        for e in store.alert_events(alert.id)
    ]
    out["deliveries"] = [
        {
            "notifier": d.notifier,
            "ok": d.ok,
            "attempts": d.attempts,
            "error": d.error,
            "at": iso_utc(d.at),
        }
        for d in deliveries(store, alert.id)
    ]
    if getattr(args, "json", False):
        print_json(out)
        return 0
    print(f"#{alert.id} {alert.severity} · {alert.status}\n{alert.message}")
    print(f"metric {alert.metric} = {alert.value} (threshold {alert.threshold})")
    if out["source"]:
        print(f"source: {out['source']}")
    print("history:")
    for e in out["history"]:
        who = f" by {e['actor']}" if e["actor"] else ""
        print(f"  {e['at']} {e['action']}{who}" + (f": {e['note']}" if e["note"] else ""))
    for d in out["deliveries"]:
        state = "delivered" if d["ok"] else f"FAILED ({d['error']})"
        print(f"  notify {d['notifier']}: {state} after {d['attempts']} attempt(s)")
    return 0


def _thresholds(args) -> int:
    from backend.alerts.config import METRICS, load_config

    config = load_config()  # raises ConfigError naming the line
    rows = []
    for name, spec in METRICS.items():
        th = config.get(name)
        rows.append(
            {
                "metric": name,
                "threshold": th.value if th else None,
                "direction": spec.direction,
                "unit": spec.unit,
                "high_margin": th.high_margin if th else None,
                "kind": spec.kind,
                "line": th.line if th else None,
                "enabled": th is not None,
            }
        )
    if getattr(args, "json", False):
        print_json({"path": str(config.path), "thresholds": rows})
        return 0
    print(f"Thresholds from {config.path}:")
    for r in rows:
        if not r["enabled"]:
            print(f"  {r['metric']:<24} off")
            continue
        print(
            f"  {r['metric']:<24} {r['direction']} {r['threshold']:g} {r['unit']}"
            f"  (high when {r['high_margin']:g} past)"
        )
    return 0


def _retry(args) -> int:
    from backend.alerts.service import AlertService

    service = AlertService(_store())
    sent = service.retry_failed() + service.dispatch_pending()
    if getattr(args, "json", False):
        print_json([d.__dict__ for d in sent])
        return 0
    if not sent:
        print("Nothing to send: every open alert was delivered.")
    for d in sent:
        state = "delivered" if d.ok else f"FAILED after {d.attempts} attempt(s): {d.error}"
        print(f"#{d.alert_id} {d.notifier}: {state}")
    return 0
