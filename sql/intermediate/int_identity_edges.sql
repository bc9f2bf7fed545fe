-- partition: prepare
-- split: node = t.node
-- Every record that names an employer links the identifiers it carries (NPP, NIB, NPWP).
-- A record with one identifier still contributes a node (an edge to itself). Each source is a
-- bit, so an edge's sources aggregate as one bit_or: a list of names per edge cost four times more.
with registry as (
    select 'NPP:' || npp as node, unnest([
        'NPP:' || npp, 'NIB:' || nib, 'NPWP:' || npwp
    ]) as other, 8 as source_bit
    from stg_employers
),

business_permits as (
    select 'NIB:' || nib as node, coalesce('NPWP:' || npwp, 'NIB:' || nib) as other,
        2 as source_bit
    from stg_business_permits
),

payroll as (
    select
        employer_node(employer_nib, employer_npwp) as node,
        coalesce('NPWP:' || employer_npwp, 'NIB:' || employer_nib) as other,
        1 as source_bit
    from (select distinct employer_nib, employer_npwp from int_payroll_employers)
),

construction_permits as (
    select
        employer_node(contractor_nib, contractor_npwp) as node,
        coalesce('NPWP:' || contractor_npwp, 'NIB:' || contractor_nib) as other,
        4 as source_bit
    from stg_construction_permits
),

all_edges as (
    select * from registry
    union all select * from business_permits
    union all select * from payroll
    union all select * from construction_permits
)

select
    node,
    other,
    -- the names of the bits 1, 2, 4 and 8
    list_filter(
        ['payroll', 'permits/business', 'permits/construction', 'registry/employers'],
        lambda name, position: (source_bits >> (position - 1)) & 1 = 1
    ) as sources
from (
    select node, other, bit_or(source_bit) as source_bits
    from all_edges
    where other is not null
    group by node, other
)
