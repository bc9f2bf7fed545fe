-- Each payroll worker of the period against its employer's registered workers: by NIK, else
-- (against typing errors) by normalised full name and birth date. The rule that matched is kept.
-- Both sides hold one row per employer and NIK. Names are normalised only for the few workers
-- the NIK did not match, and compared only with registered workers of the same employer born
-- on the same day: normalising every registered name would cost more than all the joins.
with by_nik as (
    select workers.*, registered.reported_wage, registered.nik is not null as nik_matched
    from int_payroll_workers as workers
    left join int_registered_workers as registered using (component, nik)
),

unmatched as (
    select component, nik, name_key(full_name) as name_key, birth_date
    from by_nik
    where not nik_matched and birth_date is not null
),

candidates as (
    select registered.component, registered.nik, registered.reported_wage, registered.birth_date,
        name_key(registered.full_name) as name_key
    from int_registered_workers as registered
    semi join unmatched using (component, birth_date)
),

by_name as (
    select unmatched.component, unmatched.nik, candidates.reported_wage
    from unmatched
    join candidates using (component, name_key, birth_date)
    qualify row_number() over (partition by unmatched.component, unmatched.nik order by candidates.nik) = 1
)

select
    by_nik.component,
    by_nik.nik,
    by_nik.full_name,
    by_nik.gross_wage,
    by_nik._file,
    coalesce(by_nik.reported_wage, by_name.reported_wage) as reported_wage,
    case
        when by_nik.nik_matched then 'nik'
        when by_name.nik is not null then 'nama_tanggal_lahir'
    end as matched_by,
    by_nik.nik_matched or by_name.nik is not null as is_registered_worker
from by_nik
left join by_name using (component, nik)
