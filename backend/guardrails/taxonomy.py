"""The hazard taxonomy of the harm classifier, and the rule that files a prompt under it.

Categories follow the MLCommons AILuminate / Llama Guard hazard lists, cut to what the
public prompt sets we train on actually cover. Do-Not-Answer rows carry their own risk
codes (mapped in :data:`DNA_INTENTS`); HarmBench behaviours and the past/future-tense
rephrasings ship as bare text, so they are filed by :func:`categorize`, an ordered keyword
rule kept here so anyone can audit (and argue with) how a row got its category.
"""

from __future__ import annotations

import re

#: Category id -> the label people see.
CATEGORIES: dict[str, str] = {
    "violent_crimes": "violent crimes",
    "non_violent_crimes": "non-violent crimes (fraud, theft, drugs, deception)",
    "weapons": "weapons (CBRNE, firearms, explosives)",
    "hate": "hate and discrimination",
    "harassment": "harassment and insults",
    "self_harm": "self-harm",
    "sexual": "sexual content",
    "privacy": "privacy and doxxing",
    "extremism": "extremism and terrorism",
    "cyber": "cyber attacks",
}

#: Jailbreak and prompt-injection attempts are their own label, not a harm category.
JAILBREAK = "jailbreak"

#: Do-Not-Answer risk codes -> category (None: not a harmful request for an input rail).
DNA_INTENTS: dict[str, str | None] = {
    "S001dis": "non_violent_crimes",  # create disinformation
    "S001fab": "non_violent_crimes",
    "S001fabperson": "non_violent_crimes",
    "S001mis": None,  # false-premise / misconception questions
    "S002": None,  # asks for medical / legal / financial advice: information, not harm
    "S002med": None,
    "S002legal": None,
    "S002fin": None,
    "S003goods": "non_violent_crimes",
    "S003illegal": "non_violent_crimes",
    "S003instructions": "non_violent_crimes",
    "S004lewd": "sexual",
    "S004describe": "sexual",
    "S004erotica": "sexual",
    "S005bully": "harassment",
    "S005hate": "hate",
    "S005profanity": "harassment",
    "S006violence": "violent_crimes",
    "S006threat": "violent_crimes",
    "S006items": "weapons",
    "S006instructions": "violent_crimes",
    "S006sh": "self_harm",
    "S007": "hate",
    "S008": "cyber",
    "S008code": "cyber",
    "S008spam": "non_violent_crimes",
    "S008phish": "cyber",
    "S009private": "privacy",
    "S009personal": "privacy",
    "S009cred": "privacy",
}

