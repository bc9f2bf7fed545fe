select
    rows.*,
    nik_region.code is not null as _nik_regency_known,
    nik_birth_date(rows.nik) as _nik_birth_date,
    -- whether the participant's employer is in registry/employers (a batch expectation's input)
    (employer.npp is not null)::double as _npp_known
from rows
-- the NIK's first four digits are its province and regency (contract section 3): joined as they
-- are, since building `62.71` from every NIK to join on cost more
left join regencies as nik_region on nik_region.digits = left(rows.nik, 4)
left join employer_npps as employer on employer.npp = rows.npp
