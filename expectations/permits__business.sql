-- A missing regency code is the not-null rule's business; here only a present, unknown one fails.
select
    rows.*,
    rows.regency_code is null or region.code is not null as _regency_known
from rows
left join regencies as region on region.code = rows.regency_code