_RULES: tuple[tuple[str, re.Pattern], ...] = tuple(
    (cat, re.compile(pattern, re.IGNORECASE))
    for cat, pattern in (
        (
            "self_harm",
            r"\bsuicid|\bself[- ]harm|\bkill (?:myself|themselves|yourself|himself|herself)\b|"
            r"\bcut(?:ting)? (?:myself|themselves)|\banorexi|\bbulimi|\bstarv(?:e|ing) (?:myself|themselves)|"
            r"\boverdos",
        ),
        (
            "sexual",
            r"\bsex(?:ual|ually)?\b|\bporn|\bexplicit\b|\berotic|\bnude|\bnaked|\bchild sexual|"
            r"\bprostitut|\bescort service|\bfetish|\bgrooming\b|\bbestiality|\bp(?:a)?edophil",
        ),
        (
            "extremism",
            r"\bterror|\bextremis|\bisis\b|\bal[- ]qaeda|\bjihad|\bnazi|\bradicali[sz]|"
            r"\bwhite supremac|\bmanifesto|\bmass shooting|\bgenocide|\bethnic cleansing|"
            r"\b9/11\b|\bmilitia",
        ),
        (
            "weapons",
            r"\bbomb|\bexplosiv|\bdetonat|gun\b|guns\b|\bglock|\bfull[- ]auto|\bfirearm|\brifle|\bpistol|\bweapon|"
            r"\bammunition|\bgrenade|\bnerve agent|\bsarin|\bvx\b|\btabun|\bmustard gas|\bchlorine gas|"
            r"\bchemical warfare|\bbiological warfare|\bbioweapon|\banthrax|\bricin|\bbotulinum|"
            r"\bpathogen|\bnuclear|\buranium|\bplutonium|\bnapalm|\bthermite|\bdimethylmercury|"
            r"\btoxin|\bmolotov|\bresistant to antibiotics|\bmore (?:deadly|lethal|transmissible)|\bmachine gun|\bghost gun|\bsilencer|\bsuppressor|"
            r"\bebola|\bsmallpox|\bspread a virus|\bvirus in a subway|\boutbreak\b|\bbsl-?[34]\b|\bgene synthesis|"
            r"\bdangerous dna|\blewisite|\btetrodotoxin|\bstrychnine|\bparathion|\bbiohazard|\bdirty bomb|\bcaesium|\bcesium",
        ),
        (
            "cyber",
            r"\bhack|\bexploit|\bmalware|\bransomware|\bkeylogger|\bddos\b|\bdenial[- ]of[- ]service|"
            r"\bsql injection|\bbotnet|\bcomputer virus|\bworm\b|\btrojan|\brootkit|\bbackdoor|"
            r"\bzero[- ]day|\bcross[- ]site|\bxss\b|\bprivilege escalation|\bvulnerabilit|"
            r"\bphishing|\bcrack (?:a |the )?password|\bbrute[- ]force|\bspyware|\bcredential stuff|"
            r"\bscript that|\bcode (?:that|to|for)\b|\bjailbreak (?:a|an|the) (?:iphone|phone)|"
            r"\bcryptojack|\bwi-?fi network|\bfirewall|\bantivirus|\bunauthori[sz]ed access|\bhijack|"
            r"\bgps tracker|\bexfiltrat|\bsqli\b|\bwafs?\b|\bscrap(?:e|ing) email|\bsim swap|\bstalkerware",
        ),
        (
            "hate",
            r"\bracis|\bslur|\binferior|\bethnic|\bholocaust|\bantisemit|\bjews?\b|\bjewish|"
            r"\bmuslims?\b|\bhomophob|\btransphob|\bgay\b|\blgbt|\btransgender|\bdiscriminat|"
            r"\bxenophob|\bimmigrants?\b|\bhate speech|\bblack people|\bwhite people|\bmexicans?\b|"
            r"\basians?\b|\bafricans?\b|\bdisabled people|\bwomen are|\bmen are|\brace\b|\bracial|"
            r"\binherently less|\bless intelligent|\bdisabilit|\bbiracial|\binterracial|"
            r"\bwomen (?:being|should)|\bstereotyp|\bsexis|\bmisogyn|\bableis|\bageis",
        ),
        (
            "privacy",
            r"\bpersonal (?:information|details|data|life|habits|relationships?|finances)|"
            r"\bhome address|\b(?:e-?mail|mailing|ip) address(?:es)? (?:of|for)\b|\bdox|"
            r"\bsocial security|\bpassport number|\bdate of birth|\bcriminal record|"
            r"\b(?:medical|health|dental|mental health) (?:history|records?|conditions? of)|"
            r"\bnet worth of|\bfingerprints? of|\b(?:someone|somebody|a person)'s (?:location|address|identity)|"
            r"\bwhistleblower's identity|\breveal (?:the )?identity|\bunmask|\bhidden camera|\bsecretly (?:record|film)|"
            r"\btrack (?:someone|a person|my|his|her|their)|\blocation of\b|\bspy on|\bsurveil|"
            r"\bprivate (?:information|data|messages|life|conversations?|photos?)|"
            r"\bphone number (?:of|for)\b|\bwhere (?:does|do) (?:\w+ ){1,3}live\b|"
            r"\bbrowsing history|\b(?:someone|somebody|a person)'s (?:emails?|messages|texts|password)|"
            r"\bwithout (?:their|his|her|my \w+'s) (?:knowledge|consent)|\bcredit card (?:number|details) of|"
            r"\b(?:bank account|salary|income|net worth) (?:of|details of)\b|\bsexual orientation of",
        ),
        (
            # claims and campaigns of disinformation: before the violence words they mention
            "non_violent_crimes",
            r"\bhoax|\bconspiracy theor|\bdisinformation|\bmisinformation|\bfake news|"
            r"\bfalse (?:information|narrative|rumou?rs?)",
        ),
        (
            "harassment",
            r"\bharass|\bbull(?:y|ies|ied|ying)|\binsult|\bhumiliat|\bintimidat|\bstalk|\bdefam|\bmock(?:s|ed|ing|ery)?\b|"
            r"\bhate mail|\bswat(?:ting)?\b|\bslander|\bderogatory|\bdisrespect|\bswear at|\bobscene|\bvulgar|"
            r"\bcyberbull|\bembarrass|\bshame\b|\bfat[- ]shame|"
            r"\bbody[- ]shaming|\bridicul|\bdemean",
        ),
        (
            "violent_crimes",
            r"\bkill|\bmurder|\bassault|\bkidnap|\babduct|\btortur|\bpoison|\bshoot|\bstab|"
            r"\battack|\bhurt|\babus|\btraffick|\barson|\bviolen|\bstrangl|\bbeat (?:up|someone)|"
            r"\bhostage|\bthreat|\bdeath|\bmaim|\bslavery|\bcannibal|\bcruelty|\bdogfight|\bhitman|"
            r"\bfall down the stairs|\bdismember|\bflay(?:ed|ing)?\b|\bquartered|\bgore\b|\bgraphic violence",
        ),
        (
            "non_violent_crimes",
            r"\bfraud|\bscam|\blaunder|\bcounterfeit|\bforg(?:e|ed|ery|ing)\b|\bsteal|\bstole|"
            r"\btheft|\bshoplift|\brob\b|\brobb|\bembezzl|\btax(?:es)? (?:evasion|fraud)|"
            r"\bevade (?:taxes|the police|law enforcement|detection)|\bbrib|\bsmuggl|\bdrugs?\b|"
            r"\bcocaine|\bheroin|\bmeth(?:amphetamine)?\b|\bfentanyl|\blsd\b|\bmdma|\bopioid|\bnitazene|\bhuff|"
            r"\bpirat|\bplagiari|\bcheat|\bfake (?:news|reviews?|ids?|documents?|diplomas?|"
            r"identit|accounts?|profiles?|charit)|\bdisinformation|\bmisinformation|\bpropaganda|"
            r"\bconspiracy|\binsider trading|\bponzi|\bpyramid scheme|\bblackmail|\bextort|"
            r"\billegal|\bunlicensed|\bcopyright|\bspam|\bcounterfeit|\bpoach|\bcontraband|"
            r"\bbypass (?:security|a paywall|paywalls|the law)|\bidentity theft|\bimpersonat|"
            r"\bmislead|\bdeceiv|\bdeception|\bmanipulat|\bdefraud|\bcon (?:someone|people)|"
            r"\bblack market|\bskimm|\bivory|\bchild labou?r|\btamper|\bfalsif|"
            r"\bclon(?:e|ed|ing) (?:\w+ )?(?:cards?|debit|credit)|\bgambl|\bbetting|\bpayday loan|"
            r"\bflat earth|\b5g\b|\bvoting machines?|\belection (?:fraud|rigging)|\bhoax|\bchop shops?|"
            r"\bpersuasive (?:article|essay|social media post|post|tweet)|\billuminati|\bcult\b|"
            r"\bindoctrinat|\bvaccines? (?:cause|causes|and autism)|\bvigilante",
        ),
    )
)


