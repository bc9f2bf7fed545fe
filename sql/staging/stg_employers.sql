-- partition: prepare
-- split: node = 'NPP:' || t.npp
-- BPJS Ketenagakerjaan registered employers, one row per registry row.
with source as (
    select * from raw_employers
),

renamed as (
    select
        source.npp,
        source.nib,
        nullif(source.npwp, '0000000000000000') as npwp,
        source.employer_name,
        source.regency_code,
        source.kbli,
        sections.kbli_section,
        source.scale,
        source.programs,
        source.status,
        source.status = 'AKTIF' as is_active,
        source._file,
        source._row_number
    from source
    left join kbli_divisions() as sections on sections.division = try_cast(left(source.kbli, 2) as int)
)

select * from renamed
