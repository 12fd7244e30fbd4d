"""Defuse link schemes that run code or carry a page, in every exported card value.

Card values are user text rendered as Markdown (the exports, the dashboard preview, the
Hugging Face page). HTML escaping stops raw ``<a href>`` and autolinks; this breaks the
scheme of Markdown links such as ``[x](javascript:...)`` and ``[x](data:text/html,...)``.
"""

from __future__ import annotations

import re

# A scheme's letters may be split by tab, CR or LF: browsers drop those from URLs.
_GAP = r"[\t\r\n]*"


def _scheme(word: str) -> str:
    return _GAP.join(re.escape(ch) for ch in word) + _GAP + r"\s*:"


#: Link schemes that run code or carry a page: javascript:, vbscript: always, and data:
#: when it is followed by a media type or the start of data ("data:text/html,...").
_DANGEROUS_SCHEME = re.compile(
    rf"(?i)\b(?:{_scheme('javascript')}|{_scheme('vbscript')}|{_scheme('data')}"
    r"(?=\s*(?:[\w.+-]+/|[,;])))"
)
#: The colon that replaces a dangerous scheme's own: FULLWIDTH COLON reads as a colon,
#: but no Markdown renderer decodes it and no browser takes it for a scheme separator,
#: so "[x](javascript：...)" is at worst a broken relative link. (An HTML entity such as
#: "&#58;" is not enough: Markdown decodes entities in link destinations.)
DEFUSED_COLON = "\uff1a"


def defuse_links(text: str) -> str:
    """Break every javascript:, vbscript: and data: scheme in ``text`` so that no
    Markdown renderer or browser can follow it as a link."""
    return _DANGEROUS_SCHEME.sub(
        lambda m: re.sub(r"[\t\r\n]", "", m.group())[:-1].rstrip() + DEFUSED_COLON, text
    )
