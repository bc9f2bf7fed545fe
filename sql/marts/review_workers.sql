-- partition: province
-- review.csv (CONTRACT.md section 7): the payroll workers no one may list or clear without a
-- person's decision. `kemungkinan_cocok`: record linkage put the best participant between the
-- review and the match threshold. `nik_tidak_valid`: a row quarantined for its NIK whose name
-- and birth date match no registered worker of its employer. Never a finding, counted in no
-- figure. Unordered: publish orders it.
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

union all

select
    review_id(linkage_worker_id(invalid.employer_key, invalid.nik, invalid.full_name, invalid.birth_date), null),
    getvariable('period'),
    invalid.employer_key,
    invalid.employer_name,
    invalid.regency_code,
    if(length(invalid.nik) = 16, mask_nik(invalid.nik),
        repeat('*', greatest(length(invalid.nik) - 4, 0)) || right(invalid.nik, 4)),
    invalid.full_name,
    invalid.gross_wage,
    'nik_tidak_valid',
    null,
    null,
    null,
    concat('NIK tidak valid (dikarantina: ', invalid._file, ' baris ', invalid._row_number,
        '); nama dan tanggal lahir tidak cocok dengan peserta aktif pemberi kerja ini')
from int_invalid_nik_workers as invalid
