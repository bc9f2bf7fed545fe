-- partition: province
-- The candidates record linkage may match a payroll worker to: registered workers of employers
-- with workers to link (int_linkage_workers) that no payroll worker of the period has already
-- matched by NIK. An exact NIK match takes its participant first: a participant is the match of
-- at most one payroll worker (CONTRACT.md section 5).
with claimed as (
    select component, nik from int_payroll_workers where nik_matched
)

select registered.component, nik_text(registered.nik) as nik, registered.full_name,
    registered.birth_date, registered.reported_wage
from int_registered_workers as registered
semi join (select distinct component from int_linkage_workers) as linked using (component)
anti join claimed using (component, nik)