#: The category of a harmful row that no rule files: it trains the harmful head, never
#: the category head, and is counted apart in the per-category tables.
UNCATEGORISED = ""


def categorize(text: str) -> str:
    """The first category whose keyword rule matches ``text``; :data:`UNCATEGORISED` else.

    No fallback category: filing every unmatched request under one category taught the
    category head that anything unfamiliar is that category.
    """
    for category, pattern in _RULES:
        if pattern.search(text):
            return category
    return UNCATEGORISED


#: Do-Not-Answer's risk area (file) whose disinformation codes mark *questions about*
#: rumours and false claims ("Is it true that the moon landing was faked?"), which a rail
#: should let through, unlike the same codes in ``malicious_uses`` ("Help me spread false
#: information online").
DNA_QUESTION_AREA = "misinformation_harms"
_DNA_DISINFORMATION = ("S001dis", "S001fab", "S001fabperson")
#: Do-Not-Answer's "risky instructions" code covers harm to others, drug use and danger to
#: oneself alike; the text says which (checked in this order).
_DNA_INSTRUCTIONS: tuple[tuple[str, re.Pattern], ...] = tuple(
    (cat, re.compile(pattern, re.IGNORECASE))
    for cat, pattern in (
        (
            "non_violent_crimes",
            r"\b(?:high|drugs?|meds|medications?|prescription|aerosols|drunk|binge|drug test)\b",
        ),
        (
            "violent_crimes",
            r"\b(?:someone|somebody|a human|my (?:neighbou?r|sister|brother|partner|friend)|"
            r"attack|murder|abduct|poison|hurt|harm to|sabotage|prank|pressure|convince|"
            r"encourage|drive after drinking)",
        ),
    )
)


def dna_category(intents: list[str], text: str, area: str = "") -> str | None:
    """Category of a Do-Not-Answer row from its risk codes (None: not a harmful request).

    A row is harmful when any of its codes maps to a category; mixed rows keep the
    first harmful code's category. ``area`` is the row's risk-area file: in
    :data:`DNA_QUESTION_AREA` the disinformation codes mark questions about rumours, not
    requests to make them, and do not count. Rows whose "instructions" code is their only
    harmful one are re-filed by :func:`categorize` when the text names a weapon, a cyber
    attack or the like, else by who is put at risk (others: violent crimes; drugs:
    non-violent crimes; the asker alone: self-harm).
    """
    codes = [c for c in intents if not (area == DNA_QUESTION_AREA and c in _DNA_DISINFORMATION)]
    harmful = [DNA_INTENTS[c] for c in codes if DNA_INTENTS.get(c)]
    if not harmful:
        return None
    first = harmful[0]
    if any(code.endswith("instructions") for code in codes):
        by_text = categorize(text)
        if "S006instructions" in codes and first == "violent_crimes":
            if by_text not in (UNCATEGORISED, "non_violent_crimes", "violent_crimes"):
                return by_text
            return next((cat for cat, rule in _DNA_INSTRUCTIONS if rule.search(text)), "self_harm")
        if by_text and by_text != "non_violent_crimes":
            return by_text
    return first
