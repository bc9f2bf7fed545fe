-- Parsers from the text agencies send to typed values (CONTRACT.md section 1).
-- Each turns what it cannot read into null; the expectation suites decide what null means.

-- Most values arrive in the contract's own form: a parser that has a fast path returns such a
-- value as it is after one cheap full match, and only the others take its general path, the
-- macro of the same name ending in `_any` (tests/unit/test_ingest.py holds the two to the same
-- answers). On payroll's 4.6 M-row CSV this saves about a sixth of ingest's CPU time.

-- Most values need only trimming: the regular expression runs only where there is a run of
-- spaces or other white space (RE2's \s: tab, newline, form feed, carriage return, space),
-- looked for as five plain substrings, cheaper than one character class.
create or replace macro clean_text(x) as
    nullif(trim(
        case when contains(x, '  ') or contains(x, chr(9)) or contains(x, chr(10))
                  or contains(x, chr(12)) or contains(x, chr(13))
             then regexp_replace(x, '\s+', ' ', 'g') else x end
    ), '');

create or replace macro clean_upper(x) as upper(clean_text(x));

-- Identifiers may carry punctuation; only their digits (and letters, which make them invalid) count.
create or replace macro ident_chars(x) as nullif(regexp_replace(upper(x), '[^0-9A-Z]', '', 'g'), '');

-- Most identifiers are digits only: matching that is much cheaper than rewriting them. Such a
-- fast path would defeat DuckDB's reuse of `ident_chars(x)` where an expression names it several
-- times (parse_npwp: three times slower), so only clean_ident, which names it once, has one.
create or replace macro clean_ident(x) as
    case when regexp_full_match(x, '[0-9]+') then x else ident_chars(x) end;

create or replace macro parse_nib_any(x) as
    case when regexp_full_match(ident_chars(x), '[0-9]{13}') then ident_chars(x) end;

create or replace macro parse_nib(x) as
    case when regexp_full_match(x, '[0-9]{13}') then x else parse_nib_any(x) end;

-- A 15-digit NPWP and the same digits with a leading 0 are the same taxpayer: keep 16 digits.
-- No fast path: in front of this CASE one made it three times slower (DuckDB then evaluates
-- ident_chars(x) once per mention).
create or replace macro parse_npwp(x) as
    case
        when regexp_full_match(ident_chars(x), '[0-9]{16}') then ident_chars(x)
        when regexp_full_match(ident_chars(x), '[0-9]{15}') then '0' || ident_chars(x)
    end;

create or replace macro clean_document(x) as clean_upper(x);

-- `Rp 4.500.000,00` -> `4.500.000,00`: currency, spaces and a trailing `,-` carry no value.
create or replace macro amount_text(x) as
    regexp_replace(regexp_replace(upper(trim(x)), '^RP\.?', ''), '\s|,-$', '', 'g');

-- Dots are thousands separators when they group by three (Indonesian), commas likewise
-- (English); otherwise the single separator is the decimal mark.
create or replace macro parse_amount_any(x) as
    case
        when regexp_full_match(amount_text(x), '-?[0-9]{1,3}(\.[0-9]{3})+(,[0-9]*)?')
            then try_cast(replace(replace(amount_text(x), '.', ''), ',', '.') as double)
        when regexp_full_match(amount_text(x), '-?[0-9]{1,3}(,[0-9]{3})+(\.[0-9]*)?')
            then try_cast(replace(amount_text(x), ',', '') as double)
        when regexp_full_match(amount_text(x), '-?[0-9]+,[0-9]+')
            then try_cast(replace(amount_text(x), ',', '.') as double)
        when regexp_full_match(amount_text(x), '-?[0-9]+(\.[0-9]+)?')
            then try_cast(amount_text(x) as double)
    end;

create or replace macro parse_amount(x) as
    case when regexp_full_match(x, '[0-9]+') then try_cast(x as double) else parse_amount_any(x) end;

create or replace macro parse_count(x) as parse_amount(x);

-- Parquet cells that are already numbers (readers.py). A whole number is its own value, which
-- parse_amount would only read back from its text (about a fifth of the participants' ingest).
-- Any other number takes the text path, so it reads as the same number typed as text would.
create or replace macro typed_amount(x) as
    case
        when x = trunc(x) and abs(x) < 1e18 then x::double
        else parse_amount(coalesce(x::varchar, ''))
    end;

-- A two-digit year is the latest such year not after the period (contract section 4): the
-- period's year is the variable `period_year`, which ingest sets (else the current year).
create or replace macro full_year(yy) as
    case when 2000 + yy <= coalesce(getvariable('period_year'), year(current_date)) then 2000 + yy
         else 1900 + yy end;

-- A spreadsheet date-time keeps only its date; the contract's three spellings are accepted, and
-- DD/MM/YY or DD-MM-YY with a two-digit year.
create or replace macro parse_date_any(x) as
    case
        when regexp_matches(trim(x), '^[0-9]{1,2}[-/][0-9]{1,2}[-/][0-9]{2}(?:$|[^0-9])')
            then try_strptime(
                regexp_extract(trim(x), '^([0-9]{1,2}[-/][0-9]{1,2}[-/])', 1)
                    || full_year(try_cast(regexp_extract(trim(x), '^[0-9]{1,2}[-/][0-9]{1,2}[-/]([0-9]{2})', 1) as int)),
                ['%d/%m/%Y', '%d-%m-%Y']
            )::date
        else try_strptime(
            regexp_extract(trim(x), '^[0-9]{1,4}[-/][0-9]{1,2}[-/][0-9]{1,4}'),
            ['%Y-%m-%d', '%d/%m/%Y', '%d-%m-%Y', '%Y/%m/%d']
        )::date
    end;

create or replace macro parse_date(x) as
    case when regexp_full_match(x, '[0-9]{4}-[0-9]{2}-[0-9]{2}') then try_strptime(x, '%Y-%m-%d')::date
         else parse_date_any(x) end;

-- A date or date-time cell is its date, as parse_date reads it from the cell's text.
create or replace macro typed_date(x) as x::date;

create or replace macro parse_region_any(x) as
    case
        when regexp_full_match(trim(x), '[0-9]{2}\.?[0-9]{2}')
            then left(replace(trim(x), '.', ''), 2) || '.' || right(replace(trim(x), '.', ''), 2)
        else clean_text(x)
    end;

create or replace macro parse_region(x) as
    case when regexp_full_match(x, '[0-9]{2}\.[0-9]{2}') then x else parse_region_any(x) end;

create or replace macro parse_kbli(x) as clean_ident(x);

create or replace macro parse_programs(x) as
    nullif(array_to_string(list_sort(list_distinct(
        list_filter(regexp_split_to_array(upper(coalesce(x, '')), '[;,/|\s]+'), lambda p: p <> '')
    )), ';'), '');

create or replace macro parse_period_any(x) as
    case
        when regexp_full_match(trim(x), '[0-9]{4}-[0-9]{1,2}')
            then strftime(try_strptime(trim(x) || '-01', '%Y-%m-%d'), '%Y-%m')
        when regexp_full_match(trim(x), '[0-9]{6}')
            then strftime(try_strptime(trim(x) || '01', '%Y%m%d'), '%Y-%m')
        when regexp_full_match(trim(x), '[0-9]{1,2}[-/][0-9]{4}')
            then strftime(try_strptime('01-' || replace(trim(x), '/', '-'), '%d-%m-%Y'), '%Y-%m')
        else strftime(parse_date(x), '%Y-%m')
    end;

create or replace macro parse_period(x) as
    case when regexp_full_match(x, '[1-9][0-9]{3}-(0[1-9]|1[0-2])') then x else parse_period_any(x) end;
