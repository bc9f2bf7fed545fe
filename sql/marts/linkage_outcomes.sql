-- partition: province
-- How the period's payroll workers were matched, for the quality report and the manifest: per
-- outcome (registered, undecided, listed), method (nik, model, keputusan; none for the others)
-- and match probability in twentieths (none when linkage did not score the worker), the number
-- of workers. Sums: the partitioned run concatenates each partition's rows.
select
    case
        when is_registered_worker then 'registered'
        when is_undecided then 'undecided'
        else 'listed'
    end as outcome,
    matched_by as method,
    least(floor(match_probability * 20), 19)::integer as probability_bin,
    count(*) as workers
from int_worker_matches
group by all
