"""Build the documentation site and open its pages in headless Chromium."""
from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urldefrag, urlparse

import pytest

from conftest import ROOT, cli

pytestmark = pytest.mark.slow

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
# Flags that keep headless Chromium off the network and out of the user's profile.
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]
PAGES = {
    "home": "index.html",
    "status": "status.html",
    "lds edges": "lds/00_edges.html",
    "lds gcn": "lds/01_gcn.html",
    "lds baselines": "lds/02_splits_baselines.html",
    "lds bilevel": "lds/03_bilevel.html",
    "lds experiments api": "lds/04_experiments.html",
    "uci_table1": "experiments/lds/uci_table1.html",
    "incomplete_graph": "experiments/lds/incomplete_graph.html",
    "runner": "core/04_runner.html",
    "oe metrics": "oe/00_metrics.html",
    "oe vision": "experiments/oe/vision.html",
    "oe density": "experiments/oe/density.html",
    "hypertwtl semantics": "hypertwtl/01_semantics.html",
    "hypertwtl hyper": "hypertwtl/04_hyper.html",
    "robot_security": "experiments/hypertwtl/robot_security.html",
    "phf objectives": "phf/02_objectives.html",
    "phf pep8": "experiments/phf/pep8.html",
}


class _Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.links, self.title, self._in_title = [], "", False

    def handle_starttag(self, tag, attrs):
        if tag == "a" and dict(attrs).get("href"):
            self.links.append(dict(attrs)["href"])
        self._in_title = tag == "title"

    def handle_data(self, data):
        if self._in_title:
            self.title += data

    def handle_endtag(self, tag):
        self._in_title = False


def _dom(page: Path) -> str:
    "The DOM of `page` after Chromium loaded it and ran its scripts."
    with tempfile.TemporaryDirectory() as profile:
        done = subprocess.run([CHROMIUM, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", "--dump-dom", page.as_uri()],
                              capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


@pytest.fixture(scope="module")
def site() -> Path:
    if CHROMIUM is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is not installed: `make test-deps` installs it (apt-get install chromium)")
        pytest.skip("chromium is not installed: apt-get install chromium")
    result = cli("docs", "--no-sync", "--renderer", "smalldocs")
    assert result.returncode == 0, result.stdout + result.stderr
    return ROOT / "_docs"


@pytest.fixture(scope="module")
def pages(site) -> dict[str, _Links]:
    parsed = {}
    for name, relative in PAGES.items():
        assert (site / relative).exists(), f"{relative} was not rendered"
        parser = _Links()
        parser.feed(_dom(site / relative))
        parsed[name] = parser
    return parsed


def _targets(site: Path, page: str, links: list[str]) -> set[Path]:
    "Local files the links of `page` point to."
    found = set()
    for link in links:
        url, _ = urldefrag(link)
        parsed = urlparse(url)
        if not url or parsed.scheme in ("http", "https", "mailto", "javascript"):
            continue
        path = Path(unquote(parsed.path)) if parsed.scheme == "file" else (site / page).parent / unquote(url)
        found.add(path.resolve())
    return found


@pytest.mark.parametrize("name", sorted(PAGES))
def test_page_loads_with_title(pages, name):
    assert pages[name].title.strip(), f"{PAGES[name]} has no title after loading"


@pytest.mark.parametrize("name", sorted(PAGES))
def test_page_links_resolve(site, pages, name):
    broken = [str(t) for t in _targets(site, PAGES[name], pages[name].links) if not t.exists()]
    assert broken == []


@pytest.mark.parametrize("name", sorted(PAGES))
def test_pages_link_to_each_other(site, pages, name):
    targets = _targets(site, PAGES[name], pages[name].links)
    for other in ("index.html", "status.html", "experiments/lds/uci_table1.html", "lds/03_bilevel.html"):
        if other != PAGES[name]:
            assert (site / other).resolve() in targets, f"{PAGES[name]} does not link to {other}"


def test_status_page_shows_lds_table(site, pages):
    text = (site / "status.html").read_text()
    assert "lds/uci_table1" in text
    assert "wine/knn_lds/accuracy" in text
