-- partition: province
-- Payroll rows of the period quarantined as invalid_nik that have a name and a birth date, with
-- their employer (CONTRACT.md section 5): compared with the employer's registered workers on
-- normalised name and birth date, those that match none go to review.csv (`nik_tidak_valid`), so
-- an unregistered worker behind an unusable NIK is not lost. They stay quarantined and are never
-- a finding. `nik` keeps the digits as delivered.
with invalid as (
    select file, row_number
    from raw_quarantine
    where source = 'payroll' and reason = 'invalid_nik'
),

rows as (
    select
        nodes.component,
        regexp_replace(coalesce(received.nik, ''), '[^0-9]', '', 'g') as nik,
        received.full_name,
        name_key(received.full_name) as name_key,
        received.birth_date,
        received.gross_wage,
        received._file,
        received._row_number
    from raw_payroll_received as received
    join invalid on invalid.file = received._file and invalid.row_number = received._row_number
    join int_identity_components as nodes
        on nodes.node = employer_node(received.employer_nib, received.employer_npwp)
    where received.full_name is not null
        and received.birth_date is not null
        and coalesce(received.period, getvariable('period')) = getvariable('period')
),

matched as (
    -- registered workers of those employers born on those days, by normalised name: only
    -- these few names are normalised
    select registered.component, registered.birth_date, name_key(registered.full_name) as name_key
    from int_registered_workers as registered
    semi join rows using (component, birth_date)
)

select rows.* exclude (name_key), employers.employer_key, employers.employer_name, employers.regency_code
from rows
join int_employers as employers using (component)
anti join matched using (component, birth_date, name_key)
