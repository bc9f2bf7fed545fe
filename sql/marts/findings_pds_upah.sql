-- partition: province
-- PDS_UPAH (daftar sebagian, upah): registered employers reporting, for at least one registered
-- worker, a wage below 95 % of what its payroll pays. Sized as the contribution on the gross
-- wage minus the contribution on the reported one (`is_under_reported`, int_payroll_summary).
select
    payroll.component,
    'PDS_UPAH' as category,
    payroll.under_reported_workers::bigint as workers_affected,
    round(payroll.under_reported_wage_gap)::bigint as wage_gap_monthly,
    round(payroll.under_reported_contribution)::bigint as estimated_contribution_monthly,
    null::varchar as missing_programs,
    payroll.under_reported_workers
        || ' peserta aktif dilaporkan dengan upah di bawah 95% upah bruto di payroll ('
        || payroll.under_reported_files
        || '); selisih upah Rp ' || round(payroll.under_reported_wage_gap)::bigint || ' per bulan' as evidence
from int_payroll_summary as payroll
join int_employers as employers using (component)
where employers.is_registered and payroll.under_reported_workers > 0
