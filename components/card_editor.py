"""The card editor: every section's fields in one form; auto-filled fields are marked."""

from __future__ import annotations

import streamlit as st

from backend.cards import CardDocument, CardRepository, SavedVersion
from backend.cards.render import hash_label


def _source_caption(fld) -> str:
    ref = fld.source
    where = f" · `{ref.field}`" if ref.field else ""
    digest = f" · {hash_label(ref)} `{ref.content_hash[:10]}`" if ref.content_hash else ""
    state = " · **edited**" if fld.edited else ""
    return f":material/link: auto-filled from **{ref.label or ref.key}**{where}{digest}{state}"


def render_editor(
    repo: CardRepository, card_id: int, version: int, doc: CardDocument, *, author: str | None
) -> SavedVersion | None:
    """Draw the editor for ``doc`` (version ``version``); returns the save result on submit.

    ``author`` is the signed-in reviewer's account; without one the form cannot be saved."""
    key = f"edit-{card_id}-{version}"
    missing = doc.missing_required()
    if missing:
        st.warning(
            "**Required before export and approval:** " + "; ".join(missing),
            icon=":material/assignment_late:",
        )
    auto = sum(1 for *_, f in doc.iter_fields() if f.auto_filled)
    st.caption(
        f"{auto} fields were auto-filled from records (marked :material/link:); they stay "
        "editable and keep a link to their source. Fields marked * are required."
    )
    with st.form(key, border=False):
        title = st.text_input("Card title", doc.title, key=f"{key}-title", max_chars=300)
        values: dict[tuple[str, str], str] = {}
        for skey, stitle, section in doc.iter_sections():
            specs = type(section).field_specs()
            n_auto = sum(1 for sp in specs if getattr(section, sp.key).auto_filled)
            n_missing = sum(
                1 for sp in specs if sp.required and not getattr(section, sp.key).value.strip()
            )
            badge = f" · {n_auto} auto-filled" if n_auto else ""
            badge += f" · :orange[{n_missing} required missing]" if n_missing else ""
            with st.expander(f"**{stitle}**{badge}", expanded=bool(n_missing)):
                for spec in specs:
                    fld = getattr(section, spec.key)
                    label = spec.label + (" *" if spec.required else "")
                    if fld.auto_filled:
                        label = f":material/link: {label}"
                    widget_key = f"{key}-{skey}-{spec.key}"
                    if spec.long or "\n" in fld.value:
                        lines = max(2, min(12, fld.value.count("\n") + 2))
                        values[(skey, spec.key)] = st.text_area(
                            label,
                            fld.value,
                            key=widget_key,
                            help=spec.help or None,
                            height=max(68, 24 * lines),
                        )
                    else:
                        values[(skey, spec.key)] = st.text_input(
                            label, fld.value, key=widget_key, help=spec.help or None
                        )
                    if fld.auto_filled:
                        st.caption(_source_caption(fld))
        note = st.text_input(
            "What changed (optional, kept with the version)", key=f"{key}-note", max_chars=300
        )
        submitted = st.form_submit_button(
            "Save as new version", type="primary", icon=":material/save:", disabled=author is None
        )
    if author is None:
        st.caption("Sign in as a reviewer (top of the page) to save: versions record who saved.")
    if not submitted or author is None:
        return None
    new = doc.model_copy(deep=True)
    new.title = (title or "").strip() or doc.title
    for (skey, fkey), value in values.items():
        new.set_value(skey, fkey, value or "")
    return repo.save_version(
        card_id, new, author=author, note=note or "edited in the editor", expected_version=version
    )
