"""Version history and a side-by-side diff of two versions."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from backend.cards import CardRepository, side_by_side
from components.formatting import format_time, show_table


def render_versions(repo: CardRepository, card_id: int) -> None:
    versions = repo.versions(card_id)
    signed = {s.version_id: s.decision for s in repo.signoffs(card_id)}
    show_table(
        pd.DataFrame(
            [
                {
                    "version": v.version,
                    "saved (UTC)": format_time(v.created_at),
                    "by": v.author or "–",
                    "note": v.note,
                    "sha256": v.content_hash[:12],
                    "sign-off": signed.get(v.id, ""),
                }
                for v in reversed(versions)
            ]
        ),
        hide_index=True,
        width="stretch",
        column_config={"note": st.column_config.TextColumn(width="medium")},
    )
    if len(versions) < 2:
        st.caption("Save a second version to compare two versions side by side.")
        return
    numbers = [v.version for v in versions]
    c1, c2, c3 = st.columns([1, 1, 2], vertical_alignment="bottom")
    old = c1.selectbox(
        "Left", numbers, index=len(numbers) - 2, key=f"diff-a-{card_id}-{numbers[-1]}"
    )
    new = c2.selectbox(
        "Right", numbers, index=len(numbers) - 1, key=f"diff-b-{card_id}-{numbers[-1]}"
    )
    show_all = c3.toggle("Show unchanged fields too", key=f"diff-all-{card_id}")
    rows = side_by_side(repo.load(card_id, old), repo.load(card_id, new), only_changes=not show_all)
    if not rows:
        st.info(f"Versions {old} and {new} are identical.")
        return
    n = sum(r["changed"] for r in rows)
    st.caption(f"{n} field{' differs' if n == 1 else 's differ'} between v{old} and v{new}.")
    for r in rows:
        marker = ":orange[changed]" if r["changed"] else ":gray[same]"
        st.markdown(f"**{r['section']} › {r['field']}** {marker}")
        left, right = st.columns(2)
        left.code(r["left"] or "(empty)", language=None, wrap_lines=True)
        right.code(r["right"] or "(empty)", language=None, wrap_lines=True)
