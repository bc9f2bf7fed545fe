select
    rows.*,
    nik_regency(rows.nik) as _nik_regency,
    nik_region.code is not null as _nik_regency_known,
    nik_birth_date(rows.nik) as _nik_birth_date,
    -- whether the participant's employer is in registry/employers (a batch expectation's input)
    (employer.npp is not null)::double as _npp_known
from rows
-- on the NIK's first four digits: building nik_regency() of every row to join on cost more
left join regencies as nik_region on nik_region.digits = left(rows.nik, 4)
left join employer_npps as employer on employer.npp = rows.npp
