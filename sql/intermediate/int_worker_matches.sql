-- Each payroll worker of the period against its employer's registered workers: by NIK, else
-- (against typing errors) by normalised full name and birth date. The rule that matched is kept.
with workers as (
    select * from int_payroll_workers
),

registered as (
    select * from int_registered_workers
),

candidates as (
    select workers.component, workers.nik, registered.nik as participant_nik,
        registered.reported_wage, 'nik' as matched_by, 1 as strength
    from workers
    join registered on registered.component = workers.component and registered.nik = workers.nik
    union all
    select workers.component, workers.nik, registered.nik,
        registered.reported_wage, 'nama_tanggal_lahir', 2
    from workers
    join registered
        on registered.component = workers.component
        and registered.name_key = workers.name_key
        and registered.birth_date = workers.birth_date
),

best as (
    select * from candidates
    qualify row_number() over (
        partition by component, nik order by strength, participant_nik
    ) = 1
)

select
    workers.*,
    best.participant_nik,
    best.reported_wage,
    best.matched_by,
    best.matched_by is not null as is_registered_worker
from workers
left join best using (component, nik)
