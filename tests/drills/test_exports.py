"""Markdown exports and the dashboard preview carry no live script or data link (issue 15, 13).

The exported Markdown is rendered by a real CommonMark renderer (markdown-it-py, which
decodes entities in link destinations as every CommonMark renderer must) with its own
link filter switched off, as a permissive renderer would; then no ``href`` or ``src``
may start with ``javascript:``, ``vbscript:`` or ``data:`` once a browser has dropped the
tabs and newlines it ignores. Before the fix ``data:text/html`` links stayed live and
``javascript&#58;`` decoded back to ``javascript:``.
"""

from __future__ import annotations

import re

import pytest

from backend.cards import CardDocument, CardRepository
from backend.cards.links import DEFUSED_COLON
from backend.cards.render import export_card
from tests.test_cards import complete

markdown_it = pytest.importorskip("markdown_it")

ATTACKS = [
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    "[tab](java\tscript:alert(1))",
    "[nl](java\nscript:alert(1))",
    "[entity](javascript&#58;alert(1))",
    "[vb](vbscript:msgbox(1))",
    "[page](data:text/html,<script>alert(1)</script>)",
    "[b64](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "[spaced](data: text/html,hi)",
    "![img](data:image/svg+xml,<svg onload=alert(1)>)",
    "[ref][r]\n\n[r]: javascript:alert(1)",
    "<javascript:alert(1)>",
]
SAFE = "[docs](https://example.org/card)"
_DANGEROUS = re.compile(r"^(javascript|vbscript|data):", re.I)


def _live_links(markdown: str) -> list[str]:
    md = markdown_it.MarkdownIt("commonmark")
    md.validateLink = lambda url: True  # a permissive renderer: follow every link
    found = []
    for token in md.parse(markdown):
        for child in [token, *(token.children or [])]:
            for attr in ("href", "src"):
                url = child.attrGet(attr) if child.attrs else None
                if url:
                    found.append(url)
    return found


def _dangerous(urls: list[str]) -> list[str]:
    # Browsers drop tab/CR/LF anywhere in a URL and leading control characters and spaces.
    cleaned = [re.sub(r"[\t\r\n]", "", u).lstrip("\x00- ") for u in urls]
    return [u for u in cleaned if _DANGEROUS.match(u)]


def _card_with_attacks() -> CardDocument:
    doc = complete(CardDocument.new("model", "Attack card"))
    doc.set_value("model_details", "summary", "\n\n".join([*ATTACKS, SAFE]))
    doc.set_value("model_details", "name", ATTACKS[6])
    doc.checklist_item("consent").notes = ATTACKS[0] + " " + ATTACKS[6]
    return doc


def test_markdown_export_has_no_live_script_or_data_link():
    md = export_card(_card_with_attacks(), "md").content
    links = _live_links(md)
    assert not _dangerous(links), _dangerous(links)
    assert "https://example.org/card" in links  # ordinary links still work
    assert "Training data: 4000 rows" in export_card(_plain_data_colon(), "md").content


def _plain_data_colon() -> CardDocument:
    doc = complete(CardDocument.new("model", "m"))
    doc.set_value("model_details", "summary", "Training data: 4000 rows")
    return doc


@pytest.mark.parametrize("attack", ATTACKS)
def test_each_attack_is_defused_alone(attack):
    doc = complete(CardDocument.new("model", "m"))
    doc.set_value("model_details", "summary", attack)
    links = _live_links(export_card(doc, "md").content)
    assert not _dangerous(links), (attack, links)


def test_dashboard_preview_renders_no_live_data_link(app_test, store):
    CardRepository(store).create(_card_with_attacks())
    at = app_test("pages/cards.py").run()
    assert not at.exception
    shown = [m.value for m in at.markdown]
    # The preview expander shows the card body, with the attack links defused.
    (preview,) = [s for s in shown if s.startswith("# Attack card")]
    assert f"data{DEFUSED_COLON}text/html" in preview and "https://example.org/card" in preview
    for text in shown:
        assert not _dangerous(_live_links(text)), text
