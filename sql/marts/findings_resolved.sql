-- partition: national
-- SELESAI: findings listed in the previous period that are no longer listed in this one.
select
    getvariable('period') as period,
    previous.category,
    previous.employer_key,
    previous.employer_name,
    previous.regency_code,
    coalesce(branches.branch_code, 'BELUM-DIPETAKAN') as branch_code,
    coalesce(branches.branch_name, 'Belum dipetakan ke kantor cabang') as branch_name,
    'SELESAI' as status,
    coalesce(previous.first_seen_period, previous.period) as first_seen_period,
    previous.period as last_listed_period
from prev_findings as previous
left join int_branches as branches on branches.regency_code = previous.regency_code
anti join findings as current
    on current.category = previous.category and current.employer_key = previous.employer_key
order by previous.category, previous.employer_key
