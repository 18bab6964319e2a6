"""PHF training under torchrun with two CPU processes: the multi-process path of the HF Trainer, end to end."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

TORCHRUN = str(Path(sys.executable).parent / "torchrun")


def launch(*args: str, processes: int = 2) -> subprocess.CompletedProcess:
    "Run `torchrun -m papers_nbdev.phf.launch ARGS` on this machine (rendezvous on 127.0.0.1)."
    command = [TORCHRUN, "--nnodes", "1", "--nproc_per_node", str(processes), "--rdzv-backend", "c10d",
               "--rdzv-endpoint", "127.0.0.1:0", "-m", "papers_nbdev.phf.launch", *args]
    environment = dict(os.environ, OMP_NUM_THREADS="1")
    return subprocess.run(command, capture_output=True, text=True, timeout=600, env=environment)


def test_two_process_training_and_reference(tmp_path):
    mle = launch("phf/pii", "mle", "--preset", "smoke", "--output-dir", str(tmp_path / "mle"))
    assert mle.returncode == 0, mle.stderr[-3000:]
    info = json.loads((tmp_path / "mle" / "training.json").read_text())
    config = info["config"]
    assert info["world_size"] == 2
    # Each step consumes batch_size blocks in each of the two processes.
    assert info["tokens_seen"] == config["max_steps"] * config["batch_size"] * config["context_length"] * 2
    evaluation = json.loads((tmp_path / "mle" / "evaluation.json").read_text())
    assert evaluation["kl_to_mle"] == 0.0  # an mle launch is its own reference
    assert evaluation["perplexity"] > 1.0

    conditional = launch("phf/pii", "conditional", "--preset", "smoke", "--output-dir", str(tmp_path / "conditional"),
                         "--reference", str(tmp_path / "mle"))
    assert conditional.returncode == 0, conditional.stderr[-3000:]
    evaluation = json.loads((tmp_path / "conditional" / "evaluation.json").read_text())
    assert {"misalignment", "misalignment_redteam", "bad_fraction", "perplexity", "kl_to_mle"} <= set(evaluation)
    assert evaluation["kl_to_mle"] > 0.0
    from transformers import GPT2LMHeadModel
    model = GPT2LMHeadModel.from_pretrained(tmp_path / "conditional" / "model")
    assert model.config.n_positions == config["context_length"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["conditional", "mle"]  # no partial folder left behind

    # Errors stop before training: the output exists, and a reference trained on another task.
    again = launch("phf/pii", "mle", "--preset", "smoke", "--output-dir", str(tmp_path / "mle"), processes=1)
    assert again.returncode != 0
    assert "exists: pick another --output-dir" in again.stderr
    other = launch("phf/pep8", "conditional", "--preset", "smoke", "--output-dir", str(tmp_path / "pep8"),
                   "--reference", str(tmp_path / "mle"), processes=1)
    assert other.returncode != 0
    assert "task='pii' there, 'pep8' here" in other.stderr
