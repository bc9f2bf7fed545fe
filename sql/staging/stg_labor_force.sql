-- partition: prepare
-- split: replicated
-- Sakernas estimates; where several survey rounds are delivered, the latest one counts.
with source as (
    select * from raw_labor_force
),

latest as (
    select *
    from source
    qualify coalesce(survey_round, '') = max(coalesce(survey_round, '')) over (partition by regency_code)
)

select
    regency_code,
    sector,
    formal_workers,
    informal_workers,
    survey_round
from latest
