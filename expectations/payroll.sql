select
    *,
    nik_regency(nik) as _nik_regency,
    nik_birth_date(nik) as _nik_birth_date,
    coalesce(employer_nib, employer_npwp) as _employer_id,
    coalesce(period, $period) as _period
from rows
