-- PDS_UPAH (daftar sebagian, upah): registered employers reporting, for at least one registered
-- worker, a wage below 95 % of what its payroll pays. Sized as the contribution on the gross
-- wage minus the contribution on the reported one.
with rates as (
    select * from int_employer_rates
),

under_reported as (
    select m.*
    from int_worker_matches as m
    join int_employers as employers using (component)
    where employers.is_registered
        and m.is_registered_worker
        and m.reported_wage < 0.95 * m.gross_wage
),

sized as (
    select
        u.component,
        count(distinct u.nik) as workers_affected,
        sum(u.gross_wage - u.reported_wage) as wage_gap,
        sum(
            contribution_on(u.gross_wage, r.jkk_pct, r.jkm_pct, r.jht_pct, r.jp_pct, r.jp_wage_cap)
            - contribution_on(u.reported_wage, r.jkk_pct, r.jkm_pct, r.jht_pct, r.jp_pct, r.jp_wage_cap)
        ) as contribution,
        string_agg(distinct u._file, ', ' order by u._file) as files
    from under_reported as u
    join rates as r using (component)
    group by u.component
)

select
    component,
    'PDS_UPAH' as category,
    workers_affected::bigint as workers_affected,
    round(wage_gap)::bigint as wage_gap_monthly,
    round(contribution)::bigint as estimated_contribution_monthly,
    null::varchar as missing_programs,
    workers_affected || ' peserta aktif dilaporkan dengan upah di bawah 95% upah bruto di payroll ('
        || files || '); selisih upah Rp ' || round(wage_gap)::bigint || ' per bulan' as evidence
from sized
