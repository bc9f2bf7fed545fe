-- partition: province
-- What record linkage concluded for each payroll worker it compared (int_linkage_outcomes): the
-- outcome, the participant matched (its reported wage) or the closest one, and the evidence in
-- words that the lists carry (CONTRACT.md section 5): the closest participant (masked NIK, name),
-- the match probability, and each comparison's level.
select
    o.component,
    o.nik,
    o.worker_id,
    o.outcome,
    o.matched_by,
    o.review_id,
    round(o.match_probability, 4) as match_probability,
    o.candidate_nik,
    p.full_name as candidate_full_name,
    if(o.outcome = 'registered', p.reported_wage, null) as reported_wage,
    case
        when o.candidate_nik is null then 'tidak ada peserta aktif pemberi kerja ini yang mirip'
        else concat(
            if(o.outcome = 'registered', 'dicocokkan dengan peserta ', 'peserta terdekat: '),
            mask_nik(o.candidate_nik), ' ', p.full_name,
            ' (peluang sama orang ', printf('%.1f', 100 * o.match_probability), ' %',
            if(o.matched_by = 'keputusan', ', diputuskan orang yang sama', ''), '): ',
            concat_ws('; ',
                'NIK ' || o.nik_level,
                'nama ' || o.name_level,
                'tanggal lahir ' || o.birth_date_level,
                'kode NIK ' || o.nik_code_level)
        )
    end as evidence
from int_linkage_outcomes as o
left join int_linkage_participants as p on p.component = o.component and p.nik = o.candidate_nik
