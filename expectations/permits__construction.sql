select
    rows.*,
    coalesce(rows.contractor_nib, rows.contractor_npwp) as _contractor_id,
    rows.regency_code is null or region.code is not null as _regency_known
from rows
left join regencies as region on region.code = rows.regency_code
