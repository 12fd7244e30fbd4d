"""Make every page run inside ``app.py``'s navigation, even on a direct link.

Streamlit treats a ``pages/`` folder next to the main script as an old-style (v1)
multipage app until ``st.navigation`` has run once in the process. So the very first
visitor of a fresh server who opens a deep link (``/fairness``) gets the page script
on its own: no set_page_config, no sidebar, no offline environment from ``app.py``.
:func:`ensure_app_shell` detects that case, switches the process to ``st.navigation``
mode and reruns, so the request is served through ``app.py`` like every other one.
"""

from __future__ import annotations

import streamlit as st


def ensure_app_shell() -> None:
    """Call first in every page script; a no-op once ``app.py`` has set up navigation."""
    from streamlit.runtime.pages_manager import PagesManager  # noqa: PLC0415

    if PagesManager.uses_pages_directory:
        PagesManager.uses_pages_directory = False
        st.rerun()
