"""Fairness: per-group metrics with intervals, bias AUCs, identity-term probes, mitigation.

Modules (import what you need; nothing heavy is imported here):

* :mod:`~backend.fairness.metrics` - per-group metrics via fairlearn's MetricFrame, fast
  multinomial bootstrap intervals, disparities (difference, ratio, DP, EO).
* :mod:`~backend.fairness.bias_auc` - Borkan et al. subgroup / BPSN / BNSP AUCs, generalized
  mean (p = -5), final bias score.
* :mod:`~backend.fairness.evaluation` - validate input, evaluate, findings, save + alerts;
  evaluation sources (fine-tune runs, files, the demo baseline).
* :mod:`~backend.fairness.identity`, :mod:`~backend.fairness.probes` - identity terms and
  templates; score gaps per term with intervals.
* :mod:`~backend.fairness.scorers`, :mod:`~backend.fairness.baseline`,
  :mod:`~backend.fairness.embeddings` - text scorers (ours saved as JSON + npz, no pickle).
* :mod:`~backend.fairness.mitigation` - ThresholdOptimizer, ExponentiatedGradient sweep,
  group reweighting for the fine-tune.
* :mod:`~backend.fairness.tasks`, :mod:`~backend.fairness.frames` - background jobs and
  tidy frames for the page.
"""
