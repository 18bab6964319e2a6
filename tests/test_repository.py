"""The repository's own rules: packaging, notebook layout, README and experiment notebooks."""
from __future__ import annotations

import ast
import json
import re
import tomllib

import nbformat
import pytest

from papers_nbdev.config import RUNNER_PARAMETERS
from papers_nbdev.docs import readme_text
from papers_nbdev.runner import discover_experiments, load_experiment_configs, notebook_parameters

from conftest import ROOT

PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
EXPERIMENTS = discover_experiments(ROOT)


def test_no_settings_ini():
    assert not (ROOT / "settings.ini").exists(), "nbdev 3 refuses to run beside settings.ini"


def test_torch_pinned_exactly():
    # A range or a bare name makes pip pick a multi-GB CUDA build.
    assert "torch==2.13.0" in PYPROJECT["project"]["dependencies"]


def test_dependencies_pinned():
    loose = [d for d in PYPROJECT["project"]["dependencies"] + PYPROJECT["project"]["optional-dependencies"]["dev"] if "==" not in d]
    assert loose == []


def test_parameters_tag_survives_clean():
    assert PYPROJECT["tool"]["nbdev"]["allowed_cell_metadata_keys"] == ["tags"]


def test_readme_matches_index():
    assert (ROOT / "README.md").read_text() == readme_text(ROOT / "nbs" / "index.ipynb"), \
        "README.md is out of date: run .venv/bin/papers-nbdev readme"


def test_every_experiment_has_a_config():
    registered = load_experiment_configs()
    missing = [name for name in EXPERIMENTS if name not in registered]
    assert missing == []
    orphans = [name for name in registered if name not in EXPERIMENTS]
    assert orphans == []


@pytest.mark.parametrize("name", sorted(EXPERIMENTS))
def test_parameters_cell_matches_config(name):
    experiment = EXPERIMENTS[name]
    cell = {param: ast.literal_eval(info["default"]) for param, info in notebook_parameters(experiment.notebook).items()}
    assert set(RUNNER_PARAMETERS) <= set(cell)
    for param in RUNNER_PARAMETERS:
        cell.pop(param)
    assert cell == experiment.config.defaults()


@pytest.mark.parametrize("name", sorted(EXPERIMENTS))
def test_experiment_opens_with_callout(name):
    nb = nbformat.read(EXPERIMENTS[name].notebook, as_version=4)
    markdown = [c.source for c in nb.cells[:3] if c.cell_type == "markdown"]
    callout = next((s for s in markdown if s.startswith("::: {.callout")), "")
    for heading in ("**Claim:**", "**Data:**", "**Scale:**", "**Differences from the paper:**"):
        assert heading in callout, f"{name}: the opening callout lacks {heading}"


@pytest.mark.parametrize("name", sorted(EXPERIMENTS))
def test_experiment_outputs_small(name):
    size = EXPERIMENTS[name].notebook.stat().st_size
    assert size < 400_000, f"{name} notebook is {size} bytes; trim its outputs"


def test_sidebar_lists_every_notebook():
    quarto = (ROOT / "_quarto.yml").read_text()
    notebooks = [p.relative_to(ROOT / "nbs").as_posix() for p in (ROOT / "nbs").rglob("*.ipynb")
                 if ".ipynb_checkpoints" not in p.parts]
    missing = [nb for nb in notebooks if nb not in quarto]
    assert missing == []
