"""Phone and payment-card numbers: validation by checksum, issuer, library and context.

Digits alone say little: ``116748253 0`` at the end of a support comment is a record
reference, ``2606210749097`` an order number, ``636 1812`` a house and street number. A
number is reported only when its *form* or its *context* says what it is.

Phones
    A candidate must be a *possible* number for the ``phonenumbers`` library (the Python
    port of Google's libphonenumber): with a leading ``+`` (or an ``00``/``011`` dialling
    prefix) for the country it names, otherwise as a national number of at least one of
    :data:`NATIONAL_REGIONS` (we cannot know the writer's country). On top of that it
    must be **formatted** like a phone (a leading ``+``, an area code in parentheses, or
    three or more digit groups of phone size such as ``905-674-3793`` or
    ``0490 75 40 81``; two groups only as ``555-1234``), or have a **cue** word nearby
    (*call*, *phone*, *tel*, *mobile*, *fax*, *desk*...). A bare digit run with neither is
    not a phone, and neither is a number labelled as something else right before it (*ref*,
    *order*, *invoice*, *ticket*, *licence*, *zip*...), whatever the sentence before says. Fictional
    numbers such as ``+1 (555) 382-4821`` are phones: the check is "possible", not
    "assigned".

Cards
    Luhn-valid *and* an issuer prefix with a length that issuer uses (IIN ranges), or a
    card cue (*card*, *credit*, *visa*, *cc*...) for issuers outside the table. A bare
    digit run additionally needs a card cue nearby or the grouping cards are printed in
    (``4111 1111 1111 1111``, ``3782 822463 10005``): about 4 % of random 16-digit ids
    pass Luhn plus an issuer prefix, so a file of order numbers would otherwise be
    "full of cards".

Why not ``phonenumbers.PhoneNumberMatcher``: it needs one region per text, and its
leniencies above ``POSSIBLE`` reject fictional numbers (``VALID`` asks for an assigned
range). We find candidates with a cheap regex (after a vectorised RE2 prefilter in
:mod:`backend.detectors.pii`) and ask the library only about those.
"""

from __future__ import annotations

import re
from functools import lru_cache

import phonenumbers

__all__ = [
    "CARD_PREFILTER",
    "NATIONAL_REGIONS",
    "PHONE_PREFILTER",
    "card_valid",
    "luhn_valid",
    "phone_valid",
    "possible_phone_number",
]

#: Regions tried for a number written without a country code: it is a possible number
#: when it is possible in one of them.
NATIONAL_REGIONS: tuple[str, ...] = (
    "US", "GB", "DE", "FR", "IT", "ES", "NL", "BE", "CH", "AT", "SE", "NO", "DK", "FI",
    "IE", "PT", "PL", "GR", "CY", "HU", "EE", "AU", "NZ", "IN", "BR", "MX", "ZA", "JP", "CN",
)  # fmt: skip

# Cue words. The prefilters below look for them anywhere in the text (a superset of what
# the validators accept, as a prefilter must be; RE2's ASCII \b is laxer than Python's).
_PHONE_CUE_WORDS = (
    r"phone[sd]?|telephone|cellphone|smartphone|call(?:ed|ing|s)?|tel|mobile|cell|fax"
    r"|whatsapp|sms|text me|reach me|contact|dial(?:led)?|desk|office|landline|hotline"
    r"|helpline|mob|ph|ring"
)
_PHONE_CUE = re.compile(rf"(?i)\b(?:{_PHONE_CUE_WORDS})\b")
_CARD_CUE_WORDS = (
    r"cards?|cc|credit|debit|visa|master ?card|amex|american express|discover|jcb|maestro"
    r"|diners|unionpay|pan"
)
_CARD_CUE = re.compile(rf"(?i)\b(?:{_CARD_CUE_WORDS})\b")
#: A label saying the number is something else, right before it ("ref", "order no.").
_OTHER_LABEL = re.compile(
    r"(?i)\b(?:ref(?:erence)?|order|invoice|inv|ticket|case|account|acct|serial|sku"
    r"|licen[cs]e|passport|zip|postal|post ?code|postcode|isbn|issn|doi|ssn|tracking"
    r"|transaction|txn|customer|member|policy|claim|booking|confirmation|receipt|id|ean"
    r"|upc|patent|version|build|record)"
    r"\.?(?:\s*(?:no|nr|num|number|id|code)\.?)?(?:\s+is)?\s*[:#=]?\s*#?\s*$"
)
_CURRENCY_BEFORE = re.compile(r"[$€£¥₹]\s*$|(?i:\b(?:usd|eur|gbp|chf|inr|rs)\.?\s*$)")
_UNIT_AFTER = re.compile(
    r"(?i)\s*(?:[$€£¥₹%]|(?:usd|eur|gbp|euros?|dollars?|pounds?|people|users|rows|bytes"
    r"|views|votes|km|kg|m|mi|miles|years|times|words|edits|pages)\b)"
)

