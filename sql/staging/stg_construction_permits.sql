-- partition: prepare
-- split: node = employer_node(t.contractor_nib, t.contractor_npwp)
-- Construction permits and work orders; active when their dates cover part of the period.
with source as (
    select * from raw_construction_permits
),

renamed as (
    select
        permit_number,
        project_name,
        contractor_nib,
        nullif(contractor_npwp, '0000000000000000') as contractor_npwp,
        contractor_name,
        regency_code,
        contract_value,
        start_on,
        end_on,
        declared_workers,
        start_on <= getvariable('period_end') and end_on >= getvariable('period_start')
            as is_active_in_period,
        _file,
        _row_number
    from source
)

select * from renamed
