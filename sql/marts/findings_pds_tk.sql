-- PDS_TK (daftar sebagian, tenaga kerja): registered employers with payroll workers of the
-- period who are not their registered workers.
with rates as (
    select * from int_employer_rates
),

unregistered as (
    select
        m.component,
        count(distinct m.nik) as workers_affected,
        sum(m.gross_wage) as wage_gap,
        sum(contribution_on(m.gross_wage, r.jkk_pct, r.jkm_pct, r.jht_pct, r.jp_pct, r.jp_wage_cap))
            as contribution,
        string_agg(distinct m._file, ', ' order by m._file) as files
    from int_worker_matches as m
    join rates as r using (component)
    where not m.is_registered_worker
    group by m.component
),

payroll_size as (
    select component, count(distinct nik) as workers, count(*) filter (where matched_by = 'nama_tanggal_lahir') as by_name
    from int_worker_matches
    group by component
)

select
    unregistered.component,
    'PDS_TK' as category,
    unregistered.workers_affected::bigint as workers_affected,
    round(unregistered.wage_gap)::bigint as wage_gap_monthly,
    round(unregistered.contribution)::bigint as estimated_contribution_monthly,
    null::varchar as missing_programs,
    concat_ws('; ',
        'terdaftar (NPP ' || employers.npp || ')',
        unregistered.workers_affected || ' dari ' || payroll_size.workers
            || ' pekerja di payroll periode ini tidak terdaftar sebagai peserta aktif (' || unregistered.files || ')',
        if(payroll_size.by_name > 0, payroll_size.by_name || ' pekerja dicocokkan dengan nama dan tanggal lahir', null)
    ) as evidence
from unregistered
join int_employers as employers using (component)
join payroll_size using (component)
where employers.is_registered
