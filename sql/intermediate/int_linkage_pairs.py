# partition: province
"""Record linkage (CONTRACT.md section 5): each payroll worker that no NIK matched
(int_linkage_workers) against the participants of its employer that none did
(int_linkage_participants), scored by the versioned Fellegi–Sunter model
(pipeline/linkage/model.json) in Splink. A Python model, as dbt has them: Splink builds and runs
the model's SQL itself. One row per blocked pair; the one-to-one choice comes next.
"""

from __future__ import annotations

import pyarrow.compute as pc

from pipeline.linkage.score import FEATURES, PARTICIPANTS, WORKERS, load_model, score

# The models this one reads (through pipeline/linkage/score.py's WORKERS and PARTICIPANTS).
READS = ("int_linkage_workers", "int_linkage_participants", "int_name_forms")

EMPTY = """
select null::bigint as component, null::varchar as worker_id, null::varchar as candidate_nik,
    null::double as match_weight, null::double as match_probability, null::varchar as nik,
    null::varchar as nama, null::varchar as tanggal_lahir, null::varchar as kode_nik
where false
"""


def model(con):
    """The scored pairs, as a relation for the runner to materialise."""
    workers = con.sql(FEATURES.format(side=WORKERS)).to_arrow_table()
    participants = con.sql(FEATURES.format(side=PARTICIPANTS)).to_arrow_table()
    if workers.num_rows == 0 or participants.num_rows == 0:
        return con.sql(EMPTY)
    pairs = score(workers, participants, load_model()["splink"])
    # a participant's unique_id is component/nik: the NIK alone may be registered at two employers
    nik = pc.list_element(pc.split_pattern(pairs["candidate_nik"], "/"), 1)
    pairs = pairs.set_column(2, "candidate_nik", nik)
    return con.from_arrow(pairs)
