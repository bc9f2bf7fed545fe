-- partition: province
-- Payroll workers of the period whose NIK is not one of their employer's registered workers but
-- whose normalised full name and birth date are (against typing errors in the NIK): the
-- registered worker they match, the first by NIK. Names are normalised only for these few
-- workers, and compared only with registered workers of the same employer born on the same day:
-- normalising every registered name would cost more than all the joins.
with unmatched as (
    select component, nik, name_key(full_name) as name_key, birth_date
    from int_payroll_workers
    where not nik_matched and birth_date is not null
),

candidates as (
    select registered.component, registered.nik, registered.reported_wage, registered.birth_date,
        name_key(registered.full_name) as name_key
    from int_registered_workers as registered
    semi join unmatched using (component, birth_date)
)

select unmatched.component, unmatched.nik, candidates.reported_wage
from unmatched
join candidates using (component, name_key, birth_date)
qualify row_number() over (partition by unmatched.component, unmatched.nik order by candidates.nik) = 1
