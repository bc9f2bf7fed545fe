-- The workers behind each finding. Full NIKs stay here for the restricted referral files; the
-- published list carries only the masked NIK.
with unregistered as (
    select component, 'PWBD' as category, m.* exclude (component)
    from int_worker_matches as m
    where not m.is_registered_worker and component in (select component from findings_pwbd)
    union all
    select component, 'PDS_TK', m.* exclude (component)
    from int_worker_matches as m
    where not m.is_registered_worker and component in (select component from findings_pds_tk)
)

select
    getvariable('period') as period,
    unregistered.category,
    employers.employer_key,
    unregistered.nik,
    mask_nik(unregistered.nik) as nik_masked,
    unregistered.full_name,
    unregistered.gross_wage,
    unregistered.reported_wage,
    unregistered.matched_by
from unregistered
join int_employers as employers using (component)
order by unregistered.category, employers.employer_key, unregistered.nik
