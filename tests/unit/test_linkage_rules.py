"""Linkage's building blocks, each on its own: the name rules of pipeline/reference/name_rules.csv
as sql/intermediate/int_name_forms.sql applies them, every comparison level of
pipeline/linkage/comparisons.py as Splink's SQL evaluates it, and the one-to-one assignment."""

from __future__ import annotations

import datetime as dt

import duckdb
import numpy as np
import pandas as pd
import pytest

from pipeline.db import sql_path
from pipeline.linkage import harness
from pipeline.linkage.assign import DECIDED_WEIGHT, one_to_one
from pipeline.linkage.comparisons import COMPARISONS
from pipeline.linkage.score import FEATURES, PARTICIPANTS, WORKERS
from pipeline.reconcile.run import SQL_DIR, build_model
from pipeline.reference import reference_files


def name_forms(*names: str) -> dict[str, str | None]:
    con = duckdb.connect()
    for name, path in reference_files().items():
        con.execute(
            f"create table ref_{name} as select * from read_csv({sql_path(path)}, all_varchar = true)"
        )
    con.execute("create table int_linkage_workers as select unnest(?::varchar[]) as full_name", [list(names)])
    con.execute("create table int_linkage_participants (full_name varchar)")
    build_model(con, SQL_DIR / "intermediate" / "int_name_forms.sql")
    return dict(con.execute("select full_name, name_norm from int_name_forms").fetchall())


@pytest.mark.parametrize(
    ("typed", "normal"),
    [
        ("budi  santoso", "BUDI SANTOSO"),  # upper case, single spaces
        ("José Pérez", "JOSE PEREZ"),  # accents
        ("Siti Nur'aini", "SITI NURAINI"),  # punctuation inside a word
        ("H. Ahmad Yani", "AHMAD YANI"),  # title before
        ("Hj. Siti Aminah", "SITI AMINAH"),
        ("Ir. Joko Widodo", "JOKO WIDODO"),
        ("Dr. Andi", "ANDI"),
        ("Drs. Bambang", "BAMBANG"),
        ("Prof. Dra. Ratna", "RATNA"),
        ("Rina Marlina, S.E.", "RINA MARLINA"),  # degree after
        ("Budi, S.T.", "BUDI"),
        ("Dewi, S.Kom.", "DEWI"),
        ("Agus, S.Pd., M.M.", "AGUS"),
        ("Wati A.Md.", "WATI"),
        ("Eko, M.Si", "EKO"),
        ("M. Rizki", "MUHAMMAD RIZKI"),  # abbreviations of MUHAMMAD
        ("MUH. RIZKI", "MUHAMMAD RIZKI"),
        ("Moh Rizki", "MUHAMMAD RIZKI"),
        ("Moch. Rizki", "MUHAMMAD RIZKI"),
        ("Mohd. Rizki", "MUHAMMAD RIZKI"),
        ("M.Rizki", "MUHAMMAD RIZKI"),  # no space after the dot
        ("Muhamad Rizki", "MUHAMMAD RIZKI"),  # spellings
        ("Mohammad Rizki", "MUHAMMAD RIZKI"),
        ("Abd. Rahman", "ABDUL RAHMAN"),  # ABD. -> ABDUL
        ("Nurul Hidayah", "NUR HIDAYAH"),
        ("Ahmad bin Saleh", "AHMAD"),  # bin / binti and the father's name
        ("Siti Binti Yusuf Hasan", "SITI"),
        ("Soekarno", "SUKARNO"),  # old orthography
        ("Djoko", "JOKO"),
        ("Tjahjo", "CAHJO"),
        ("Sutrisno", "SUTRISNO"),  # one word stays one word
    ],
)
def test_each_name_rule(typed: str, normal: str) -> None:
    assert name_forms(typed)[typed] == normal


def test_a_name_of_titles_only_has_no_normal_form() -> None:
    assert name_forms("H. Dr.")["H. Dr."] is None


def level(comparison: str, left: dict, right: dict) -> str:
    """The label of the first level of `comparison` whose condition the pair meets, evaluated by
    DuckDB as Splink does (columns suffixed _l and _r)."""
    con = duckdb.connect()
    columns = {**{f"{k}_l": v for k, v in left.items()}, **{f"{k}_r": v for k, v in right.items()}}
    con.execute(
        "create table pair as select " + ", ".join(f"${i + 1} as {name}" for i, name in enumerate(columns)),
        list(columns.values()),
    )
    for lvl in COMPARISONS[comparison]:
        condition = lvl["sql_condition"]
        if (
            condition == "else"
            or con.execute(f"select coalesce(({condition}), false) from pair").fetchall()[0][0]
        ):
            return lvl["label_for_charts"]
    raise AssertionError("no level")


NIK = "6271011205900001"


@pytest.mark.parametrize(
    ("other", "label"),
    [
        (None, "tidak ada"),
        (NIK, "sama"),
        ("6271011205900010", "dua digit bertukar"),
        ("6271011205900000", "15 digit pertama sama"),
        ("627101120590000", "15 digit pertama sama"),  # the last digit lost
        ("6271011205950001", "beda satu digit"),
        ("6271011205911111", "beda"),
    ],
)
def test_nik_levels(other: str | None, label: str) -> None:
    assert level("nik", {"nik": NIK}, {"nik": other}) == label


def name(text: str) -> dict:
    words = text.split()
    return {
        "name_norm": text,
        "name_sorted": " ".join(sorted(words)),
        "name_words": words,
        "given_name": words[0],
        "last_name": words[-1] if len(words) > 1 else None,
    }


