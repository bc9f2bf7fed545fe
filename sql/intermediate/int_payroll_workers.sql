-- Valid payroll workers of the period, once per employer: the first row in file order counts.
with payroll as (
    select * from stg_payroll
    where period = getvariable('period')
)

select
    nodes.component,
    payroll.*
from payroll
join int_identity_components as nodes
    on nodes.node = coalesce('NIB:' || payroll.employer_nib, 'NPWP:' || payroll.employer_npwp)
qualify row_number() over (
    partition by nodes.component, payroll.nik order by payroll._file, payroll._row_number
) = 1
