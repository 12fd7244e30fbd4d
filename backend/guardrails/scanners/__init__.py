"""One scanner per file; each implements ``backend.guardrails.base.Scanner``."""
