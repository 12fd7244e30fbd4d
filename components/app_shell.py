"""Make every page run inside ``app.py``'s navigation, even on a direct link.

Streamlit treats a ``pages/`` folder next to the main script as an old-style (v1)
multipage app until ``st.navigation`` has run once in the process. So the very first
visitor of a fresh server who opens a deep link (``/fairness``) gets the page script
on its own: no set_page_config, no sidebar, no offline environment from ``app.py``.
:func:`ensure_app_shell` detects that case, switches the process to ``st.navigation``
mode and reruns, so the request is served through ``app.py`` like every other one.

Why a private Streamlit API: there is no public switch. Streamlit's own advice is to
rename ``pages/`` (e.g. to ``views/``) so that ``st.navigation`` alone routes, but the
``pages/`` layout was asked for; first-load deep links with ``st.navigation`` are
streamlit/streamlit#9624 and #8860. So the one private touch lives in
:func:`_leave_pages_directory_mode` and nowhere else. Checked against streamlit 1.67.0,
the version pinned in ``requirements.txt``; the browser test
``tests/test_e2e_browser.py::test_deep_link_on_a_fresh_server_gets_the_app_shell``
fails if an upgrade moves it.
"""

from __future__ import annotations

import streamlit as st


def ensure_app_shell() -> None:
    """Call first in every page script; a no-op once ``app.py`` has set up navigation."""
    if _leave_pages_directory_mode():
        st.rerun()


def _leave_pages_directory_mode() -> bool:
    """Switch a process still in ``pages/``-directory mode to ``st.navigation`` mode.

    Returns whether it did (the page must rerun through ``app.py``). A Streamlit without
    the private flag leaves the page as it is rather than failing.
    """
    try:
        from streamlit.runtime.pages_manager import PagesManager  # noqa: PLC0415
    except ImportError:  # pragma: no cover - only on an unpinned Streamlit
        return False
    if getattr(PagesManager, "uses_pages_directory", False):
        PagesManager.uses_pages_directory = False
        return True
    return False
