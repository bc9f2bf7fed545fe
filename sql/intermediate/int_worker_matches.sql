-- partition: province
-- materialized: view
-- Each payroll worker of the period against its employer's registered workers: by NIK
-- (int_payroll_workers), else by normalised full name and birth date (int_name_matches). The
-- rule that matched is kept. A view: it differs from the payroll workers by a join with a few
-- thousand name matches, which costs each of its three reads less than writing ten million rows
-- again.
select
    workers.component,
    workers.nik,
    workers.full_name,
    workers.gross_wage,
    workers._file,
    coalesce(workers.reported_wage, by_name.reported_wage) as reported_wage,
    case
        when workers.nik_matched then 'nik'
        when by_name.nik is not null then 'nama_tanggal_lahir'
    end as matched_by,
    workers.nik_matched or by_name.nik is not null as is_registered_worker
from int_payroll_workers as workers
left join int_name_matches as by_name using (component, nik)
