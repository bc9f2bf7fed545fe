-- partition: province
-- Contribution rates in force in the period for each employer: the programs mandatory for its
-- scale (all four when the scale is unknown), JKK by the risk class of its KBLI section (class 3
-- when unknown), and the JP wage cap. Rates are percentages of the wage.
with period as (
    select getvariable('period_start') as on_date
),

risk_classes as (
    select kbli_section, risk_class
    from ref_kbli_section_risk_classes, period
    where in_force(effective_from, on_date)
    qualify effective_from = max(effective_from) over (partition by kbli_section)
),

jkk as (
    select risk_class, rate_pct::double as rate
    from ref_jkk_risk_classes, period
    where in_force(effective_from, on_date)
    qualify effective_from = max(effective_from) over (partition by risk_class)
),

programs as (
    select program, rate_pct::double as rate
    from ref_program_rates, period
    where in_force(effective_from, on_date)
    qualify effective_from = max(effective_from) over (partition by program)
),

jp_cap as (
    select max_by(wage_cap::double, effective_from::date) as wage_cap
    from ref_jp_wage_caps, period
    where in_force(effective_from, on_date)
),

mandatory as (
    select scale, list(program order by program) as programs
    from ref_mandatory_programs
    group by scale
),

employers as (
    select
        e.component,
        e.scale,
        e.kbli_section,
        coalesce(risk_classes.risk_class, '3') as risk_class,
        coalesce(mandatory.programs, ['JHT', 'JKK', 'JKM', 'JP']) as mandatory_programs
    from int_employers as e
    left join risk_classes using (kbli_section)
    left join mandatory using (scale)
)

select
    employers.component,
    employers.scale,
    employers.kbli_section,
    employers.risk_class,
    employers.mandatory_programs,
    if(list_contains(mandatory_programs, 'JKK'), jkk.rate, 0) as jkk_pct,
    if(list_contains(mandatory_programs, 'JKM'), (select rate from programs where program = 'JKM'), 0)
        as jkm_pct,
    if(list_contains(mandatory_programs, 'JHT'), (select rate from programs where program = 'JHT'), 0)
        as jht_pct,
    if(list_contains(mandatory_programs, 'JP'), (select rate from programs where program = 'JP'), 0)
        as jp_pct,
    (select wage_cap from jp_cap) as jp_wage_cap
from employers
left join jkk using (risk_class)
