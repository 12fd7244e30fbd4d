"""Guardrails: scanners behind one protocol, a YAML policy, and a pipeline.

Public surface
--------------
* :func:`backend.guardrails.policy.load_policy` / ``parse_policy`` / ``default_policy``
* :class:`backend.guardrails.pipeline.Guard` and ``get_guard(policy)`` (one per policy per process)
* ``Guard.check(text) -> Decision`` (input rails -> generator -> output rails)
* :mod:`backend.guardrails.redteam`: ``load_prompts``, ``run_suite``, ``suite_metrics``
* scanners, one per file in :mod:`backend.guardrails.scanners`, all returning
  :class:`backend.guardrails.base.ScanResult`.

Nothing here imports torch or transformers at import time; models load on first use.
"""
