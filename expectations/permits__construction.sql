select
    *,
    coalesce(contractor_nib, contractor_npwp) as _contractor_id
from rows
