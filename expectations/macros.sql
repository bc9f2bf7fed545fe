-- The parts of a NIK (CONTRACT.md section 3): province + regency, district, birth date, serial.
-- Women's birth days carry +40; a day that is not a real date (after that) makes the NIK invalid.
create or replace macro nik_birth_date(nik) as try_strptime(
    lpad((case when try_cast(substr(nik, 7, 2) as int) > 40
               then try_cast(substr(nik, 7, 2) as int) - 40
               else try_cast(substr(nik, 7, 2) as int) end)::varchar, 2, '0')
    || substr(nik, 9, 4),
    '%d%m%y'
)::date;
