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

listed_findings as (
    -- Each finding's employer, with the list above that its category's workers come from
    -- (`worker_list` in pipeline/reference/categories.csv; none for a category without one).
    select findings.category, findings.component, categories.worker_list
    from category_findings as findings
    join ref_categories as categories using (category)
),

listed as (
    select findings.category, unregistered.* from unregistered
    join listed_findings as findings using (component)
    where findings.worker_list = 'unregistered'
    union all
    select findings.category, under_reported.* from under_reported
    join listed_findings as findings using (component)
    where findings.worker_list = 'under_reported'
    union all
    select findings.category, participants.* from participants
    join listed_findings as findings using (component)
    where findings.worker_list = 'participants'
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
