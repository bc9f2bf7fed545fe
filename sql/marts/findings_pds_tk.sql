-- partition: province
-- PDS_TK (daftar sebagian, tenaga kerja): registered employers with payroll workers of the
-- period who are not their registered workers.
select
    payroll.component,
    'PDS_TK' as category,
    payroll.unregistered_workers::bigint as workers_affected,
    round(payroll.unregistered_wages)::bigint as wage_gap_monthly,
    round(payroll.unregistered_contribution)::bigint as estimated_contribution_monthly,
    null::varchar as missing_programs,
    concat_ws('; ',
        'terdaftar (NPP ' || employers.npp || ')',
        payroll.unregistered_workers || ' dari ' || payroll.workers
            || ' pekerja di payroll periode ini tidak terdaftar sebagai peserta aktif ('
            || payroll.unregistered_files || ')',
        if(payroll.matched_by_linkage > 0,
            payroll.matched_by_linkage || ' pekerja dicocokkan meski NIK berbeda (record linkage)', null)
    ) as evidence
from int_payroll_summary as payroll
join int_employers as employers using (component)
where employers.is_registered and payroll.unregistered_workers > 0
