-- The published findings: one row per employer and category, in a stable order.
with categories as (
    select * from findings_pwbd
    union all by name select * from findings_pds_tk
    union all by name select * from findings_pds_upah
    union all by name select * from findings_pds_program
    union all by name select * from findings_proyek
),

regions as (
    select kode as region_code, nama as region_name from ref_wilayah_kemendagri_2025
),

identity as (
    -- How the employer's identifiers were linked, for the evidence.
    select
        nodes.component,
        string_agg(link, '; ' order by link) filter (where edges.node <> edges.other) as links
    from (
        select *, node || ' ~ ' || other || ' (' || array_to_string(sources, ', ') || ')' as link
        from int_identity_edges
    ) as edges
    join int_identity_components as nodes on nodes.node = edges.node
    group by nodes.component
)

select
    getvariable('period') as period,
    categories.category,
    employers.employer_key,
    employers.employer_name,
    employers.nib,
    employers.npwp,
    employers.npp,
    employers.regency_code,
    regions.region_name as regency_name,
    categories.workers_affected,
    categories.wage_gap_monthly,
    categories.estimated_contribution_monthly,
    categories.missing_programs,
    concat_ws('; ', categories.evidence, 'identitas: ' || identity.links) as evidence
from categories
join int_employers as employers using (component)
left join regions on regions.region_code = employers.regency_code
left join identity using (component)
order by categories.category, employers.employer_key
