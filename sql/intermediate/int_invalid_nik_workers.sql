-- Payroll rows of the period quarantined as invalid_nik that have a name and a birth date, with
-- their employer (CONTRACT.md section 5): compared with the employer's registered workers on
-- normalised name and birth date, those that match none go to review.csv (`nik_tidak_valid`), so
-- an unregistered worker behind an unusable NIK is not lost. They stay quarantined and are never
-- a finding. `nik` keeps the digits as delivered.
with rows as (
    select
        nodes.component,
        regexp_replace(coalesce(received.nik, ''), '[^0-9]', '', 'g') as nik,
        received.full_name,
        received.birth_date,
        received.gross_wage,
        received._file,
        received._row_number
    from raw_quarantine as quarantine
    join raw_payroll_received as received
        on received._file = quarantine.file and received._row_number = quarantine.row_number
    join int_identity_components as nodes
        on nodes.node = employer_node(received.employer_nib, received.employer_npwp)
    where quarantine.source = 'payroll'
        and quarantine.reason = 'invalid_nik'
        and received.full_name is not null
        and received.birth_date is not null
        and coalesce(received.period, getvariable('period')) = getvariable('period')
)

select rows.*, employers.employer_key, employers.employer_name, employers.regency_code
from rows
join int_employers as employers using (component)
where not exists (
    select 1
    from int_registered_workers as registered
    where registered.component = rows.component
        and registered.birth_date = rows.birth_date
        and name_key(registered.full_name) = name_key(rows.full_name)
)
