-- partition: province
-- PROYEK: construction permits active in the period that are not registered as projects,
-- listed under their contractor. Sized as JKK + JKM on the contract value by slice (each slice
-- of the value at its own rate), spread over the months the permit covers.
with permits as (
    select
        c.*,
        nodes.component,
        -- calendar months covered, both ends counted (March to December = 10)
        (year(c.end_on) * 12 + month(c.end_on)) - (year(c.start_on) * 12 + month(c.start_on)) + 1 as months
    from stg_construction_permits as c
    join int_identity_components as nodes
        on nodes.node = employer_node(c.contractor_nib, c.contractor_npwp)
    where c.is_active_in_period
        and c.permit_number not in (select permit_number from stg_projects)
),

slices as (
    select
        slice_from::double as slice_from,
        coalesce(try_cast(slice_to as double), 'infinity'::double) as slice_to,
        (jkk_pct::double + jkm_pct::double) / 100 as rate
    from ref_construction_slices
    where in_force(effective_from, getvariable('period_start'))
    qualify effective_from = max(effective_from) over (partition by slice_from)
),

sized as (
    select
        permits.component,
        permits.permit_number,
        permits.declared_workers,
        permits.months,
        sum(greatest(least(permits.contract_value, slices.slice_to) - slices.slice_from, 0) * slices.rate)
            as contribution
    from permits
    cross join slices
    group by permits.component, permits.permit_number, permits.declared_workers, permits.months
)

select
    component,
    'PROYEK' as category,
    coalesce(sum(declared_workers), 0)::bigint as workers_affected,
    null::bigint as wage_gap_monthly,
    round(sum(contribution / months))::bigint as estimated_contribution_monthly,
    null::varchar as missing_programs,
    count(*) || ' izin konstruksi aktif belum terdaftar sebagai proyek: '
        || array_to_string(list_sort(list(permit_number)), ', ') as evidence
from sized
group by component
