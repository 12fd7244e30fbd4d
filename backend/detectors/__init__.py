"""Detectors shared by the dataset audit and the guardrails (PII, toxicity)."""
