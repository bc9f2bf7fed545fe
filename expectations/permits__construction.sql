select
    rows.*,
    coalesce(rows.contractor_nib, rows.contractor_npwp) as _contractor_id,
    rows.regency_code is null or region.code is not null as _regency_known,
    -- a date that is there but not a real date (a missing one is missing_required)
    not list_contains(rows._unusable, 'start_on') as _start_on_valid,
    not list_contains(rows._unusable, 'end_on') as _end_on_valid
from rows
left join regencies as region on region.code = rows.regency_code
