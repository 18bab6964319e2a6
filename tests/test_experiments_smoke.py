"""A papermill `smoke` run of every experiment through the runner, with the record keys other tools read."""
from __future__ import annotations

import json
import re

import pytest

from papers_nbdev.records import RECORD_KEYS
from papers_nbdev.runner import discover_experiments

from conftest import ROOT, cli

pytestmark = pytest.mark.slow

# Metric names each experiment must report, as regular expressions over the whole name.
EXPECTED_METRICS = {
    "lds/uci_table1": [rf"wine/{m}/accuracy(_std)?" for m in ("knn_lds", "knn_gcn", "logreg")],
    "lds/incomplete_graph": [rf"kept_{f}/{m}/accuracy(_std)?" for f in ("0.00", "1.00") for m in ("lds", "gcn")],
    "oe/vision": [rf"mnist/{m}/{k}(_std)?" for m in ("msp", "oe") for k in ("fpr95", "auroc", "aupr", "test_error")]
                 + [r"mnist/oe/(fashion_mnist|gaussian|rademacher|blobs|natural|characters)/fpr95"],
    "oe/text": [rf"tweets/{m}/{k}(_std)?" for m in ("msp", "oe") for k in ("fpr95", "auroc", "aupr", "test_error")]
               + [r"tweets/oe/(kjv|fortunes|chatterbot)/auroc"],
    "oe/density": [rf"{p}/mnist/{k}" for p in ("mle", "oe") for k in ("auroc", "more_likely", "bpd")]
                  + [r"mle/fashion_mnist/bpd"],
    "hypertwtl/robot_security": [rf"{spec}/{semantics}/verdict"
                                 for spec in ("opacity", "determinism", "noninterference", "timing", "linearizability")
                                 for semantics in ("synchronous", "asynchronous")],
    "hypertwtl/scaling": [r"scaling/grid\d+/seconds", r"scaling/horizon\d+/seconds", r"scaling/traces\d+/seconds",
                          r"scaling/horizon\d+/brute_force_seconds"],
    **{f"phf/{task}": [rf"{objective}/{metric}"
                       for objective in ("mle", "filtering", "conditional", "unlikelihood", "rwr", "awr")
                       for metric in ("misalignment", "misalignment_redteam", "bad_fraction", "perplexity", "kl_to_mle")]
       for task in ("pep8", "toxicity", "pii")},
    "phf/finetune_vs_pretrain": [rf"{model}/{metric}" for model in ("mle", "pretrain", "finetune")
                                 for metric in ("misalignment", "misalignment_redteam", "perplexity", "kl_to_mle")],
}


@pytest.mark.parametrize("name", sorted(discover_experiments(ROOT)))
def test_smoke_run(name, tmp_path):
    result = cli("run", name, "--preset", "smoke", "--runs-dir", str(tmp_path / "runs"),
                 "--results-dir", str(tmp_path / "results"), "--publish", "--cell-timeout", "600")
    assert result.returncode == 0, result.stdout + result.stderr
    record = json.loads(next((tmp_path / "results").rglob("*.smoke.json")).read_text())
    assert [key for key in RECORD_KEYS if key not in record] == []
    assert record["status"] in ("reproduced", "partial", "not reproduced")
    for pattern in EXPECTED_METRICS.get(name, []):
        assert any(re.fullmatch(pattern, metric) for metric in record["metrics"]), f"no metric matches {pattern}"
    for value in record["metrics"].values():
        assert isinstance(value, float)
    assert set(record["paper_values"]) <= set(record["metrics"])
