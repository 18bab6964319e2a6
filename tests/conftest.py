"""Shared fixtures: the repository root and throwaway repositories with tiny experiments."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
CLI = [str(Path(sys.executable).parent / "papers-nbdev")]


def cli(*args: str, cwd: Path = ROOT, timeout: int = 900) -> subprocess.CompletedProcess:
    "Run `papers-nbdev ARGS` in a subprocess and return the finished process."
    return subprocess.run([*CLI, *args], cwd=cwd, capture_output=True, text=True, timeout=timeout)


def write_experiment(root: Path, name: str, body: str, parameters: str = "value = 1\noutput_dir = ''") -> Path:
    "Write a notebook `nbs/experiments/<name>.ipynb` under `root` with a parameters cell and `body`."
    path = root / "nbs" / "experiments" / f"{name}.ipynb"
    path.parent.mkdir(parents=True, exist_ok=True)
    nb = nbformat.v4.new_notebook(metadata={"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}})
    nb.cells = [nbformat.v4.new_code_cell(parameters, metadata={"tags": ["parameters"]}),
                nbformat.v4.new_code_cell(body)]
    nbformat.write(nb, path)
    return path


SAVE = ("from papers_nbdev.records import save_outputs\n"
        "save_outputs(output_dir, {'value': value * 2}, {'value': 2}, 'reproduced', 'doubled', 'none')")


@pytest.fixture
def scratch_repo(tmp_path: Path) -> Path:
    "A minimal repository root with two experiments: `toy/ok` succeeds and `toy/fails` raises."
    (tmp_path / "pyproject.toml").write_text("[tool.nbdev]\nlib_path = 'papers_nbdev'\n")
    write_experiment(tmp_path, "toy/ok", SAVE)
    write_experiment(tmp_path, "toy/fails", "raise RuntimeError('planted failure')\n" + SAVE)
    return tmp_path
