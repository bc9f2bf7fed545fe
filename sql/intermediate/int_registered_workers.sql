-- AKTIF participants, with the employer (identity component) of the NPP they are registered by,
-- once per employer and NIK: a worker registered twice (two NPPs of one employer, or a repeated
-- row) counts once, by the first NPP, then file order. Only the few repeated pairs are ranked
-- (see int_payroll_workers), and only the columns the matching and the lists use are kept.
with participants as (
    select
        nodes.component,
        participants.nik,
        participants.full_name,
        participants.birth_date,
        participants.npp,
        participants.reported_wage,
        participants._file,
        participants._row_number
    from stg_participants as participants
    join int_identity_components as nodes
        on nodes.node = 'NPP:' || participants.npp
    where participants.is_active
),

repeated as (
    select hash(component, nik) as pair from participants group by pair having count(*) > 1
),

later_rows as (
    select _file, _row_number
    from participants
    where hash(component, nik) in (select pair from repeated)
    qualify row_number() over (partition by component, nik order by npp, _file, _row_number) > 1
)

select * from participants
anti join later_rows using (_file, _row_number)
