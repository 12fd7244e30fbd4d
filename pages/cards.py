"""Cards & sign-off: model and data cards built from the workspace's records, a
compliance checklist with evidence, version history, reviewer sign-off and exports."""

import streamlit as st

from backend.cards import CardRepository, card_status, create_card
from backend.cards.autofill import EVIDENCE_FILLERS
from backend.cards.records import artifact_ref, dataset_ref
from backend.errors import StewardError
from backend.store import display_title
from components import state
from components.alert_views import render_incident_log, render_notifications
from components.app_shell import ensure_app_shell
from components.card_checklist import render_checklist
from components.card_editor import render_editor
from components.card_exports import render_exports
from components.card_signoff import STATE_BADGES, render_signoff_panel
from components.card_versions import render_versions
from components.formatting import format_time, plain_md
from components.sign_in import render_reviewer_bar

ensure_app_shell()  # deep link on a fresh server: serve it through app.py

store = state.store()
settings = state.settings()
repo = CardRepository(store)

st.title("Cards & sign-off")
st.caption(
    "Model and data cards filled from your runs, audits and fairness evaluations, a "
    "compliance checklist with evidence, and a reviewer's signed decision on one exact version."
)

reviewer = render_reviewer_bar(store, key="cards-reviewer")
author = reviewer.name if reviewer else None  # versions are recorded under the account

flash = st.session_state.pop("cards_flash", None)
if flash:
    st.success(flash, icon=":material/check:")

runs = store.list_artifacts("run", limit=200)
audits = store.list_artifacts("audit", limit=200)
evaluations = store.list_artifacts("evaluation", limit=200)
# Saved red-team, probe and mitigation results: evidence a card cites.
results = [a for kind in EVIDENCE_FILLERS for a in store.list_artifacts(kind, limit=200)]
datasets = store.list_datasets()
records = {}
for art in runs + audits + evaluations + results + store.list_artifacts("card", limit=200):
    ref = artifact_ref(art, store=store)
    records[ref.key] = ref
for ds in datasets:
    ref = dataset_ref(ds)
    records[ref.key] = ref


def _newest_of_each_kind(arts):
    """The newest saved result of each kind, preselected as evidence (not privacy audits:
    a card made from a run cites that run's own audit by itself)."""
    newest = {}
    for art in arts:
        if art.kind == "privacy":
            continue
        if art.kind not in newest or art.id > newest[art.kind].id:
            newest[art.kind] = art
    return list(newest.values())


def saved_title(saved) -> str:
    return repo.load(saved.card_id).title


def _pick(label, options, key, fmt):
    """Choose a source record; the newest one is preselected ("—" for none)."""
    return st.selectbox(
        label,
        [None, *options],
        index=1 if options else 0,
        format_func=lambda a: "— none —" if a is None else fmt(a),
        key=key,
    )


cards = repo.list_cards()
with st.expander("Create a new card", expanded=not cards, icon=":material/add_notes:"):
    kind = st.segmented_control(
        "Kind",
        ["model", "data"],
        default="model",
        format_func=lambda k: "Model card" if k == "model" else "Data card",
        key="new-card-kind",
    )
    with st.form("new-card"):
        title = st.text_input("Title (optional: derived from the records)", max_chars=300)
        run = evaluation = dataset = None
        if kind == "data":
            c1, c2 = st.columns(2)
            with c1:
                dataset = _pick("Dataset", datasets, "new-ds", store.display_name)
            with c2:
                audit = _pick("Dataset audit", audits, "new-audit", store.display_name)
        else:
            c1, c2, c3 = st.columns(3)
            with c1:
                run = _pick("Fine-tune run", runs, "new-run", store.display_name)
            with c2:
                evaluation = _pick(
                    "Fairness evaluation", evaluations, "new-eval", store.display_name
                )
            with c3:
                audit = _pick("Dataset audit", audits, "new-audit-m", store.display_name)
        cited = st.multiselect(
            "Saved results to cite (red-team, identity-term probes, mitigations, privacy audits)",
            results,
            default=_newest_of_each_kind(results),
            format_func=store.display_name,
            key=f"new-evidence-{kind}",
            help="Each fills its fields and checklist item: a red-team result answers "
            "'Safety mechanisms', probes and mitigations the bias assessment.",
        )
        if not (runs or audits or evaluations or results):
            st.caption(
                "No runs, audits or evaluations yet: the card starts mostly empty. Run an audit, "
                "a fine-tune or a fairness evaluation first to have fields filled for you."
            )
        create = st.form_submit_button(
            "Create card", type="primary", icon=":material/add:", disabled=author is None
        )
    if author is None:
        st.caption("Sign in as a reviewer (above) to create a card: it is recorded under you.")
    if create and author is not None:
        try:
            saved = create_card(
                store,
                kind or "model",
                from_run=f"artifact:{run.id}" if run is not None else None,
                from_audit=f"artifact:{audit.id}" if audit is not None else None,
                from_evaluation=f"artifact:{evaluation.id}" if evaluation is not None else None,
                evidence=[(a.kind, f"artifact:{a.id}") for a in cited],
                dataset_id=dataset.id if dataset is not None else None,
                title=title.strip(),
                author=author,
            )
        except StewardError as exc:
            st.error(str(exc))
        else:
            st.session_state["cards_selected"] = saved.card_id
            st.session_state["cards_flash"] = (
                f"{display_title('card', saved.card_id, saved_title(saved))} created (version 1)."
            )
            st.rerun()

