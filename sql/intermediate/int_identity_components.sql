-- Employer identity: identifiers connected through any record are one employer, transitively
-- across all sources (CONTRACT.md section 3). A component is named by its smallest node.
with recursive edges as (
    select node as a, other as b from int_identity_edges
    union
    select other, node from int_identity_edges
),

reach(node, other) as (
    select a, b from edges
    union
    select reach.node, edges.b
    from reach
    join edges on edges.a = reach.other
)

select node, min(other) as component
from reach
group by node
