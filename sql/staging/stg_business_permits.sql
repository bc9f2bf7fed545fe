-- partition: prepare
-- split: node = 'NIB:' || t.nib
-- Business permits (OSS / DPMPTSP). A permit without a status is taken as in force.
with source as (
    select * from raw_business_permits
),

renamed as (
    select
        source.nib,
        nullif(source.npwp, '0000000000000000') as npwp,
        source.business_name,
        source.kbli,
        sections.kbli_section,
        source.regency_code,
        source.scale,
        source.declared_workers,
        source.issued_on,
        coalesce(source.status, 'AKTIF') as status,
        coalesce(source.status, 'AKTIF') = 'AKTIF' as is_active,
        source._file,
        source._row_number
    from source
    left join kbli_divisions() as sections on sections.division = try_cast(left(source.kbli, 2) as int)
)

select * from renamed
