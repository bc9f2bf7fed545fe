-- review.csv (CONTRACT.md section 7): the payroll workers no one may list or clear without a
-- person's decision. `kemungkinan_cocok`: record linkage put the best participant between the
-- review and the match threshold. Never a finding, counted in no figure. Unordered: publish
-- orders it.
select
    linked.review_id,
    getvariable('period') as period,
    employers.employer_key,
    employers.employer_name,
    employers.regency_code,
    mask_nik(nik_text(linked.nik)) as nik_masked,
    workers.full_name,
    workers.gross_wage,
    'kemungkinan_cocok' as reason,
    linked.match_probability,
    mask_nik(linked.candidate_nik) as candidate_nik_masked,
    linked.candidate_full_name,
    linked.evidence
from int_worker_linkage as linked
join int_payroll_workers as workers using (component, nik)
join int_employers as employers using (component)
where linked.outcome = 'undecided'
