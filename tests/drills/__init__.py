"""Drills: real attacks and faults run against the product (issue 15)."""
