-- Shared definitions for the models.

-- The identity node of a record that names its employer by NIB or NPWP (payroll, construction
-- permits): its NIB where it has one (int_identity_edges links it to the NPWP).
create or replace macro employer_node(nib, npwp) as coalesce('NIB:' || nib, 'NPWP:' || npwp);

-- Names match when equal after upper-casing and keeping only letters and single spaces
-- (CONTRACT.md section 5).
create or replace macro name_key(name) as nullif(trim(regexp_replace(
    regexp_replace(upper(name), '[^\p{L}\s]', '', 'g'), '\s+', ' ', 'g')), '');

-- PDS_UPAH: a registered worker reported at under 95 % of the payroll's gross wage.
create or replace macro is_under_reported(reported_wage, gross_wage) as reported_wage < 0.95 * gross_wage;

-- What a compliance list may show of a NIK: the first 6 and the last 4 digits.
create or replace macro mask_nik(nik) as
    left(nik, 6) || repeat('*', length(nik) - 10) || right(nik, 4);

-- The value of a reference table in force on a date: the latest one that took effect by then.
create or replace macro in_force(effective_from, on_date) as effective_from::date <= on_date;

-- The monthly contribution on a wage, given an employer's rates (int_employer_rates).
create or replace macro contribution_on(wage, jkk_pct, jkm_pct, jht_pct, jp_pct, jp_wage_cap) as
    wage * (jkk_pct + jkm_pct + jht_pct) / 100 + least(wage, jp_wage_cap) * jp_pct / 100;

-- A validated NIK is 16 digits: the worker models carry it as a BIGINT, which joins and groups
-- much faster than text over ten million workers, and the lists give it back as text.
create or replace macro nik_number(nik) as nik::bigint;
create or replace macro nik_text(nik) as lpad(nik::varchar, 16, '0');

-- Sort keys for picking one row per employer with arg_min: AKTIF rows first, then the smaller
-- identifier; `known_first` puts rows where the value is there before those where it is not.
-- Text keys, because arg_min over a struct key cost several times more at national scale.
create or replace macro active_first(is_active, identifier) as if(is_active, '0', '1') || identifier;
create or replace macro known_first(value, sort_key) as if(value is null, '1', '0') || sort_key;

-- The KBLI section of each two-digit division (ref_kbli_sections gives ranges): the staging
-- models look a code up by equality, a hash join, instead of a range join over every row.
create or replace macro kbli_divisions() as table
    select division::int as division, kbli_section
    from ref_kbli_sections, range(first_division::int, last_division::int + 1) as divisions(division);

-- Record linkage (CONTRACT.md section 5). A payroll worker as delivered (employer, NIK digits,
-- name, birth date), and a review row: that worker and one candidate participant. Hashes of the
-- values themselves, so the same pair has the same id in every run and period.
create or replace macro linkage_worker_id(employer_key, nik, full_name, birth_date) as
    left(md5(concat_ws(chr(31), employer_key, nik, full_name, coalesce(birth_date::varchar, ''))), 16);
create or replace macro review_id(worker_id, candidate_nik) as
    left(md5(worker_id || chr(31) || coalesce(candidate_nik, '')), 16);
