-- partition: prepare
-- split: node = t.node
-- Every identifier that a record names (NPP, NIB, NPWP), numbered in node order: employer
-- identity (int_identity_components) works on these integers, and every worker-level model joins
-- on the component number they give.
select node, row_number() over (order by node) as id
from (select node from int_identity_edges union select other from int_identity_edges)
