-- partition: province
-- Each name record linkage compares, normalised by the rules of pipeline/reference/name_rules.csv
-- (its SOURCE.md entry says how): upper case, accents and punctuation gone, titles and degrees
-- dropped, abbreviations expanded, bin/binti and the father's name dropped, old spelling made
-- new. Kept as the words in order (`name_norm`), in alphabetical order (`name_sorted`, for
-- names typed in another order), the list of words, the first (given name) and the last.
with names as (
    select full_name from int_linkage_workers
    union
    select full_name from int_linkage_participants
),

rules as (
    select rule, token, coalesce(replacement, '') as replacement
    from ref_name_rules
    where rule in ('gelar', 'singkatan', 'patronim')
),

spelling as (
    select coalesce(list({'old': token, 'new': coalesce(replacement, '')} order by token), []) as changes
    from ref_name_rules
    where rule = 'ejaan'
),

words as (
    select names.full_name, word.pos, word.word, regexp_replace(word.word, '[^A-Z]', '', 'g') as letters
    from names,
        unnest(string_split_regex(upper(strip_accents(names.full_name)), '[\s,;/]+'))
            with ordinality as word(word, pos)
),

pieces as (
    -- a word that is a rule's token once its dots are gone (S.T., A.Md.) stays whole; any other
    -- is split at its dots (M.RIZKI), and other non-letters go (NUR'AINI)
    select words.full_name, words.pos * 1000 + piece.part_pos as pos, piece.part
    from words
    left join rules on rules.token = words.letters,
        unnest(if(rules.token is not null, [words.letters],
            list_transform(string_split(words.word, '.'), lambda part: regexp_replace(part, '[^A-Z]', '', 'g'))))
            with ordinality as piece(part, part_pos)
    where piece.part <> ''
),

ruled as (
    select
        pieces.full_name,
        pieces.pos,
        rules.rule,
        list_reduce(spelling.changes, lambda done, change: replace(done, change.old, change.new),
            if(rules.rule = 'singkatan', rules.replacement, pieces.part)) as word,
        min(pieces.pos) filter (where rules.rule = 'patronim')
            over (partition by pieces.full_name) as patronym_at
    from pieces
    cross join spelling
    left join rules on rules.token = pieces.part
),

kept as (
    select full_name, pos, word
    from ruled
    where rule is distinct from 'gelar'
        and rule is distinct from 'patronim'
        and (patronym_at is null or pos < patronym_at)
        and word <> ''
)

select
    names.full_name,
    string_agg(kept.word, ' ' order by kept.pos) as name_norm,
    string_agg(kept.word, ' ' order by kept.word) as name_sorted,
    list(kept.word order by kept.pos) as name_words,
    arg_min(kept.word, kept.pos) as given_name,
    if(count(kept.word) > 1, arg_max(kept.word, kept.pos), null) as last_name
from names
left join kept using (full_name)
group by names.full_name
