-- NIKs on more than one AKTIF participant row: the only workers who can be registered twice with
-- one employer or counted twice in one region. A few thousand of ten million at national scale,
-- so registered workers and coverage rank or count distinct only these, and one hash pass over
-- the NIKs serves both.
select nik_number(nik) as nik
from stg_participants
where is_active
group by all
having count(*) > 1
