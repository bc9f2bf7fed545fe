"""A review decision changes the next run's outcome, end to end, as users work: `rekon run`
publishes review.csv; a supervisor decides a pair in the portal, in Debian's Chromium; `rekon run`
again applies the decision from the decision store.

The delivery is the contract scenario with one undecided pair planted (tests/scenario.py
`add_undecided_pair`). SAMA makes that worker registered: the next run lists the pair neither in
review.csv nor in workers.csv, leaves every other review row as it was, and the manifest counts
the decision as applied."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from pipeline.portal import decisions
from tests import scenario as s
from tests.portal.conftest import browser, log_in_page, server  # noqa: F401 (fixtures, on this module's data)

REPO = Path(__file__).resolve().parents[2]


def rekon_run(landing: Path, data: Path) -> None:
    """The command a user runs (`rekon run`), in a process of its own."""
    command = [sys.executable, "-m", "pipeline.cli", "run", "--period", s.PERIOD]
    command += ["--landing", str(landing), "--data", str(data)]
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    result = subprocess.run(command, capture_output=True, text=True, timeout=900, cwd=REPO, env=env)
    assert result.returncode == 0, result.stdout + result.stderr


def published(data: Path, name: str) -> list[dict[str, str]]:
    path = data / "published" / s.PERIOD / f"{name}.csv"
    assert path.is_file(), f"{name}.csv was not published"
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))


@pytest.fixture(scope="module")
def landing(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("rerun") / "landing"
    s.add_undecided_pair(s.build_base_delivery(folder))
    return folder


@pytest.fixture(scope="module")
def portal_data(landing: Path) -> Path:
    """The data folder of the first run, which the portal (the `server` fixture) serves."""
    data = landing.parent / "data"
    rekon_run(landing, data)
    return data


def test_a_decision_taken_in_the_browser_holds_in_the_next_run(
    landing: Path,
    portal_data: Path,
    server: str,  # noqa: F811
    browser,  # noqa: F811
    tmp_path: Path,
) -> None:
    data = portal_data
    before = published(data, "review")
    undecided = sorted(
        (r for r in before if r["reason"] == "kemungkinan_cocok" and r["candidate_nik_masked"]),
        key=lambda r: r["review_id"],
    )
    assert undecided, "the scenario yields no undecided pair to decide"
    pair = undecided[0]

    page = browser.new_context(locale="id-ID").new_page()
    page.set_default_timeout(15_000)
    log_in_page(page, server, "sup62")
    page.goto(f"{server}/periods/{s.PERIOD}/tinjauan?cari={pair['review_id']}")
    card = page.locator(f"#r-{pair['review_id']}")
    assert pair["nik_masked"] in card.text_content()
    card.locator("textarea[name=note]").fill("Sama: dicek dengan KTP")
    card.locator("button[value=SAMA]").click()
    page.wait_for_url(f"**tersimpan={pair['review_id']}**")
    stored = (data / "decisions" / decisions.PORTAL_FILE).read_text(encoding="utf-8")
    assert f"{pair['review_id']},SAMA,sup62," in stored

    rekon_run(landing, data)

    after = published(data, "review")
    assert pair["review_id"] not in {r["review_id"] for r in after}
    assert after == [r for r in before if r["review_id"] != pair["review_id"]]
    listed = {(r["employer_key"], r["nik_masked"]) for r in published(data, "workers")}
    assert (pair["employer_key"], pair["nik_masked"]) not in listed
    manifest = json.loads((data / "published" / s.PERIOD / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["linkage"]["decisions"]["applied"] == 1
    # The portal shows the new publication: the pair is gone from the list.
    page.goto(f"{server}/periods/{s.PERIOD}/tinjauan?keputusan=semua&cari={pair['review_id']}")
    assert page.locator("article.review").count() == 0
    page.context.close()
