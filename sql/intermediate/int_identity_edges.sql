-- Every record that names an employer links the identifiers it carries (NPP, NIB, NPWP).
-- A record with one identifier still contributes a node (an edge to itself).
with registry as (
    select 'NPP:' || npp as node, unnest([
        'NPP:' || npp, 'NIB:' || nib, 'NPWP:' || npwp
    ]) as other, 'registry/employers' as source
    from stg_employers
),

business_permits as (
    select 'NIB:' || nib as node, coalesce('NPWP:' || npwp, 'NIB:' || nib) as other,
        'permits/business' as source
    from stg_business_permits
),

payroll as (
    select distinct
        coalesce('NIB:' || employer_nib, 'NPWP:' || employer_npwp) as node,
        coalesce('NPWP:' || employer_npwp, 'NIB:' || employer_nib) as other,
        'payroll' as source
    from stg_payroll
),

construction_permits as (
    select
        coalesce('NIB:' || contractor_nib, 'NPWP:' || contractor_npwp) as node,
        coalesce('NPWP:' || contractor_npwp, 'NIB:' || contractor_nib) as other,
        'permits/construction' as source
    from stg_construction_permits
),

all_edges as (
    select * from registry
    union all select * from business_permits
    union all select * from payroll
    union all select * from construction_permits
)

select node, other, list(distinct source order by source) as sources
from all_edges
where other is not null
group by node, other
