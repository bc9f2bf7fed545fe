-- partition: province
-- The review decisions (raw_decisions) that named a pair of this period: the run applied them.
-- The others are kept for later runs and counted in the quality report.
select distinct review_id, decision
from int_linkage_candidates
where decision is not null
