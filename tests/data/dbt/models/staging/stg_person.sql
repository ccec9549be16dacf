select
    person_id,
    gender_concept_id,
    year_of_birth
from {{ source('cdm', 'person') }}
