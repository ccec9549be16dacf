-- persons per condition, visit type and gender: counts only, no patient-level rows
select
    c.condition_concept_id,
    v.visit_concept_id,
    p.gender_concept_id,
    count(distinct c.person_id) as person_count
from {{ ref('stg_condition_occurrence') }} as c
join {{ ref('stg_person') }} as p on p.person_id = c.person_id
left join {{ ref('stg_visit_occurrence') }} as v on v.visit_occurrence_id = c.visit_occurrence_id
group by c.condition_concept_id, v.visit_concept_id, p.gender_concept_id
