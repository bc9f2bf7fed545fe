-- partition: prepare
-- split: node = employer_node(t.employer_nib, t.employer_npwp)
-- Employer payroll extracts; rows without a period belong to the landing period.
with source as (
    select * from raw_payroll
),

renamed as (
    select
        employer_nib,
        nullif(employer_npwp, '0000000000000000') as employer_npwp,
        employer_name,
        nik,
        full_name,
        birth_date,
        gross_wage,
        coalesce(period, getvariable('period')) as period,
        work_regency_code,
        employment_type,
        _file,
        _row_number
    from source
)

select * from renamed
