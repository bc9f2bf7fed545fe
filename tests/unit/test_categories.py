"""One definition of the finding categories: pipeline/reference/categories.csv. Every category has
its model, the union of the findings and the worker lists follow the file, and nothing else under
pipeline/ or sql/ spells a category's code, apart from the model that finds it and the demo's
oracle (whose rules are written apart from the pipeline on purpose)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from pipeline.reconcile.plan import SQL_DIR, file_config, plan, tables_read
from pipeline.reference import CATEGORIES_CSV, categories, category_codes

REPO = Path(__file__).resolve().parents[2]
UNION = SQL_DIR / "marts" / "category_findings.py"
WORKERS = SQL_DIR / "marts" / "finding_workers.sql"
# Files that may spell a category's code besides its own model: the demo's oracle, one rule each.
ORACLE = REPO / "pipeline" / "demo" / "truth.py"
# Where a code could be spelt: code (as a quoted literal) and templates and data (as a word).
QUOTED = {".py", ".sql"}
WORDS = {".html", ".j2", ".csv", ".json", ".toml", ".css"}


def _union_sql() -> str:
    import importlib.util

    spec = importlib.util.spec_from_file_location("category_findings", UNION)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.model(None)


def test_every_category_is_complete_and_in_order() -> None:
    assert [c.sort_order for c in categories()] == list(range(1, len(categories()) + 1))
    assert all(c.label and c.description and c.legal_basis and c.legal_confidence for c in categories())


@pytest.mark.parametrize("category", categories(), ids=lambda c: c.code)
def test_every_category_has_its_model_and_the_model_lists_it(category) -> None:
    path = SQL_DIR / "marts" / f"{category.model}.sql"
    assert path.is_file(), f"{CATEGORIES_CSV.name} names {category.model}; write {path.relative_to(REPO)}"
    code = path.read_text(encoding="utf-8")
    assert f"'{category.code}' as category" in code
    assert file_config(path, code)["partition"] == ["province"]


def test_the_union_of_the_findings_is_the_models_of_the_file() -> None:
    models = {c.model for c in categories()}
    assert tables_read(_union_sql()) == models
    by_name = {m.name: m for m in plan()}
    assert by_name["category_findings"].reads == models
    # the readers of the findings read the union, never a category's model
    for reader in ("findings", "finding_workers"):
        assert "category_findings" in by_name[reader].reads
        assert not by_name[reader].reads & models, reader


def test_the_worker_lists_are_the_ones_finding_workers_makes() -> None:
    made = set(re.findall(r"worker_list = '(\w+)'", WORKERS.read_text(encoding="utf-8")))
    named = {c.worker_list for c in categories() if c.worker_list}
    assert named == made


def _spelt(path: Path, code: str) -> bool:
    text = path.read_text(encoding="utf-8")
    if path.suffix in QUOTED:
        return re.search(rf"(['\"]){code}\1", text) is not None
    return re.search(rf"(?<![A-Za-z0-9_]){code}(?![A-Za-z0-9_])", text) is not None


def _files() -> list[Path]:
    roots = (REPO / "pipeline", SQL_DIR)
    found = (p for root in roots for p in root.rglob("*") if p.is_file() and p.suffix in QUOTED | WORDS)
    return sorted(p for p in found if p not in (CATEGORIES_CSV, ORACLE) and "__pycache__" not in p.parts)


def test_no_other_file_spells_a_category() -> None:
    own = {SQL_DIR / "marts" / f"{c.model}.sql": c.code for c in categories()}
    spelt = [
        f"{path.relative_to(REPO)}: {code}"
        for path in _files()
        for code in category_codes()
        if own.get(path) != code and _spelt(path, code)
    ]
    assert not spelt, f"read the categories from {CATEGORIES_CSV.name} instead: {spelt}"


def test_the_check_finds_a_spelt_category(tmp_path: Path) -> None:
    python, sql, page = tmp_path / "x.py", tmp_path / "x.sql", tmp_path / "x.html"
    python.write_text('CATEGORIES = ("PWBD", "PDS_TK")\n# PWBD in prose is fine\n')
    sql.write_text("select count(*) filter (where category = 'PDS_UPAH')\n")
    page.write_text("<dt>PROYEK</dt>\n")
    assert _spelt(python, "PWBD") and _spelt(sql, "PDS_UPAH") and _spelt(page, "PROYEK")
    assert not _spelt(python, "PROYEK") and not _spelt(sql, "PDS_TK")


def test_the_oracle_has_a_rule_for_every_category_and_says_which_it_lacks(monkeypatch) -> None:
    from pipeline.demo import truth

    assert len(truth.rules()) == len(categories())
    monkeypatch.setattr(truth, "category_codes", lambda: (*category_codes(), "TANPA_ATURAN"))
    with pytest.raises(AssertionError, match="no rule for TANPA_ATURAN"):
        truth.rules()


def test_branch_summaries_count_each_category_in_its_column() -> None:
    from pipeline.summaries import INDEX_SQL

    columns = re.findall(r"filter \(where category = '(\w+)'\) as (\w+)", INDEX_SQL)
    assert columns == [(c.code, c.code.lower()) for c in categories()]
