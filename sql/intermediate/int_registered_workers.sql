-- partition: province
-- AKTIF participants, with the employer (identity component) of the NPP they are registered by,
-- once per employer and NIK: a worker registered twice (two NPPs of one employer, or a repeated
-- row) counts once, by the first NPP, then file order. Only participants whose NIK repeats
-- (int_repeated_niks) are ranked: ranking every participant would sort ten million rows. Only
-- the columns the matching and the lists use are kept.
with employers as (
    -- NPP -> employer, so the ten million participants join on the bare NPP.
    select substr(node, 5) as npp, component
    from int_identity_components
    where node like 'NPP:%'
),

participants as not materialized (
    -- read once per kind of NIK below: keeping the joined rows for both reads cost more than
    -- reading the file again
    select
        employers.component,
        participants.nik as nik_text,
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
)

select component, nik, full_name, birth_date, reported_wage
from participants
anti join int_repeated_niks as repeated on repeated.nik = participants.nik_text

union all

select component, nik, full_name, birth_date, reported_wage
from participants
semi join int_repeated_niks as repeated on repeated.nik = participants.nik_text
qualify row_number() over (partition by component, nik order by npp, _file, _row_number) = 1
