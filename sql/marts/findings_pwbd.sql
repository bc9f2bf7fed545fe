-- partition: province
-- PWBD (wajib belum daftar): employers that are not registered but must be: an AKTIF business
-- permit declaring workers, payroll in the period, or a construction permit active in it.
with employers as (
    select * from int_employers where not is_registered
),

rates as (
    select * from int_employer_rates
),

permits as (
    select
        nodes.component,
        sum(p.declared_workers) filter (where p.is_active) as declared_workers,
        array_to_string(list_sort(list(distinct
            p.nib || ' (' || p.status || coalesce(', ' || p.declared_workers::bigint || ' TK', '') || ')'
        )), ', ') as permit_list,
        bool_or(p.is_active and p.declared_workers >= 1) as requires_registration
    from stg_business_permits as p
    join int_identity_components as nodes on nodes.node = 'NIB:' || p.nib
    group by nodes.component
),

contracts as (
    select
        nodes.component,
        sum(c.declared_workers) as declared_workers,
        array_to_string(list_sort(list(distinct c.permit_number)), ', ') as permit_list
    from stg_construction_permits as c
    join int_identity_components as nodes
        on nodes.node = employer_node(c.contractor_nib, c.contractor_npwp)
    where c.is_active_in_period
    group by nodes.component
),

minimum_wage as (
    select province_code, max_by(minimum_wage::double, effective_from::date) as minimum_wage
    from ref_minimum_wages
    where in_force(effective_from, getvariable('period_start'))
    group by province_code
),

listed as (
    select
        employers.component,
        payroll.component is not null as has_payroll,
        payroll.unregistered_workers,
        payroll.unregistered_wages as wage_gap,
        payroll.unregistered_contribution as contribution,
        payroll.files,
        -- Without payroll, the workers declared on its permits stand in for the payroll.
        coalesce(permits.declared_workers, contracts.declared_workers) as declared_workers,
        permits.permit_list,
        contracts.permit_list as construction_permits,
        contribution_on(minimum_wage.minimum_wage, rates.jkk_pct, rates.jkm_pct, rates.jht_pct,
            rates.jp_pct, rates.jp_wage_cap) as minimum_wage_contribution,
        minimum_wage.minimum_wage
    from employers
    join rates using (component)
    left join int_payroll_summary as payroll using (component)
    left join permits using (component)
    left join contracts using (component)
    left join minimum_wage on minimum_wage.province_code = left(employers.regency_code, 2)
    where coalesce(permits.requires_registration, false)
        or payroll.component is not null
        or contracts.component is not null
)

select
    component,
    'PWBD' as category,
    if(has_payroll, unregistered_workers, coalesce(declared_workers, 0))::bigint as workers_affected,
    round(if(has_payroll, wage_gap, coalesce(declared_workers * minimum_wage, 0)))::bigint
        as wage_gap_monthly,
    round(if(has_payroll, contribution, coalesce(declared_workers * minimum_wage_contribution, 0)))::bigint
        as estimated_contribution_monthly,
    null::varchar as missing_programs,
    concat_ws('; ',
        'tidak terdaftar sebagai pemberi kerja aktif',
        if(has_payroll, 'payroll periode ini: ' || unregistered_workers || ' pekerja tidak terdaftar (' || files || ')', null),
        if(not has_payroll and declared_workers > 0, 'tanpa payroll: ' || declared_workers::bigint
            || ' TK dilaporkan di izin x upah minimum provinsi', null),
        'izin usaha: ' || permit_list,
        'kontraktor izin konstruksi aktif: ' || construction_permits
    ) as evidence
from listed
