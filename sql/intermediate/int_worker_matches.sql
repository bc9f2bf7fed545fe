-- partition: province
-- materialized: view
-- Each payroll worker of the period against its employer's registered workers: by NIK
-- (int_payroll_workers), else by record linkage (int_worker_linkage: the model, or a review
-- decision). The rule that matched is kept. An undecided worker (between the model's two
-- thresholds) is neither registered nor unregistered: it goes to review.csv and is counted in
-- no figure. A view: it differs from the payroll workers by a join with the few linked ones,
-- which costs each of its three reads less than writing ten million rows again.
select
    workers.component,
    workers.nik,
    workers.full_name,
    workers.gross_wage,
    workers._file,
    coalesce(workers.reported_wage, linked.reported_wage) as reported_wage,
    if(workers.nik_matched, 'nik', linked.matched_by) as matched_by,
    workers.nik_matched or coalesce(linked.outcome = 'registered', false) as is_registered_worker,
    coalesce(linked.outcome = 'undecided', false) as is_undecided,
    linked.match_probability,
    case
        when workers.nik_matched then null
        when linked.evidence is not null then linked.evidence
        when workers.birth_date is null then 'NIK tidak terdaftar; tanpa tanggal lahir, tidak dibandingkan lebih lanjut'
        else 'pemberi kerja tidak memiliki peserta aktif'
    end as evidence
from int_payroll_workers as workers
left join int_worker_linkage as linked using (component, nik)
