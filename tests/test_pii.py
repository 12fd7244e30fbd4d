"""PII detectors: validators, redaction, batch == single, and measured precision/recall."""

from __future__ import annotations

import json
from collections import Counter

import pytest

from backend.datasets import generate_demo_dataset
from backend.detectors.pii import ENTITY_TYPES, PiiDetector, PiiMatch, iban_valid, luhn_valid

#: Presidio label -> our entity type.
LABEL_MAP = {
    "EMAIL_ADDRESS": "EMAIL",
    "PHONE_NUMBER": "PHONE",
    "US_SSN": "US_SSN",
    "CREDIT_CARD": "CREDIT_CARD",
    "IBAN_CODE": "IBAN",
    "IP_ADDRESS": "IP_ADDRESS",
    "STREET_ADDRESS": "STREET_ADDRESS",
    "PERSON": "PERSON",
}

#: Minimum (precision, recall) per type on the synthetic Presidio spans. Checksummed types
#: must be near perfect; PERSON has no offline NER model (cue-based only), so its recall
#: floor is low on purpose, and Presidio splits addresses into several gold spans.
MINIMUMS = {
    "EMAIL": (0.95, 0.95),
    "CREDIT_CARD": (0.95, 0.95),
    "IBAN": (0.95, 0.95),
    "US_SSN": (0.9, 0.9),
    "IP_ADDRESS": (0.9, 0.9),
    "PHONE": (0.8, 0.9),
    "STREET_ADDRESS": (0.9, 0.45),
    "PERSON": (0.9, 0.08),
}


def test_validators():
    assert luhn_valid("4111 1111 1111 1111")
    assert not luhn_valid("4111 1111 1111 1112")
    assert iban_valid("DE89 3704 0044 0532 0130 00")
    assert iban_valid("gb82west12345698765432")
    assert not iban_valid("DE89 3704 0044 0532 0130 01")  # checksum
    assert not iban_valid("DE89 3704 0044 0532 0130")  # wrong length for DE


@pytest.mark.parametrize(
    ("text", "entity", "value"),
    [
        ("write to jane.doe+x@mail.example.org today", "EMAIL", "jane.doe+x@mail.example.org"),
        ("mail daniel.müller@example.com now", "EMAIL", "daniel.müller@example.com"),
        ("call +1 415 555 0199 now", "PHONE", "+1 415 555 0199"),
        ("ring +44 20 7946 0958 please", "PHONE", "+44 20 7946 0958"),
        ("Tel: +33 (0)1 42 68 53 00", "PHONE", "+33 (0)1 42 68 53 00"),
        ("mobile 030.123.45.67 ok", "PHONE", "030.123.45.67"),
        ("ssn 123-45-6789.", "US_SSN", "123-45-6789"),
        ("card 4111-1111-1111-1111 ok", "CREDIT_CARD", "4111-1111-1111-1111"),
        ("iban DE89 3704 0044 0532 0130 00 thanks", "IBAN", "DE89 3704 0044 0532 0130 00"),
        ("server 10.0.12.255 down", "IP_ADDRESS", "10.0.12.255"),
        ("v6 2001:db8::ff00:42:8329 up", "IP_ADDRESS", "2001:db8::ff00:42:8329"),
        (
            "key sk-abcdefghijklmnopqrstuvwx1234 leaked",
            "API_KEY",
            "sk-abcdefghijklmnopqrstuvwx1234",
        ),
        ("aws AKIAIOSFODNN7EXAMPLE", "API_KEY", "AKIAIOSFODNN7EXAMPLE"),
        ("api_key='Zx9qL2mN8vB4cT7wR1yK'", "API_KEY", "Zx9qL2mN8vB4cT7wR1yK"),
        ("I live at 221 Baker Street, London", "STREET_ADDRESS", "221 Baker Street"),
        ("Adresse: Hauptstraße 5, Berlin", "STREET_ADDRESS", "Hauptstraße 5"),
        ("My name is Maria Garcia and I", "PERSON", "Maria Garcia"),
        ("Thanks for reading.\n— Chen Wang", "PERSON", "Chen Wang"),
        ("Billing address: Sara Schwarz", "PERSON", "Sara Schwarz"),
        ("card 3590730093437731 lost", "CREDIT_CARD", "3590730093437731"),
    ],
)
def test_finds_each_entity(text, entity, value):
    matches = PiiDetector().find(text)
    assert PiiMatch(entity, text.index(value), text.index(value) + len(value), value) in matches


@pytest.mark.parametrize(
    "text",
    [
        "card 4111 1111 1111 1112 is not Luhn-valid",
        "IBAN DE89 3704 0044 0532 0130 01 has a bad checksum",
        "version 1.2.3 and pi 3.14159265 and 2024-05-01 are not PII",
        "the ip 999.1.1.1 is not valid",
        "token=aaaaaaaaaaaaaaaaaaaa is not random",
        "Dear Sir, I'm Not Sure about this",
        "Meeting at 10:30:45 on 12/05/2023",
        "See ISBN 978-0-691-04356-2 and ISBN 0815340583 for details",
        "He served from 1939-1954 and again 1717-1800",
        "The reply — That's what I said, twice",
        "I am Irish Catholic and proud",
        "Use the ::A syntax here",
        "Order reference 260621074909720 was shipped",  # Luhn-valid, no issuer, no cue
    ],
)
def test_rejects_lookalikes(text):
    assert PiiDetector().find(text) == []


