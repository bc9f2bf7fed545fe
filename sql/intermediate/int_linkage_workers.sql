-- partition: province
-- Payroll workers of the period whose NIK is not one of their employer's registered workers,
-- at employers that have registered workers: what record linkage compares (CONTRACT.md section
-- 5). The exact NIK match of int_payroll_workers handles most workers; only these reach the
-- model. A worker without a birth date is not linked (the model would weigh a NIK typo and a
-- name alone, which is how a relative with the same name looks): as before, only its exact NIK
-- registers it. `worker_id` names the worker as delivered (employer, NIK digits, name, birth date): the
-- first half of a review row's `review_id`, the same in every run and period.
select
    workers.component,
    employers.employer_key,
    nik_text(workers.nik) as nik,
    workers.full_name,
    workers.birth_date,
    linkage_worker_id(employers.employer_key, nik_text(workers.nik), workers.full_name, workers.birth_date)
        as worker_id
from int_payroll_workers as workers
join int_employers as employers using (component)
where not workers.nik_matched
    and workers.birth_date is not null
    and workers.component in (select component from int_registered_workers)
