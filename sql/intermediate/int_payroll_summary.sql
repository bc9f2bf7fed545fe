-- partition: province
-- Per employer, its payroll workers of the period as the findings count and size them: all of
-- them, those who are not its registered workers (PWBD, PDS_TK), and registered workers reported
-- at under 95 % of their gross wage (PDS_UPAH). Undecided workers (review.csv) are counted in
-- none of these figures. One pass over the workers for all three: each
-- worker is one row of int_worker_matches, so counting rows counts distinct NIKs. Summed per
-- file first, so the lists of files come from a few rows per employer.
with workers as (
    select
        m.component,
        m._file,
        m.matched_by,
        m.gross_wage,
        m.reported_wage,
        not m.is_registered_worker and not m.is_undecided as unregistered,
        m.is_registered_worker and is_under_reported(m.reported_wage, m.gross_wage) as under_reported,
        contribution_on(m.gross_wage, r.jkk_pct, r.jkm_pct, r.jht_pct, r.jp_pct, r.jp_wage_cap)
            as contribution,
        contribution_on(m.reported_wage, r.jkk_pct, r.jkm_pct, r.jht_pct, r.jp_pct, r.jp_wage_cap)
            as reported_contribution
    from int_worker_matches as m
    join int_employer_rates as r using (component)
    where not m.is_undecided
),

per_file as (
    select
        component,
        _file,
        count(*) as workers,
        count(*) filter (where matched_by in ('model', 'keputusan')) as matched_by_linkage,
        count(*) filter (where unregistered) as unregistered_workers,
        sum(gross_wage) filter (where unregistered) as unregistered_wages,
        sum(contribution) filter (where unregistered) as unregistered_contribution,
        count(*) filter (where under_reported) as under_reported_workers,
        sum(gross_wage - reported_wage) filter (where under_reported) as under_reported_wage_gap,
        sum(contribution - reported_contribution) filter (where under_reported) as under_reported_contribution
    from workers
    group by component, _file
)

select
    component,
    sum(workers) as workers,
    sum(matched_by_linkage) as matched_by_linkage,
    array_to_string(list_sort(list(_file)), ', ') as files,
    sum(unregistered_workers) as unregistered_workers,
    sum(unregistered_wages) as unregistered_wages,
    sum(unregistered_contribution) as unregistered_contribution,
    array_to_string(list_sort(list(_file) filter (where unregistered_workers > 0)), ', ')
        as unregistered_files,
    sum(under_reported_workers) as under_reported_workers,
    sum(under_reported_wage_gap) as under_reported_wage_gap,
    sum(under_reported_contribution) as under_reported_contribution,
    array_to_string(list_sort(list(_file) filter (where under_reported_workers > 0)), ', ')
        as under_reported_files
from per_file
group by component
