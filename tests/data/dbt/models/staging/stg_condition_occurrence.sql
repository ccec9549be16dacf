select
    condition_occurrence_id,
    person_id,
    visit_occurrence_id,
    condition_concept_id,
    condition_start_date
from {{ source('cdm', 'condition_occurrence') }}
