-- Valid payroll workers of the period, once per employer: the first row in file order counts.
-- Only the columns the matching and the lists use: the wide rows cost more to move than to join.
-- Few (employer, NIK) pairs are paid twice, so only their rows are ranked: ranking every row
-- would sort the whole payroll. A hash collision only ranks a few more rows, which the window,
-- partitioned by the real pair, then keeps.
with payroll as (
    select
        nodes.component,
        payroll.nik,
        payroll.full_name,
        payroll.birth_date,
        payroll.gross_wage,
        payroll._file,
        payroll._row_number
    from stg_payroll as payroll
    join int_identity_components as nodes
        on nodes.node = coalesce('NIB:' || payroll.employer_nib, 'NPWP:' || payroll.employer_npwp)
    where payroll.period = getvariable('period')
),

repeated as (
    select hash(component, nik) as pair from payroll group by pair having count(*) > 1
),

later_rows as (
    select _file, _row_number
    from payroll
    where hash(component, nik) in (select pair from repeated)
    qualify row_number() over (partition by component, nik order by _file, _row_number) > 1
)

select * from payroll
anti join later_rows using (_file, _row_number)
