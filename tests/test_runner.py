"""The `papers-nbdev` command line and runner, on throwaway repositories and the real one."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from papers_nbdev.runner import discover_experiments, plan_runs, run_plans, select_experiments

from conftest import ROOT, cli

pytestmark = pytest.mark.slow


def test_unknown_parameter_rejected_before_running(tmp_path):
    result = cli("run", "lds/uci_table1", "-p", "no_such_param", "1", "--runs-dir", str(tmp_path))
    assert result.returncode == 2
    assert "Unknown parameter 'no_such_param' for lds/uci_table1" in result.stderr
    assert "Valid parameters: datasets: list[str], seeds: int" in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_config_check_rejects_before_running(tmp_path):
    result = cli("run", "oe/vision", "-p", "in_dists", '["cifar10"]', "--runs-dir", str(tmp_path))
    assert result.returncode == 2
    assert "Unknown in_dists ['cifar10']: use any of mnist, fashion_mnist" in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_bad_value_rejected_before_running(tmp_path):
    result = cli("run", "lds/uci_table1", "-p", "seeds", "three", "--runs-dir", str(tmp_path))
    assert result.returncode == 2
    assert "Invalid value 'three' for parameter 'seeds': expected int" in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_unknown_experiment_lists_known(tmp_path):
    result = cli("run", "lds/table_9")
    assert result.returncode == 2
    assert "Known experiments: " in result.stderr
    assert "lds/incomplete_graph, lds/uci_table1" in result.stderr


def test_list_and_params():
    listed = cli("list")
    assert listed.returncode == 0, listed.stderr
    assert "lds/uci_table1" in listed.stdout
    assert "lds/incomplete_graph" in listed.stdout
    params = cli("params", "lds/uci_table1")
    assert params.returncode == 0, params.stderr
    seeds = next(line for line in params.stdout.splitlines() if line.startswith("seeds "))
    assert seeds.split()[:5] == ["seeds", "int", "1", "3", "5"]


def test_failed_notebook_does_not_stop_others(scratch_repo):
    result = cli("--root", str(scratch_repo), "run", "toy/fails", "toy/ok", "--publish")
    assert result.returncode == 1
    assert "1 succeeded, 1 failed" in result.stdout
    records = {p.parent.parent.name: json.loads(p.read_text()) for p in (scratch_repo / "runs").glob("toy/*/*/record.json")}
    assert records["fails"]["status"] == "failed"
    assert "planted failure" in records["fails"]["status_reason"]
    assert records["ok"]["status"] == "reproduced"
    assert records["ok"]["metrics"] == {"value": 2.0}
    # The failing run keeps its partial notebook, with the error, for inspection.
    partial = scratch_repo / records["fails"]["notebook"]
    assert "planted failure" in partial.read_text()
    # Only the successful run became a current record.
    assert sorted(p.name for p in (scratch_repo / "results" / "toy").glob("*.json")) == ["ok.json"]


def test_rerun_keeps_earlier_record(scratch_repo):
    for value in ("1", "5"):
        result = cli("--root", str(scratch_repo), "run", "toy/ok", "-p", "value", value, "--publish")
        assert result.returncode == 0, result.stdout + result.stderr
    current = json.loads((scratch_repo / "results/toy/ok.json").read_text())
    assert current["metrics"] == {"value": 10.0}
    (earlier,) = (scratch_repo / "results/history/toy/ok").glob("*.json")
    assert json.loads(earlier.read_text())["metrics"] == {"value": 2.0}
    assert len(list((scratch_repo / "runs/toy/ok").iterdir())) == 2
    assert list((scratch_repo / "runs/toy/ok").glob(".*partial")) == []


def test_overrides_not_published_by_default(scratch_repo):
    result = cli("--root", str(scratch_repo), "run", "toy/ok", "-p", "value", "3")
    assert result.returncode == 0, result.stderr
    assert not (scratch_repo / "results").exists()


def test_parallel_jobs(scratch_repo):
    experiments = select_experiments(["toy"], discover_experiments(scratch_repo))
    plans = plan_runs(experiments, "small", root=scratch_repo, show_progress=False)
    records = run_plans(plans, jobs=2)
    assert [r["status"] for r in records] == ["failed", "reproduced"]


def test_dask_scheduler(scratch_repo):
    distributed = pytest.importorskip("distributed")
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, host="127.0.0.1",
                                       dashboard_address=None, processes=True)
    try:
        experiments = select_experiments(["toy"], discover_experiments(scratch_repo))
        plans = plan_runs(experiments, "small", root=scratch_repo, show_progress=False)
        records = run_plans(plans, scheduler=cluster.scheduler_address)
    finally:
        cluster.close()
    assert [r["status"] for r in records] == ["failed", "reproduced"]
    assert records[1]["metrics"] == {"value": 2.0}
