-- partition: prepare
-- split: node = employer_node(t.employer_nib, t.employer_npwp)
-- What payroll says about the employers it names: one row per identifier pair and place of work,
-- so identity and the employer attributes read a few hundred thousand rows, not the payroll.
select
    employer_nib,
    employer_npwp,
    work_regency_code,
    min(employer_name) as employer_name,
    count(*) as rows
from stg_payroll
group by employer_nib, employer_npwp, work_regency_code
