-- partition: prepare
-- split: node = 'NPP:' || t.npp
-- BPJS Ketenagakerjaan participants, active and inactive.
with source as (
    select * from raw_participants
),

renamed as (
    select
        kpj,
        nik,
        full_name,
        birth_date,
        npp,
        reported_wage,
        status,
        status = 'AKTIF' as is_active,
        _file,
        _row_number
    from source
)

select * from renamed
