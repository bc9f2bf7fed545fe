-- partition: prepare
-- split: component
-- One row per employer (identity component) with the attributes the lists show.
-- Names and places prefer the registry, then the business permit, payroll, construction permit;
-- scale and KBLI prefer the business permit (CONTRACT.md section 5).
with identifier_bounds as (
    select
        component,
        min(substr(node, 5)) filter (where node like 'NIB:%') as nib,
        min(substr(node, 6)) filter (where node like 'NPWP:%') as npwp,
        min(substr(node, 5)) filter (where node like 'NPP:%') as first_npp,
        max(substr(node, 5)) filter (where node like 'NPP:%') as last_npp
    from int_identity_components
    group by component
),

identifiers as (
    -- NPPs sorted and joined by ';'. Almost every employer has one, so only those with more are
    -- listed (listing every employer's cost 0.07 s more at 10 M payroll rows).
    select component, nib, npwp, first_npp as npp
    from identifier_bounds
    where first_npp is not distinct from last_npp

    union all

    select component, any_value(nib), any_value(npwp),
        array_to_string(list_sort(list(substr(node, 5)) filter (where node like 'NPP:%')), ';')
    from identifier_bounds
    join int_identity_components using (component)
    where first_npp <> last_npp
    group by component
),

registry_rows as (
    select nodes.component, e.*
    from stg_employers as e
    join int_identity_components as nodes on nodes.node = 'NPP:' || e.npp
),

shared_registry as (
    -- employers with more than one registry row: the only ones whose attributes must be chosen.
    -- Aggregating every employer, though almost all have one row, cost twice as much.
    select component from registry_rows group by component having count(*) > 1
),

registry as (
    -- one row: its values, spelled as the aggregation below gives them for a single row
    select
        component,
        is_active as is_registered,
        employer_name,
        regency_code,
        scale,
        kbli_section,
        if(is_active, coalesce(programs, ''), null) as programs,
        if(is_active, list_distinct(flatten([string_split(programs, ';')])), null) as held_programs
    from registry_rows
    anti join shared_registry using (component)

    union all

    select
        component,
        bool_or(is_active) as is_registered,
        arg_min(employer_name, active_first(is_active, npp)) as employer_name,
        arg_min(regency_code, active_first(is_active, npp)) as regency_code,
        arg_min(scale, known_first(scale, active_first(is_active, npp))) as scale,
        arg_min(kbli_section, known_first(kbli_section, active_first(is_active, npp))) as kbli_section,
        -- the programs as its AKTIF rows spell them (for the evidence), and the set they add up to
        array_to_string(list_sort(list_distinct(list(programs) filter (where is_active))), ' | ')
            as programs,
        list_distinct(flatten(list(string_split(programs, ';')) filter (where is_active)))
            as held_programs
    from registry_rows
    semi join shared_registry using (component)
    group by component
),

permits as (
    select
        nodes.component,
        arg_min(p.business_name, active_first(p.is_active, p.nib)) as employer_name,
        arg_min(p.regency_code, active_first(p.is_active, p.nib)) as regency_code,
        arg_min(p.scale, known_first(p.scale, active_first(p.is_active, p.nib))) as scale,
        arg_min(p.kbli_section, known_first(p.kbli_section, active_first(p.is_active, p.nib))) as kbli_section
    from stg_business_permits as p
    join int_identity_components as nodes on nodes.node = 'NIB:' || p.nib
    group by nodes.component
),

payroll as (
    -- The place most of its payroll rows name (on a tie, the smallest code).
    select
        component,
        min(employer_name) as employer_name,
        arg_min(work_regency_code, (-rows, work_regency_code)) filter (where work_regency_code is not null)
            as regency_code
    from (
        select
            nodes.component,
            p.work_regency_code,
            min(p.employer_name) as employer_name,
            sum(p.rows) as rows
        from int_payroll_employers as p
        join int_identity_components as nodes
            on nodes.node = employer_node(p.employer_nib, p.employer_npwp)
        group by nodes.component, p.work_regency_code
    )
    group by component
),

contractors as (
    select
        nodes.component,
        min(c.contractor_name) as employer_name,
        min(c.regency_code) as regency_code
    from stg_construction_permits as c
    join int_identity_components as nodes
        on nodes.node = employer_node(c.contractor_nib, c.contractor_npwp)
    group by nodes.component
)

select
    identifiers.component,
    coalesce(identifiers.nib, identifiers.npwp, identifiers.npp) as employer_key,
    identifiers.nib,
    identifiers.npwp,
    identifiers.npp,
    coalesce(registry.is_registered, false) as is_registered,
    registry.programs as registered_programs,
    registry.held_programs,
    coalesce(registry.employer_name, permits.employer_name, payroll.employer_name, contractors.employer_name)
        as employer_name,
    coalesce(registry.regency_code, permits.regency_code, payroll.regency_code, contractors.regency_code)
        as regency_code,
    coalesce(permits.scale, registry.scale) as scale,
    coalesce(permits.kbli_section, registry.kbli_section) as kbli_section
from identifiers
left join registry using (component)
left join permits using (component)
left join payroll using (component)
left join contractors using (component)
