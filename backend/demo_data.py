"""The demo data: a seeded, synthetic set of short user comments with planted problems.

Rare groups, annotation bias against one group, personal data and near duplicates, so
that every page has something real to find before a user brings their own data. No real
person is in it. :func:`backend.datasets.ensure_demo_workspace` writes and registers it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

#: Sensitive columns of the demo data: (groups, shares). Planted gaps: rare groups.
DEMO_GROUPS = {
    # name: (groups, shares). Planted gaps: non-binary, 65+ and buddhist are rare.
    "gender": (["female", "male", "non-binary"], [0.49, 0.49, 0.02]),
    "age_group": (["18-24", "25-34", "35-49", "50-64", "65+"], [0.24, 0.30, 0.26, 0.17, 0.03]),
    "ethnicity": (
        ["asian", "black", "hispanic", "white", "middle_eastern"],
        [0.16, 0.18, 0.18, 0.36, 0.12],
    ),
    "religion": (
        ["christian", "muslim", "jewish", "hindu", "buddhist", "none"],
        [0.34, 0.16, 0.10, 0.10, 0.015, 0.285],
    ),
}
_TOPICS = [
    ("the new season", "episode", "plot", "cast"),
    ("this recipe", "sauce", "oven time", "seasoning"),
    ("the update", "release", "bug fix", "install guide"),
    ("the match", "second half", "referee", "defence"),
    ("this article", "sources", "second paragraph", "conclusion"),
    ("the trip report", "hotel", "train route", "photos"),
    ("the library change", "API", "migration notes", "docs"),
    ("the park project", "playground", "benches", "opening hours"),
]
_BENIGN = [
    "I really enjoyed {t}, the {a} was well done.",
    "Thanks for sharing {t}. Could you add more detail about the {b}?",
    "Not sure I agree about the {a}, but {t} is still worth a look.",
    "Great point about the {c}. I had the same experience with {t}.",
    "Has anyone else tried {t}? The {b} confused me at first.",
    "I think the {c} could be clearer, otherwise {t} looks good to me.",
    "Small correction: the {a} in {t} changed last week.",
    "Honestly {t} made my day, the {b} is perfect.",
    "I disagree with the {c}, but I respect the effort behind {t}.",
    "Could someone explain the {a}? I'm new to {t}.",
]
_TOXIC = [
    "Only an idiot would like {t}, the {a} is garbage.",
    "Shut up about the {b}, you clueless moron.",
    "What a pathetic take on {t}. You are stupid and everyone knows it.",
    "The {c} here is trash and so are you, loser.",
    "Nobody cares about your dumb opinion on {t}, get lost.",
    "You are a worthless troll, stop posting crap about the {a}.",
    "Stupid comment from a stupid person. {t} deserves better than you.",
    "Are you brain-dead? The {b} in {t} is obviously wrong, you fool.",
]
_OPENERS = [
    "",
    "",
    "",
    "Hmm, ",
    "Well, ",
    "Okay so ",
    "Update: ",
    "To be fair, ",
    "Quick note: ",
    "Read this twice. ",
    "Late to this thread, but ",
    "Same here. ",
]
# A second, independent remark: templates alone make many rows near-copies of each other,
# which would drown the near duplicates planted on purpose.
_REMARKS = [
    "My sister said the same thing over dinner.",
    "The comments below are worth reading too.",
    "No idea why the thread got so heated.",
    "Posting from my phone, sorry for typos.",
    "Bookmarked for the weekend.",
    "The first version was better in my opinion.",
    "Would love a follow-up on this.",
    "Someone should pin this.",
    "I learned something new today.",
    "Not what I expected, honestly.",
    "The mods might want to look at this.",
    "Our club discussed it last night.",
    "It reminded me of something from school.",
    "My neighbour disagrees, for what it's worth.",
    "The video version explains it better.",
    "Curious what others think.",
    "This keeps coming up every year.",
    "Still better than the alternatives.",
    "The translation felt a bit off.",
    "Nice to see a calm discussion for once.",
    "",
    "",
]
_DETAILS = [
    "I spent {n} minutes on it.",
    "Checked it on day {n}.",
    "Saw {n} replies already.",
    "Page {n} says otherwise.",
    "That was around {n} pm.",
    "My {n} friends agree.",
    "Tried it {n} times.",
    "Comment #{n} said the same.",
    "Rated it {n} out of 100.",
    "Week {n} of following this.",
    "",
]
_IDENTITY_PHRASES = {
    "gender": {
        "female": "As a woman, ",
        "male": "As a man, ",
        "non-binary": "As a non-binary person, ",
    },
    "religion": {
        "christian": "As a Christian, ",
        "muslim": "As a Muslim, ",
        "jewish": "As a Jewish person, ",
        "hindu": "As a Hindu, ",
        "buddhist": "As a Buddhist, ",
    },
    "age_group": {"18-24": "As a student, ", "65+": "As a retiree, "},
}
_FIRST = ["Maria", "James", "Aisha", "Chen", "Lucas", "Priya", "Omar", "Sofia", "Daniel", "Yuki"]
_LAST = ["Garcia", "Smith", "Khan", "Wang", "Müller", "Patel", "Haddad", "Rossi", "Novak", "Tanaka"]
_STREETS = ["Main Street", "Oak Avenue", "Maple Road", "Elm Street", "Park Lane", "High Street"]


def _luhn_complete(prefix: str) -> str:
    digits = [int(d) for d in prefix]
    total = 0
    for i, d in enumerate(reversed(digits)):
        if i % 2 == 0:
            d *= 2
            d = d - 9 if d > 9 else d
        total += d
    return prefix + str((10 - total % 10) % 10)


def _iban_de(rng: np.random.Generator) -> str:
    bban = "".join(str(d) for d in rng.integers(0, 10, 18))
    numeric = int(bban + "131400")  # "DE" -> 13 14, check digits 00
    check = 98 - numeric % 97
    return f"DE{check:02d}{bban}"


def _pii_snippet(rng: np.random.Generator) -> str:
    first, last = rng.choice(_FIRST), rng.choice(_LAST)
    kind = rng.integers(0, 8)
    if kind == 0:
        return f"Email me at {first.lower()}.{last.lower()}@example.com if you want the file."
    if kind == 1:
        return f"Call me on +1 415 555 {rng.integers(1000, 9999)} after six."
    if kind == 2:
        return f"My SSN is {rng.integers(100, 665)}-{rng.integers(10, 99)}-{rng.integers(1000, 9999)}, please fix my account."
    if kind == 3:
        card = _luhn_complete("4" + "".join(str(d) for d in rng.integers(0, 10, 14)))
        return f"Card number {card[:4]} {card[4:8]} {card[8:12]} {card[12:]} was charged twice."
    if kind == 4:
        return f"Send the refund to {_iban_de(rng)} please."
    if kind == 5:
        return (
            f"My server at 192.168.{rng.integers(0, 255)}.{rng.integers(1, 255)} keeps timing out."
        )
    if kind == 6:
        return f"I live at {rng.integers(1, 999)} {rng.choice(_STREETS)}, come by. — {first} {last}"
    key = "".join(rng.choice(list("abcdefghijklmnopqrstuvwxyz0123456789"), 32))
    return f"Here is my key sk-{key} if anyone wants to test."


def generate_demo_dataset(n_rows: int = 4000, seed: int = 7) -> pd.DataFrame:
    """A seeded, synthetic dataset of short user comments with planted problems.

    Columns: ``id, text, label`` (1 = toxic), ``gender, age_group, ethnicity, religion``,
    ``split`` (train/test). Planted for the audit to find: rare groups (non-binary, 65+,
    buddhist), label skew (comments by 'black' authors are labelled toxic more often for
    the same kind of text: annotation bias), PII in about 4 % of rows, about 3 % exact
    and 2 % near duplicates. Entirely synthetic: no real person wrote or is named here.
    """
    rng = np.random.default_rng(seed)
    n_base = int(n_rows * 0.95)
    attrs = {
        col: rng.choice(groups, size=n_base, p=shares)
        for col, (groups, shares) in DEMO_GROUPS.items()
    }
    toxic_text = rng.random(n_base) < 0.18
    texts, labels = [], []
    for i in range(n_base):
        topic = _TOPICS[rng.integers(len(_TOPICS))]
        template = rng.choice(_TOXIC if toxic_text[i] else _BENIGN)
        text = template.format(t=topic[0], a=topic[1], b=topic[2], c=topic[3])
        opener = _OPENERS[rng.integers(len(_OPENERS))]
        if opener:
            text = opener + (text if opener.endswith(". ") else text[0].lower() + text[1:])
        detail = _DETAILS[rng.integers(len(_DETAILS))].format(n=int(rng.integers(2, 400)))
        remark = _REMARKS[rng.integers(len(_REMARKS))]
        text = " ".join(part for part in (text, remark, detail) if part)
        if rng.random() < 0.25:
            col = rng.choice(list(_IDENTITY_PHRASES))
            phrase = _IDENTITY_PHRASES[col].get(attrs[col][i])
            if phrase:
                text = phrase + text[0].lower() + text[1:]
        if rng.random() < 0.04:
            text = f"{text} {_pii_snippet(rng)}"
        label = int(toxic_text[i])
        if not label and attrs["ethnicity"][i] == "black" and rng.random() < 0.17:
            label = 1  # planted annotation bias: benign text labelled toxic
        if rng.random() < 0.03:
            label = 1 - label  # ordinary label noise
        texts.append(text)
        labels.append(label)
    frame = pd.DataFrame({"text": texts, "label": labels, **attrs})
    n_extra = n_rows - n_base
    n_exact = int(n_extra * 0.6)
    exact = frame.iloc[rng.choice(n_base, n_exact, replace=False)].copy()
    near = frame.iloc[rng.choice(n_base, n_extra - n_exact, replace=False)].copy()
    near["text"] = [_perturb(t, rng) for t in near["text"]]
    frame = pd.concat([frame, exact, near], ignore_index=True)
    frame = frame.sample(frac=1.0, random_state=seed).reset_index(drop=True)
    frame.insert(0, "id", np.arange(1, len(frame) + 1))
    frame["split"] = np.where(rng.random(len(frame)) < 0.85, "train", "test")
    return frame


def _perturb(text: str, rng: np.random.Generator) -> str:
    """A near duplicate: one small edit that keeps most word shingles."""
    choice = rng.integers(0, 3)
    if choice == 0:
        return text.rstrip(".!?") + "!!"
    if choice == 1:
        return text + " Just my two cents."
    words = text.split()
    i = int(rng.integers(0, len(words)))
    words[i] = words[i].upper()
    return " ".join(words) + " :)"
