select
    rows.*,
    nik_region.code is not null as _nik_regency_known,
    nik_birth_date(rows.nik) as _nik_birth_date,
    -- an absent optional code is fine: only a code that is there can be unknown
    rows.work_regency_code is null or work_region.code is not null as _work_regency_known,
    coalesce(rows.employer_nib, rows.employer_npwp) as _employer_id,
    coalesce(rows.period, $period) as _period,
    -- a period that is there but not a real month (parsers.sql left it null)
    not list_contains(rows._unusable, 'period') as _period_valid
from rows
-- the NIK's first four digits are its province and regency (contract section 3): joined as they
-- are, since building `62.71` from every NIK to join on cost more
left join regencies as nik_region on nik_region.digits = left(rows.nik, 4)
left join regencies as work_region on work_region.code = rows.work_regency_code
