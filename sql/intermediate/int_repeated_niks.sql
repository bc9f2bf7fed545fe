-- partition: prepare
-- split: replicated
-- NIKs on more than one AKTIF participant row: the only workers who can be registered twice with
-- one employer or counted twice in one region. A few thousand of ten million at national scale,
-- so registered workers and coverage rank or count distinct only these, and one hash pass over
-- the NIKs serves both. As text, the column the participants file holds (validated, so one
-- spelling per NIK): the models join on the bare column, which DuckDB filters while reading.
select nik
from stg_participants
where is_active
group by nik
having count(*) > 1