#: RE2- and Python-compatible prefilters: each entity's patterns must *all* match a text.
#: The first is the cheapest selective one (the detector's one-pass gate uses it).
_PHONE_FORM = (
    r"\+\s?\d|\(\d{1,5}\)|\b0(?:0|11)[ \-.]?\d|\d[ \-.]\d{2,4}[ \-.]\d{2,4}|\d{3}[\-.]\d{4}"
)
_PHONE_CUE_RE2 = rf"(?i:\b(?:{_PHONE_CUE_WORDS})\b)"
#: A phone needs digits, and phone formatting or a cue word at most 40 characters before
#: the number or 16 after it.
PHONE_PREFILTER: tuple[str, ...] = (
    rf"{_PHONE_FORM}|{_PHONE_CUE_RE2}",
    r"\d[\d \-.()/]{5,}\d",
    rf"{_PHONE_FORM}|{_PHONE_CUE_RE2}(?s:.){{0,40}}\d|\d(?s:.){{0,16}}{_PHONE_CUE_RE2}",
)
#: A card needs card grouping or a card cue somewhere in the text, and 12+ digits.
CARD_PREFILTER: tuple[str, ...] = (
    rf"\d{{4}}[ \-]\d{{4,6}}[ \-]\d{{4,5}}|(?i:\b(?:{_CARD_CUE_WORDS})\b)",
    r"\d(?:[ \-]?\d){11,18}",
)


# --------------------------------------------------------------------------------------
# Cards
# --------------------------------------------------------------------------------------
def luhn_valid(number: str) -> bool:
    """Luhn checksum of the digits in ``number`` (separators ignored)."""
    digits = [ord(c) - 48 for c in number if "0" <= c <= "9"]
    if not digits:
        return False
    total = 0
    for i, d in enumerate(reversed(digits)):
        if i % 2:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


#: Issuer prefixes (IIN ranges) and the lengths their cards have.
_CARD_BRANDS: tuple[tuple[tuple[int, int], int, tuple[int, ...]], ...] = (
    ((4, 4), 1, (13, 16, 19)),  # Visa
    ((51, 55), 2, (16,)),  # Mastercard
    ((2221, 2720), 4, (16,)),  # Mastercard 2-series
    ((34, 34), 2, (15,)),  # American Express
    ((37, 37), 2, (15,)),
    ((6011, 6011), 4, (16, 17, 18, 19)),  # Discover
    ((644, 649), 3, (16, 17, 18, 19)),
    ((65, 65), 2, (16, 17, 18, 19)),
    ((3528, 3589), 4, (16, 17, 18, 19)),  # JCB
    ((1800, 1800), 4, (15,)),  # JCB (old)
    ((2131, 2131), 4, (15,)),
    ((300, 305), 3, (14, 15, 16, 17, 18, 19)),  # Diners Club
    ((36, 36), 2, (14, 15, 16, 17, 18, 19)),
    ((38, 39), 2, (14, 15, 16, 17, 18, 19)),
    ((50, 50), 2, tuple(range(12, 20))),  # Maestro
    ((56, 69), 2, tuple(range(12, 20))),  # Maestro, UnionPay (62), Discover (65)
)
#: How cards are printed: 4-4-4-4(-3), Amex 4-6-5, Diners 4-6-4.
_CARD_GROUPINGS = frozenset({(4, 4, 4, 4), (4, 4, 4, 4, 3), (4, 4, 4, 1), (4, 6, 5), (4, 6, 4)})


def _card_brand_ok(digits: str) -> bool:
    for (low, high), width, lengths in _CARD_BRANDS:
        if low <= int(digits[:width]) <= high and len(digits) in lengths:
            return True
    return False


def _isbn_context(text: str, start: int, digits: str) -> bool:
    """ISBNs look like phone and card numbers: 978/979 + 13 digits, or an 'ISBN' cue."""
    if len(digits) == 13 and digits[:3] in ("978", "979"):
        return True
    return bool(re.search(r"(?i)isbn(?:-1[03])?[\s:#-]*$", text[max(0, start - 12) : start]))


def _groups(value: str) -> list[str]:
    return [g for g in re.split(r"[^\d]+", value) if g]


