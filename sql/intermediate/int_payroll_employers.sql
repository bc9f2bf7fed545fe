-- What payroll says about its employers, once per identifier pair and work regency: the models
-- that link identities and describe employers read this instead of scanning every payroll row.
select
    employer_nib,
    employer_npwp,
    work_regency_code,
    min(employer_name) as employer_name,
    count(*) as payroll_rows
from stg_payroll
group by all
