-- partition: province
-- set: disabled_optimizers = 'build_side_probe_side'
-- Valid payroll workers of the period, once per employer (the first row in file order counts),
-- each matched by NIK against its employer's registered workers: the NIK match is made here, while
-- the rows stream from the payroll file, because keeping ten million workers to join them later
-- cost more. The match by name and birth date, for the few the NIK did not match, is
-- int_name_matches; int_worker_matches puts the two together.
-- Only the columns the matching and the lists use: the wide rows cost more to move than to join.
-- Validation keeps one row per payroll employer identifier, NIK and period (the `duplicate` rule
-- of expectations/payroll.json), so a worker can be paid twice only by an employer whose payroll
-- names it by two identifiers (its NIB in one file, its NPWP in another). Only those employers'
-- rows are ranked: ranking, or even counting, every (employer, NIK) pair would cost more than
-- all the joins.
-- The setting above keeps the joins' sides as written: DuckDB underestimates the period's payroll
-- rows (a filter it guesses at a fifth) and builds the NIK match's hash table on those wide rows
-- rather than on the narrow registered workers, a fifth slower at 10 M payroll rows.
with payroll as not materialized (
    -- read once per kind of employer below: keeping the joined rows for both reads cost more
    -- than reading the file again
    select
        nodes.component,
        nik_number(payroll.nik) as nik,
        payroll.full_name,
        payroll.birth_date,
        payroll.gross_wage,
        payroll._file,
        payroll._row_number
    from stg_payroll as payroll
    join int_identity_components as nodes
        on nodes.node = employer_node(payroll.employer_nib, payroll.employer_npwp)
    where payroll.period = getvariable('period')
),

named_twice as (
    -- employers named by more than one identifier in payroll (of any period)
    select nodes.component
    from int_payroll_employers as p
    join int_identity_components as nodes on nodes.node = employer_node(p.employer_nib, p.employer_npwp)
    group by nodes.component
    having count(distinct nodes.node) > 1
),

workers as (
    select payroll.* exclude (_row_number)
    from payroll
    anti join named_twice using (component)

    union all

    select payroll.* exclude (_row_number)
    from payroll
    semi join named_twice using (component)
    qualify row_number() over (partition by component, nik order by _file, _row_number) = 1
)

select workers.*, registered.reported_wage, registered.nik is not null as nik_matched
from workers
left join int_registered_workers as registered using (component, nik)