if not cards:
    st.info("No cards yet. Create one above from the workspace's records.")
    st.stop()

ids = [c.id for c in cards]
titles = {c.id: f"{display_title('card', c.id, c.title)} ({c.kind} card)" for c in cards}
wanted = st.session_state.get("cards_selected")
card_id = st.selectbox(
    "Card",
    ids,
    index=ids.index(wanted) if wanted in ids else 0,
    format_func=titles.get,
)
st.session_state["cards_selected"] = card_id

try:
    latest = repo.latest_version(card_id)
    doc = repo.load(card_id)
except StewardError as exc:
    st.error(str(exc))
    st.stop()
status = card_status(store, card_id)

alerts = store.list_alerts(statuses=("open",))
head = st.columns([3, 1, 1, 1])
head[0].markdown(f"### {plain_md(doc.title)}")
head[1].metric("Version", latest.version)
head[2].metric("Required missing", len(doc.missing_required()))
settled = sum(1 for i in doc.checklist if i.status in ("complete", "not_applicable"))
head[3].metric("Checklist", f"{settled}/{len(doc.checklist)}")
badge = STATE_BADGES[status.state]
said = "" if status.state == "unsigned" else f" {status.label} ·"  # the badge says it all
st.markdown(
    f"{badge}{said} {doc.kind} card · saved {format_time(latest.created_at)} · "
    f"sha256 `{latest.content_hash[:12]}`"
)


def _after_save(saved) -> None:
    if saved is None:
        return
    if saved.created:
        msg = f"Saved version {saved.version}."
        if status.signoff is not None:
            msg += " The previous sign-off is now stale: the card changed after it was signed."
        st.session_state["cards_flash"] = msg
    else:
        st.session_state["cards_flash"] = "No changes: nothing saved."
    st.rerun()


tabs = state.tabs(  # remembers the open tab across reruns (sign-in, save, sign)
    [
        ":material/edit_note: Card",
        ":material/checklist: Checklist",
        ":material/history: Versions",
        ":material/draw: Sign-off",
        ":material/download: Export",
        ":material/notifications: Alerts",  # no live count: the label is the tab's state
    ],
    key="cards-tab",
)
with tabs[0]:
    try:
        saved = render_editor(repo, card_id, latest.version, doc, author=author)
    except StewardError as exc:
        st.error(str(exc))
        saved = None
    _after_save(saved)
with tabs[1]:
    try:
        saved = render_checklist(
            store,
            repo,
            card_id,
            latest.version,
            doc,
            records=records,
            evidence_dir=settings.uploads_dir / "evidence",
            author=author,
        )
    except StewardError as exc:
        st.error(str(exc))
        saved = None
    _after_save(saved)
with tabs[2]:
    render_versions(repo, card_id)
with tabs[3]:
    render_signoff_panel(store, repo, card_id, doc, status)
with tabs[4]:
    render_exports(store, card_id, latest.version, doc)
with tabs[5]:
    st.caption(
        f"{len(alerts)} open alert(s). Open alerts belong in the card's monitoring section: "
        "resolve them, or say why they are acceptable, before signing off."
    )
    render_incident_log(store, key="cards", chart=False)
    with st.expander("Notifications"):
        render_notifications(store, key="cards")
