-- partition: province
-- PDS_PROGRAM (daftar sebagian, program): registered employers missing a program mandatory for
-- their scale. No known scale, no finding. Sized as the missing programs' contribution on the
-- reported wages of the employer's AKTIF participants.
with employers as (
    select e.component, e.registered_programs, e.held_programs, r.* exclude (component)
    from int_employers as e
    join int_employer_rates as r using (component)
    where e.is_registered and e.scale is not null
),

missing as (
    select
        employers.*,
        list_filter(['JKK', 'JKM', 'JHT', 'JP'],
            lambda p: list_contains(employers.mandatory_programs, p)
                and not list_contains(employers.held_programs, p)
        ) as missing_programs
    from employers
),

participants as (
    select component, nik, reported_wage
    from int_registered_workers
),

sized as (
    select
        missing.component,
        missing.missing_programs,
        count(participants.nik) as workers_affected,
        sum(
            participants.reported_wage * (
                if(list_contains(missing.missing_programs, 'JKK'), missing.jkk_pct, 0)
                + if(list_contains(missing.missing_programs, 'JKM'), missing.jkm_pct, 0)
                + if(list_contains(missing.missing_programs, 'JHT'), missing.jht_pct, 0)
            ) / 100
            + if(list_contains(missing.missing_programs, 'JP'),
                least(participants.reported_wage, missing.jp_wage_cap) * missing.jp_pct / 100, 0)
        ) as contribution
    from missing
    left join participants using (component)
    where len(missing.missing_programs) > 0
    group by missing.component, missing.missing_programs
)

select
    sized.component,
    'PDS_PROGRAM' as category,
    sized.workers_affected::bigint as workers_affected,
    null::bigint as wage_gap_monthly,
    coalesce(round(sized.contribution), 0)::bigint as estimated_contribution_monthly,
    array_to_string(sized.missing_programs, ';') as missing_programs,
    'skala ' || employers.scale || ' wajib ' || array_to_string(employers.mandatory_programs, ', ')
        || '; terdaftar pada ' || coalesce(employers.registered_programs, '-')
        || '; belum ikut ' || array_to_string(sized.missing_programs, ', ') as evidence
from sized
join employers using (component)
