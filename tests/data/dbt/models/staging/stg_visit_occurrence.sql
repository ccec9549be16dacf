select
    visit_occurrence_id,
    visit_concept_id
from {{ source('cdm', 'visit_occurrence') }}