@pytest.mark.parametrize(
    ("other", "label"),
    [
        ("BUDI SANTOSO", "sama"),
        ("SANTOSO BUDI", "sama, urutan atau spasi lain"),
        ("BUDISANTOSO", "sama, urutan atau spasi lain"),
        ("BUDY SANTOSA", "mirip"),  # a typo in each word
        ("BUDI", "sebagian sama"),  # one word of the two
        ("ANDI SANTOSO", "nama belakang sama, nama depan beda"),  # a sibling
        ("RINA MARLINA", "beda"),
    ],
)
def test_name_levels(other: str, label: str) -> None:
    assert level("nama", name("BUDI SANTOSO"), name(other)) == label


BIRTH = dt.date(1990, 5, 12)


@pytest.mark.parametrize(
    ("other", "label"),
    [
        (None, "tidak ada"),
        (BIRTH, "sama"),
        (dt.date(1990, 12, 5), "hari dan bulan tertukar"),
        (dt.date(1990, 5, 13), "beda satu digit"),
        (dt.date(1980, 5, 12), "beda satu digit"),
        (dt.date(1990, 8, 30), "tahun sama"),
        (dt.date(1985, 1, 1), "beda"),
    ],
)
def test_birth_date_levels(other: dt.date | None, label: str) -> None:
    # beside a NIK one digit away
    left, right = {"birth_date": BIRTH, "nik": NIK}, {"birth_date": other, "nik": "6271011205900002"}
    assert level("tanggal_lahir", left, right) == label


@pytest.mark.parametrize("other", [dt.date(1990, 12, 5), dt.date(1990, 5, 13), dt.date(1990, 8, 30)])
def test_a_near_birth_date_beside_another_nik_is_another_birth_date(other: dt.date) -> None:
    left, right = {"birth_date": BIRTH, "nik": NIK}, {"birth_date": other, "nik": "3273029901850077"}
    assert level("tanggal_lahir", left, right) == "beda, NIK juga beda"
    assert level("tanggal_lahir", left, {"birth_date": BIRTH, "nik": "3273029901850077"}) == "sama"


def coded(nik: str, birth: dt.date | None) -> dict:
    day = int(nik[6:8])
    return {
        "nik_dmy": f"{day % 40:02d}{nik[8:12]}",
        "nik_female": day > 40,
        "stated_dmy": birth.strftime("%d%m%y") if birth else None,
    }


@pytest.mark.parametrize(
    ("nik", "birth", "label"),
    [
        (NIK, BIRTH, "sesuai"),
        ("6271011305900001", BIRTH, "tanggal lahir tidak sesuai"),
        ("6271015205900001", BIRTH, "jenis kelamin beda"),  # 40 added to the day: a woman
    ],
)
def test_nik_code_levels(nik: str, birth: dt.date, label: str) -> None:
    assert level("kode_nik", coded(NIK, BIRTH), coded(nik, birth)) == label


def test_features_decode_the_nik() -> None:
    payroll = pd.DataFrame(
        {"component": [1], "nik": ["6271015205900001"], "full_name": ["Siti"], "birth_date": [BIRTH]}
    )
    participants = pd.DataFrame(
        {"component": [1], "nik": ["6271015205900002"], "full_name": ["Siti"], "birth_date": [BIRTH]}
    )
    con = harness.session(payroll, participants)
    harness.build(con, upto="int_name_forms")
    row = con.execute(
        f"select nik_dmy, nik_female, stated_dmy from ({FEATURES.format(side=WORKERS)})"
    ).fetchall()
    assert row == [("120590", True, "120590")]
    assert con.execute(f"select count(*) from ({FEATURES.format(side=PARTICIPANTS)})").fetchall() == [(1,)]


def test_assignment_gives_each_participant_to_one_worker_the_best_way() -> None:
    # a takes p alone at 0.9, but a->q (0.8) and b->p (0.85) together are better
    kept = one_to_one(
        np.array([1, 1, 1]), np.array(["a", "b", "a"]), np.array(["p", "p", "q"]), np.array([0.9, 0.85, 0.8])
    )
    assert kept.tolist() == [False, True, True]


def test_assignment_leaves_a_worker_unassigned_rather_than_take_anothers_match() -> None:
    kept = one_to_one(
        np.array([7, 7]), np.array(["twin", "sibling"]), np.array(["P", "P"]), np.array([0.6, 0.99])
    )
    assert kept.tolist() == [False, True]


def test_assignment_is_by_employer_and_puts_a_decision_first() -> None:
    kept = one_to_one(
        np.array([1, 1, 2, 2]),
        np.array(["a", "b", "a", "b"]),
        np.array(["p", "p", "p", "p"]),
        np.array([0.99, DECIDED_WEIGHT, 0.5, 0.4]),
    )
    assert kept.tolist() == [False, True, True, False]


def test_assignment_does_not_depend_on_row_order() -> None:
    rng = np.random.default_rng(3)
    pairs = np.unique(
        np.column_stack([rng.integers(0, 5, 300), rng.integers(0, 30, 300), rng.integers(0, 30, 300)]), axis=0
    )
    n = len(pairs)
    group, worker, candidate = pairs[:, 0], pairs[:, 1].astype(str), pairs[:, 2].astype(str)
    weight = rng.choice([0.5, 0.7, 0.9], n)  # ties on purpose
    kept = one_to_one(group, worker, candidate, weight)
    chosen = set(zip(group[kept], worker[kept], candidate[kept], strict=True))
    for _ in range(5):
        order = rng.permutation(n)
        again = one_to_one(group[order], worker[order], candidate[order], weight[order])
        assert (
            set(zip(group[order][again], worker[order][again], candidate[order][again], strict=True))
            == chosen
        )
    for g in np.unique(group):
        mine = kept & (group == g)
        assert len(set(worker[mine])) == mine.sum() and len(set(candidate[mine])) == mine.sum()
