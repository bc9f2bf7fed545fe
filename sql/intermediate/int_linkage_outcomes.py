# partition: province
"""Each payroll worker that linkage compared (int_linkage_workers), with its outcome
(CONTRACT.md section 5): `registered` (matched_by `model`, or `keputusan` by a decision SAMA),
`undecided` (published in review.csv) or `listed`, the participant it was matched to or the
closest one, and the pair's match probability and comparison levels for the evidence.

A decision BEDA takes its pair out; SAMA puts it first. Of the remaining pairs, those at or above
the model's review threshold compete for the participants one-to-one (pipeline/linkage/assign.py):
a participant goes to at most one worker, by the assignment of each employer with the largest
sum of match probabilities. A Python model for
that assignment; the rest is SQL.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from pipeline.linkage.assign import DECIDED_WEIGHT, one_to_one
from pipeline.linkage.score import load_model

ELIGIBLE = """
select component, worker_id, candidate_nik,
    if(decision = 'SAMA', {decided}, match_probability) as weight
from int_linkage_candidates
where decision is distinct from 'BEDA'
    and (decision = 'SAMA' or match_probability >= {review})
"""

OUTCOMES = """
with assigned as (
    select * from assigned_pairs
),

closest as (
    -- the pair that the evidence names: the assigned one, else the best-scored left
    select c.*, a.worker_id is not null as is_assigned
    from int_linkage_candidates as c
    left join assigned as a using (component, worker_id, candidate_nik)
    where c.decision is distinct from 'BEDA'
    qualify row_number() over (
        partition by c.component, c.worker_id
        order by a.worker_id is not null desc, c.match_weight desc, c.candidate_nik
    ) = 1
)

select
    workers.component,
    nik_number(workers.nik) as nik,
    workers.worker_id,
    case
        when closest.is_assigned and closest.decision = 'SAMA' then 'registered'
        when closest.is_assigned and closest.match_probability >= {match} then 'registered'
        when closest.is_assigned then 'undecided'
        else 'listed'
    end as outcome,
    case
        when closest.is_assigned and closest.decision = 'SAMA' then 'keputusan'
        when closest.is_assigned and closest.match_probability >= {match} then 'model'
    end as matched_by,
    closest.candidate_nik,
    closest.review_id,
    closest.match_probability,
    closest.nik as nik_level,
    closest.nama as name_level,
    closest.tanggal_lahir as birth_date_level,
    closest.kode_nik as nik_code_level
from int_linkage_workers as workers
left join closest using (component, worker_id)
"""


def model(con):
    """Outcome per linked worker, as a relation for the runner to materialise."""
    thresholds = load_model()["thresholds"]
    pairs = con.execute(
        ELIGIBLE.format(decided=DECIDED_WEIGHT, review=float(thresholds["review"]))
    ).fetchnumpy()
    kept = one_to_one(
        np.asarray(pairs["component"], dtype=np.int64),
        np.asarray(pairs["worker_id"], dtype=object).astype(str),
        np.asarray(pairs["candidate_nik"], dtype=object).astype(str),
        np.asarray(pairs["weight"], dtype=np.float64),
    )
    assigned = pa.table(
        {
            "component": pa.array(np.asarray(pairs["component"], dtype=np.int64)[kept], pa.int64()),
            "worker_id": pa.array(np.asarray(pairs["worker_id"], dtype=object)[kept].tolist(), pa.string()),
            "candidate_nik": pa.array(
                np.asarray(pairs["candidate_nik"], dtype=object)[kept].tolist(), pa.string()
            ),
        }
    )
    con.register("assigned_pairs", assigned)
    try:
        return con.sql(OUTCOMES.format(match=float(thresholds["match"]))).to_arrow_table()
    finally:
        con.unregister("assigned_pairs")
