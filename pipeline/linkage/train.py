"""`rekon linkage train`: fit the linkage model on labelled records and write the model file.

The records come from pipeline/linkage/labelled.py with a fixed seed, so the same command writes
the same file. m comes from the labels (Splink's estimate_m_from_label_column), u from random
pairs (estimate_u_using_random_sampling, seeded), the prior from the labels. The thresholds are
then chosen on the same records run through the pipeline's own linkage models
(pipeline/linkage/harness.py), one-to-one assignment included:
- review threshold: the largest at which at most `LISTED_REGISTERED` of the listed workers are in
  fact registered (a false accusation costs far more than a miss);
- match threshold: the smallest at which at most `CLEARED_WRONGLY` of the workers the model
  registers are not that participant.
A monthly run reads the file and never trains.
"""

from __future__ import annotations

import hashlib
import json
import math
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from pipeline.linkage import harness, score
from pipeline.linkage.comparisons import settings
from pipeline.linkage.labelled import RATES, generate
from pipeline.linkage.score import (
    FEATURES,
    MODEL_FILE,
    PARTICIPANTS,
    WORKERS,
    linker_on,
    load_model,
    splink_session,
)

SEED = 20_261_207
EMPLOYERS = 600
LISTED_REGISTERED = 0.005
CLEARED_WRONGLY = 0.005
U_PAIRS = 2_000_000
# The review threshold is the largest of these that keeps LISTED_REGISTERED: at most 0.1, so that
# a worker with even a one-in-ten chance of being registered is reviewed, not listed, whatever
# the labelled records allow (a false accusation costs far more than a review).
REVIEW_GRID = np.round(np.arange(0.001, 0.1001, 0.001), 3)
# Levels whose m is set, not learnt: a twin or sibling (same surname and birth date, a NIK one
# digit away) with another given name is another person however well the rest agrees, and the
# NIK, its encoded birth date and the stated one say the same thing three times over, which
# the model would add up as if they were independent. So another given name outweighs them all.
# Likewise another NIK beside another birth date (CONTRACT.md section 5 matches on NIK, or on
# name and birth date).
FIXED_M = {
    "nama": {"nama belakang sama, nama depan beda": 1e-30},
    "tanggal_lahir": {"beda, NIK juga beda": 1e-30},
}


def fit(seed: int = SEED, employers: int = EMPLOYERS) -> dict[str, Any]:
    """Splink settings with trained m and u."""
    data = generate(seed, employers)
    con = harness.session(data.payroll, data.participants)
    try:
        harness.build(con, upto="int_name_forms")
        con.register("labels_payroll", data.payroll[["component", "nik", "person"]])
        con.register("labels_participants", data.participants[["component", "nik", "person"]])
        workers = con.sql(
            f"""select f.*, l.person from ({FEATURES.format(side=WORKERS)}) as f
            join int_linkage_workers as w on w.worker_id = f.unique_id
            join labels_payroll as l on l.component = w.component and l.nik = w.nik"""
        ).to_arrow_table()
        participants = con.sql(
            f"""select f.*, l.person from ({FEATURES.format(side=PARTICIPANTS)}) as f
            join labels_participants as l on l.component = f.component and l.nik = f.nik"""
        ).to_arrow_table()
    finally:
        con.close()
    true_pairs = len(set(workers["person"].to_pylist()) & set(participants["person"].to_pylist()))
    # the prior among the pairs a run compares: those inside one employer
    per_employer = pd.Series(workers["component"].to_pylist()).value_counts()
    candidates = pd.Series(participants["component"].to_pylist()).value_counts()
    prior = true_pairs / float((per_employer * candidates.reindex(per_employer.index, fill_value=0)).sum())
    splink_con = splink_session()
    try:
        linker = linker_on(splink_con, workers, participants, settings(prior))
        linker.training.estimate_u_using_random_sampling(max_pairs=U_PAIRS, seed=seed)
        linker.training.estimate_m_from_label_column("person")
        trained = linker.misc.save_model_to_json()
    finally:
        splink_con.close()
    trained.pop("linker_uid", None)  # Splink's random id of the session, not of the model
    for comparison in trained["comparisons"]:
        for level in comparison["comparison_levels"]:
            if level["label_for_charts"] in FIXED_M.get(comparison["output_column_name"], {}):
                level["m_probability"] = FIXED_M[comparison["output_column_name"]][level["label_for_charts"]]
    return trained


def choose_thresholds(outcomes: pd.DataFrame, truth: pd.DataFrame) -> dict[str, float]:
    """Thresholds from each linked worker's assigned probability (0 when none) and the truth."""
    joined = outcomes.merge(truth, on=["component", "nik"])
    joined = joined.loc[joined.matched_by.ne("nik")]
    assigned = joined.candidate_nik.notna() & joined.outcome.ne("listed")
    p = joined.match_probability.where(assigned, 0.0).fillna(0.0).to_numpy()
    registered = joined.registered.to_numpy()
    right = (joined.candidate_person.to_numpy() == joined.person.to_numpy()) & registered
    review = 0.0
    for t in REVIEW_GRID:
        listed = p < t
        if listed.sum() and registered[listed].mean() <= LISTED_REGISTERED:
            review = float(t)
    match = 1.0
    for t in np.unique(np.r_[p[p >= max(review, 0.5)], 1.0])[::-1]:
        cleared = p >= t
        if cleared.sum() and (~right[cleared]).mean() <= CLEARED_WRONGLY:
            match = float(t)
        else:
            break
    # rounded down, so that a pair at the threshold stays on its side
    return {"review": review, "match": max(math.floor(match * 1e6) / 1e6, review)}


def model_version(model: dict[str, Any]) -> str:
    """What names a model: a hash of its parameters and thresholds."""
    content = {"splink": model["splink"], "thresholds": model["thresholds"]}
    return hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()[:12]


def train(seed: int = SEED, employers: int = EMPLOYERS) -> dict[str, Any]:
    """Fit, choose the thresholds, and write the model file (MODEL_FILE); returns its content."""
    out = MODEL_FILE
    splink_settings = fit(seed, employers)
    model = {
        "version": "untrained",
        "trained": {
            "command": f"rekon linkage train --seed {seed} --employers {employers}",
            "generator": "pipeline/linkage/labelled.py",
            "error_rates": RATES,
            "seed": seed,
            "employers": employers,
        },
        # every pair eligible and none registered: the assignment alone, to choose the thresholds
        "thresholds": {"review": 0.0, "match": 1.01},
        "splink": splink_settings,
    }
    data = generate(seed, employers)
    with tempfile.TemporaryDirectory(prefix="rekon-linkage-") as folder:
        provisional = Path(folder) / "model.json"
        provisional.write_text(json.dumps(model, indent=2, sort_keys=True) + "\n", encoding="utf-8")
        score.active_model_file = provisional
        try:
            outcomes = harness.outcomes(data.payroll, data.participants)
        finally:
            score.active_model_file = MODEL_FILE
            load_model.cache_clear()
    persons = data.participants[["component", "nik", "person"]].rename(
        columns={"nik": "candidate_nik", "person": "candidate_person"}
    )
    outcomes = outcomes.merge(persons, on=["component", "candidate_nik"], how="left")
    model["thresholds"] = choose_thresholds(
        outcomes, data.payroll[["component", "nik", "person", "registered"]]
    )
    model["version"] = model_version(model)
    out.write_text(json.dumps(model, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    load_model.cache_clear()
    return model
