-- partition: national
-- Coverage per region in the survey: AKTIF participants of registered employers located there,
-- against the survey's formal workers. Province rows sum their regencies.
with survey as (
    select regency_code, sum(formal_workers) as formal_workers
    from stg_labor_force
    group by regency_code
),

registered_rows as (
    select employers.regency_code, participants.nik
    from stg_participants as participants
    join stg_employers as employers on employers.npp = participants.npp
    where participants.is_active and employers.is_active
),

registered as (
    -- A NIK on one AKTIF row counts once as it is; only the few that repeat need a distinct count.
    select regency_code, sum(workers) as registered_workers
    from (
        select regency_code, count(*) as workers
        from registered_rows
        anti join int_repeated_niks using (nik)
        group by regency_code

        union all

        select regency_code, count(distinct nik)
        from registered_rows
        semi join int_repeated_niks using (nik)
        group by regency_code
    )
    group by regency_code
),

regencies as (
    select
        'regency' as level,
        survey.regency_code as region_code,
        survey.formal_workers,
        coalesce(registered.registered_workers, 0) as registered_workers
    from survey
    left join registered using (regency_code)
),

provinces as (
    select
        'province' as level,
        left(region_code, 2) as region_code,
        sum(formal_workers) as formal_workers,
        sum(registered_workers) as registered_workers
    from regencies
    group by left(region_code, 2)
),

regions as (
    select kode as region_code, nama as region_name from ref_wilayah_kemendagri_2025
)

select
    level,
    region_code,
    regions.region_name,
    formal_workers,
    registered_workers::bigint as registered_workers,
    if(formal_workers > 0, round(100 * registered_workers / formal_workers, 1), null) as coverage_pct
from (select * from provinces union all select * from regencies)
left join regions using (region_code)
order by region_code
