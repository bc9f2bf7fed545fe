-- Each payroll worker of the period against its employer's registered workers: by NIK, else
-- (against typing errors) by normalised full name and birth date. The rule that matched is kept.
-- Names are normalised only for the few workers the NIK did not match, and only compared with
-- the registered workers of their own employers.
with workers as (
    select * from int_payroll_workers
),

registered as (
    select * from int_registered_workers
),

by_nik as (
    select
        workers.component,
        workers.nik,
        registered.nik as participant_nik,
        registered.reported_wage,
        'nik' as matched_by
    from workers
    join registered using (component, nik)
    qualify row_number() over (
        partition by workers.component, workers.nik
        order by registered.npp, registered._file, registered._row_number
    ) = 1
),

unmatched as (
    select workers.component, workers.nik, name_key(workers.full_name) as name_key, workers.birth_date
    from workers
    anti join by_nik using (component, nik)
    where workers.birth_date is not null
),

candidates as (
    select component, nik, reported_wage, birth_date, name_key(full_name) as name_key
    from registered
    where birth_date is not null and component in (select component from unmatched)
),

by_name as (
    select
        unmatched.component,
        unmatched.nik,
        candidates.nik as participant_nik,
        candidates.reported_wage,
        'nama_tanggal_lahir' as matched_by
    from unmatched
    join candidates
        on candidates.component = unmatched.component
        and candidates.name_key = unmatched.name_key
        and candidates.birth_date = unmatched.birth_date
    qualify row_number() over (partition by unmatched.component, unmatched.nik order by candidates.nik) = 1
),

best as (
    select * from by_nik
    union all
    select * from by_name
)

select
    workers.*,
    best.participant_nik,
    best.reported_wage,
    best.matched_by,
    best.matched_by is not null as is_registered_worker
from workers
left join best using (component, nik)
