"""Memory and time bombs: small hostile inputs that once took gigabytes (issue 15, 6-7).

Each runs the real CLI in a subprocess under an address-space limit (RLIMIT_AS): before
the fixes these died with a MemoryError traceback (or took the machine's memory); now
they end in one clean line and exit 2, or finish within the limit.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap

from tests.drills.support import ROOT, cli

#: Address space for one CLI process: imports take ~1 GB of it, the bombs took 6+ GB.
LIMIT_MB = 2500


def _fairness_bomb(path, label_chars: int = 100_000) -> None:
    rows = ["label,pred,group"]
    rows += [f"{i % 2},{(i // 3) % 2},{'A' if i % 3 else 'B'}" for i in range(5000)]
    rows.append("1,0," + "x" * label_chars)
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")


def test_fairness_long_group_label_is_refused_under_memory_limit(tmp_path, steward_home):
    data = tmp_path / "bomb.csv"
    _fairness_bomb(data)  # 130 KB; it made the process use 6 GB
    out = cli(
        "fairness", "--data", data, "--y-true", "label", "--y-pred", "pred",
        "--sensitive", "group", "--no-save",
        home=steward_home, memory_mb=LIMIT_MB,
    )  # fmt: skip
    out.assert_clean_error("Sensitive column 'group'", "100,000 characters", "at most 200")


def test_group_metrics_keep_integer_codes_under_memory_limit(tmp_path):
    """Below the cap, group_metrics itself must not build fixed-width string arrays."""
    script = textwrap.dedent(
        """
        import resource
        lim = 2500 * 2**20
        resource.setrlimit(resource.RLIMIT_AS, (lim, lim))
        import numpy as np
        from backend.fairness.metrics import group_codes, group_metrics
        n = 20_000
        groups = ["A", "B"] * (n // 2)
        groups[-1] = "y" * 100_000  # 20,000 rows x 100,000 chars = 8 GB as '<U'
        codes, names = group_codes(groups)
        assert codes.dtype == np.int64 and len(names) == 3
        rng = np.random.default_rng(0)
        res = group_metrics(rng.integers(0, 2, n), rng.integers(0, 2, n), groups,
                            column="g", n_boot=50)
        assert set(res.groups) == {"A", "B"}, list(res.groups)
        assert res.excluded == {"y" * 100_000: 1}
        print("ok")
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=240
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "ok"
