-- partition: province
-- The workers behind each finding, with the evidence record linkage gives for the unregistered. Full NIKs stay in this table for the restricted referral
-- files; the published list carries only the masked NIK. Unordered: every list made from it
-- orders its rows itself (pipeline/publish), so sorting here was a second sort of 1.4 M rows.
with unregistered as (
    select component, nik, full_name, gross_wage, reported_wage, matched_by, match_probability, evidence
    from int_worker_matches
    where not is_registered_worker and not is_undecided
),

under_reported as (
    select component, nik, full_name, gross_wage, reported_wage, matched_by, match_probability,
        null::varchar as evidence
    from int_worker_matches
    where is_registered_worker and is_under_reported(reported_wage, gross_wage)
),

participants as (
    select component, nik, full_name, null::double as gross_wage, reported_wage, null::varchar as matched_by,
        null::double as match_probability, null::varchar as evidence
    from int_registered_workers
),

listed as (
    select 'PWBD' as category, * from unregistered
    where component in (select component from findings_pwbd)
    union all
    select 'PDS_TK', * from unregistered
    where component in (select component from findings_pds_tk)
    union all
    select 'PDS_UPAH', * from under_reported
    where component in (select component from findings_pds_upah)
    union all
    select 'PDS_PROGRAM', * from participants
    where component in (select component from findings_pds_program)
)

select
    getvariable('period') as period,
    listed.category,
    employers.employer_key,
    nik_text(listed.nik) as nik,
    mask_nik(nik_text(listed.nik)) as nik_masked,
    listed.full_name,
    listed.gross_wage,
    listed.reported_wage,
    listed.matched_by,
    listed.match_probability,
    listed.evidence
from listed
join int_employers as employers using (component)