def card_valid(value: str, text: str, start: int) -> bool:
    """Is ``value`` (found at ``text[start:]``) a payment-card number? See the module doc."""
    digits = re.sub(r"\D", "", value)
    if not 12 <= len(digits) <= 19 or len(set(digits)) == 1:
        return False
    if _isbn_context(text, start, digits):
        return False
    end = start + len(value)
    cue = bool(
        _CARD_CUE.search(text, max(0, start - 40), start) or _CARD_CUE.search(text, end, end + 20)
    )
    if not _card_brand_ok(digits) and not cue:
        return False  # unknown issuer: only when the text says it is a card
    grouped = tuple(len(g) for g in _groups(value)) in _CARD_GROUPINGS
    if not grouped:
        if not cue:
            return False  # a bare digit run: an id as often as a card
        if _OTHER_LABEL.search(text, max(0, start - 30), start):
            return False  # "invoice 4716...": labelled as something else
    return luhn_valid(digits)


# --------------------------------------------------------------------------------------
# Phones
# --------------------------------------------------------------------------------------
_DATE_LIKE = re.compile(
    r"(?<![\d.])(?:(?:19|20)\d\d[-./](?:0?[1-9]|1[0-2])[-./](?:0?[1-9]|[12]\d|3[01])"
    r"|(?:0?[1-9]|[12]\d|3[01])[-./](?:0?[1-9]|1[0-2])[-./](?:19|20)?\d\d"
    r"|(?:0?[1-9]|1[0-2])[-./](?:0?[1-9]|[12]\d|3[01])[-./](?:19|20)?\d\d)(?![\d.]\d|\d)"
)
#: "1939-1954", "1717-1800": year ranges, not phone numbers.
_YEAR_RANGE = re.compile(r"(?:1[5-9]|20)\d\d\s?[-–]\s?(?:(?:1[5-9]|20)\d\d|\d\d)")
_SENTENCE_END = re.compile(r"(?i)(?<!\btel)(?<!\bph)(?<!\bmob)(?<!\bno)[.!?](?:\s|$)")
_EXTENSION = re.compile(r"\s?(?:x|ext\.?|#)\s?\d{1,5}$")
_INTERNATIONAL_DIAL = re.compile(r"^(?:00|011)[ \-.]?(?=[1-9])")


@lru_cache(maxsize=65536)
def possible_phone_number(value: str) -> bool:
    """``phonenumbers`` says ``value`` is a possible number (international or national)."""
    value = _INTERNATIONAL_DIAL.sub("+", value.strip())
    regions = (None,) if value.startswith("+") else NATIONAL_REGIONS
    for region in regions:
        try:
            number = phonenumbers.parse(value, region)
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_possible_number(number):
            return True
    return False


def _phone_formatted(value: str) -> bool:
    """Written like a phone: +CC, (area), 00/011 prefix, or phone-sized digit groups."""
    sizes = [len(g) for g in _groups(_EXTENSION.sub("", value))]
    if value.startswith("+") or re.search(r"\(\d", value):
        return True
    if _INTERNATIONAL_DIAL.match(value) and len(sizes) >= 2:
        return True  # "001-518-640-0854"; a bare "0062553807" is as often a padded id
    if len(sizes) >= 3:
        return 1 <= sizes[0] <= 5 and all(2 <= s <= 4 for s in sizes[1:])
    # Two groups only in the local form 555-1234 / 555.1234 (a space is as often an
    # address: "636 1812 Rue de la Gare").
    return sizes == [3, 4] and bool(re.fullmatch(r"\d{3}[\-.]\d{4}", value))


def phone_valid(value: str, text: str, start: int) -> bool:
    """Is ``value`` (found at ``text[start:]``) a phone number? See the module doc."""
    digits = re.sub(r"\D", "", _EXTENSION.sub("", value))
    if not 7 <= len(digits) <= 15:
        return False
    if _DATE_LIKE.search(value) or _YEAR_RANGE.fullmatch(value.strip()):
        return False
    if _isbn_context(text, start, digits):
        return False
    sizes = [len(g) for g in _groups(_EXTENSION.sub("", value))]
    if not value.startswith("+") and len(sizes) >= 2 and sizes[-1] == 1:
        return False  # "116748253 0": a check digit, never how a phone is written
    if "." in value and len(sizes) < 3:
        return False  # 3.14159265 is a number, not a phone
    end = start + len(value)
    before = text[max(0, start - 40) : start]
    # A cue in an earlier sentence says nothing about this number ("I called twice.
    # 5436150817"); "Tel. 0341 8387176" is not a sentence end.
    for boundary in _SENTENCE_END.finditer(before):
        before = before[boundary.end() :]
    if _OTHER_LABEL.search(text, max(0, start - 30), start):
        return False  # "licence number is 2270-66-1551", "ticket 4481 2290 1177"
    cue = bool(_PHONE_CUE.search(before) or _PHONE_CUE.search(text, end, end + 15))
    if not cue:
        if not _phone_formatted(value):
            return False
        if _CURRENCY_BEFORE.search(before) or _UNIT_AFTER.match(text, end):
            return False  # "€ 1 250 000", "1 234 567 people"
    return possible_phone_number(value)