def test_redact_and_subset():
    text = "Mail jane@example.com or call +1 415 555 0100, card 4111 1111 1111 1111."
    assert PiiDetector().redact(text) == "Mail <EMAIL> or call <PHONE>, card <CREDIT_CARD>."
    only_email = PiiDetector(["EMAIL"])
    assert only_email.redact(text).startswith("Mail <EMAIL> or call +1 415")
    with pytest.raises(ValueError, match="Unknown PII entity"):
        PiiDetector(["EMAIL", "PASSPORT"])
    assert set(ENTITY_TYPES) >= {"EMAIL", "PHONE", "US_SSN", "CREDIT_CARD", "IBAN", "PERSON"}


def test_matches_sorted_and_non_overlapping():
    text = "Card 4111 1111 1111 1111, ssn 123-45-6789, mail a@b.co, ip 192.168.0.1, +1 212 555 0100"
    matches = PiiDetector().find(text)
    assert [m.entity for m in matches] == ["CREDIT_CARD", "US_SSN", "EMAIL", "IP_ADDRESS", "PHONE"]
    for a, b in zip(matches, matches[1:], strict=False):
        assert a.end <= b.start
    for m in matches:
        assert text[m.start : m.end] == m.text


def test_batch_equals_single_and_finds_planted_demo_pii():
    frame = generate_demo_dataset(1500, seed=3)
    texts = frame["text"].tolist() + [None, 3.5, ""]
    detector = PiiDetector()
    batch = detector.find_batch(texts)
    assert batch == [detector.find(t) if isinstance(t, str) else [] for t in texts]
    counts = Counter(m.entity for ms in batch for m in ms)
    # The demo plants every type below in ~4 % of rows; all of them must be found.
    for entity in ("EMAIL", "PHONE", "US_SSN", "CREDIT_CARD", "IBAN", "IP_ADDRESS", "API_KEY"):
        assert counts[entity] > 0, entity
    assert counts["STREET_ADDRESS"] > 0
    rows_with_pii = sum(bool(ms) for ms in batch)
    assert 0.02 * len(frame) < rows_with_pii < 0.08 * len(frame)


def test_few_false_positives_on_real_comments(shared_data):
    """Real Wikipedia talk comments hold years, ISBNs and ids, and almost no PII."""
    import pandas as pd

    comments = pd.read_csv(shared_data / "wiki_toxicity_test.csv")["comment"].tolist()
    found = PiiDetector().find_batch(comments)
    counts = Counter(m.entity for ms in found for m in ms)
    print(f"\nPII matches in {len(comments)} wiki comments: {dict(counts)}")
    for entity in ("CREDIT_CARD", "IBAN", "US_SSN", "API_KEY"):
        assert counts[entity] == 0, entity
    assert counts["PHONE"] <= 3


def _overlaps(a_start, a_end, b_start, b_end):
    return a_start < b_end and b_start < a_end


def test_precision_recall_on_presidio_synthetic(shared_data):
    """Span-overlap precision/recall per entity type; prints the table for the report."""
    records = json.loads((shared_data / "pii_synthetic_spans.json").read_text())
    detector = PiiDetector()
    predictions = detector.find_batch([r["full_text"] for r in records])
    tp_pred, n_pred, tp_gold, n_gold = Counter(), Counter(), Counter(), Counter()
    for record, preds in zip(records, predictions, strict=True):
        gold = [
            (LABEL_MAP[s["entity_type"]], s["start_position"], s["end_position"])
            for s in record["spans"]
            if s["entity_type"] in LABEL_MAP
        ]
        for p in preds:
            if p.entity not in MINIMUMS:
                continue  # API_KEY has no gold label in this corpus
            n_pred[p.entity] += 1
            tp_pred[p.entity] += any(
                g[0] == p.entity and _overlaps(p.start, p.end, g[1], g[2]) for g in gold
            )
        for g in gold:
            n_gold[g[0]] += 1
            tp_gold[g[0]] += any(
                p.entity == g[0] and _overlaps(p.start, p.end, g[1], g[2]) for p in preds
            )
    lines = ["| entity | gold spans | predicted | precision | recall |", "|---|---|---|---|---|"]
    failures = []
    for entity, (min_p, min_r) in MINIMUMS.items():
        precision = tp_pred[entity] / n_pred[entity] if n_pred[entity] else 0.0
        recall = tp_gold[entity] / n_gold[entity] if n_gold[entity] else 0.0
        lines.append(
            f"| {entity} | {n_gold[entity]} | {n_pred[entity]} | {precision:.3f} | {recall:.3f} |"
        )
        if precision < min_p or recall < min_r:
            failures.append(
                f"{entity}: P={precision:.3f} (min {min_p}) R={recall:.3f} (min {min_r})"
            )
    print("\nPII precision/recall on pii_synthetic_spans.json (span overlap)\n" + "\n".join(lines))
    assert not failures, failures
