"""Benchmarks: one command each, printing a table; never part of the test run."""
