select
    *,
    nik_regency(nik) as _nik_regency,
    nik_birth_date(nik) as _nik_birth_date
from rows
