-- partition: prepare
-- split: replicated
-- Construction projects registered with BPJS Ketenagakerjaan.
with source as (
    select * from raw_projects
)

select distinct permit_number
from source
