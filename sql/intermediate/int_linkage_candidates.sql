-- partition: province
-- Each scored pair (int_linkage_pairs) with its review_id (the payroll worker as delivered and
-- the candidate participant: the same in every run and period) and the latest decision recorded
-- on it (raw_decisions, from <data>/decisions/): SAMA, BEDA or none.
select
    pairs.*,
    review_id(pairs.worker_id, pairs.candidate_nik) as review_id,
    decisions.decision
from int_linkage_pairs as pairs
left join raw_decisions as decisions on decisions.review_id = review_id(pairs.worker_id, pairs.candidate_nik)
