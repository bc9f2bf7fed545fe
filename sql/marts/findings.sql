-- partition: national
-- The published findings: one row per employer and category, with its branch office, history
-- and follow-up priority, in a stable order.
--
-- History: BARU when the finding was not listed in the previous period, BERULANG when it was;
-- first_seen_period is where its current unbroken run of listings began.
-- Priority, per branch: estimated arrears so far (monthly contribution x months listed in a
-- row), then workers affected, then category and employer key; 1 is followed up first.
-- The findings of every category come from category_findings (pipeline/reference/categories.csv).
with regions as (
    select kode as region_code, nama as region_name from ref_wilayah_kemendagri_2025
),

listed_nodes as materialized (
    -- The listed employers' identifiers, materialised so that the join with the identity links
    -- (1.1 M at 10 M payroll rows) builds its hash table on these few, not on the links, as
    -- DuckDB otherwise chose. It replaced a session-wide optimizer setting, so the model can be
    -- built beside others (10 M rows: 1.11 s to 1.07 s; 1 M rows: 0.11 s either way).
    select node, component from int_identity_components
    where component in (select component from category_findings)
),

identity as (
    -- How the employer's identifiers were linked, for the evidence (of listed employers only).
    select component, array_to_string(list_sort(list(link)), '; ') as links
    from (
        select
            nodes.component,
            edges.node || ' ~ ' || edges.other || ' (' || array_to_string(edges.sources, ', ') || ')' as link
        from int_identity_edges as edges
        join listed_nodes as nodes on nodes.node = edges.node
        where edges.node <> edges.other
    )
    group by component
),

listed as (
    select
        category_findings.*,
        employers.employer_key,
        employers.employer_name,
        employers.nib,
        employers.npwp,
        employers.npp,
        employers.regency_code,
        regions.region_name as regency_name,
        coalesce(branches.branch_code, 'BELUM-DIPETAKAN') as branch_code,
        coalesce(branches.branch_name, 'Belum dipetakan ke kantor cabang') as branch_name,
        coalesce(previous.first_seen_period, previous.period, getvariable('period')) as first_seen_period,
        if(previous.employer_key is null, 'BARU', 'BERULANG') as status,
        identity.links
    from category_findings
    join int_employers as employers using (component)
    left join regions on regions.region_code = employers.regency_code
    left join int_branches as branches on branches.regency_code = employers.regency_code
    left join identity using (component)
    left join prev_findings as previous
        on previous.category = category_findings.category and previous.employer_key = employers.employer_key
),

ranked as (
    select
        *,
        date_diff('month', strptime(first_seen_period || '-01', '%Y-%m-%d'), getvariable('period_start')) + 1
            as months_listed
    from listed
)

select
    getvariable('period') as period,
    category,
    employer_key,
    employer_name,
    nib,
    npwp,
    npp,
    regency_code,
    regency_name,
    workers_affected,
    wage_gap_monthly,
    estimated_contribution_monthly,
    missing_programs,
    concat_ws('; ', evidence, 'identitas: ' || links) as evidence,
    branch_code,
    branch_name,
    status,
    first_seen_period,
    months_listed,
    row_number() over (
        partition by branch_code
        order by estimated_contribution_monthly * months_listed desc, workers_affected desc, category, employer_key
    ) as priority
from ranked
order by category, employer_key
