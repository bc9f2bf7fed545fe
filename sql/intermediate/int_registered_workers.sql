-- AKTIF participants, with the employer (identity component) of the NPP they are registered by,
-- once per employer and NIK: a worker registered twice (two NPPs of one employer, or a repeated
-- row) counts once, by the first NPP, then file order. Only the few repeated pairs are ranked:
-- ranking every participant would sort ten million rows; a hash collision only ranks a few more
-- rows, which the window, partitioned by the real pair, keeps right. Only the columns the
-- matching and the lists use are kept.
with employers as (
    -- NPP -> employer, so the ten million participants join on the bare NPP.
    select substr(node, 5) as npp, component
    from int_identity_components
    where node like 'NPP:%'
),

participants as (
    select
        employers.component,
        nik_number(participants.nik) as nik,
        participants.full_name,
        participants.birth_date,
        participants.npp,
        participants.reported_wage,
        participants._file,
        participants._row_number
    from stg_participants as participants
    join employers using (npp)
    where participants.is_active
),

repeated as (
    select hash(component, nik) as pair from participants group by pair having count(*) > 1
)

select participants.* exclude (npp, _file, _row_number)
from participants
anti join repeated on repeated.pair = hash(participants.component, participants.nik)

union all

select participants.* exclude (npp, _file, _row_number)
from participants
semi join repeated on repeated.pair = hash(participants.component, participants.nik)
qualify row_number() over (partition by component, nik order by npp, _file, _row_number) = 1
