"""Fairness: per-group metrics with intervals, bias AUCs, identity-term probes, mitigation."""
