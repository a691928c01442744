{#- dbt_utils.unique_combination_of_columns without the package (nothing can be
    downloaded at run time): fails with one row per duplicated key. Keys are first
    grouped by one 64-bit hash (faster than grouping many keys on the columns
    themselves); only the rare repeated hashes are then compared column by column, so a
    collision can never be reported as a duplicate. -#}
{% test unique_combination(model, combination) %}

with

repeated_hashes as (

    select hash({{ combination | join(', ') }}) as key_hash
    from {{ model }}
    group by 1
    having count(*) > 1

)

select
    {{ combination | join(', ') }},
    count(*) as duplicate_rows
from {{ model }}
where hash({{ combination | join(', ') }}) in (select key_hash from repeated_hashes)
group by {{ combination | join(', ') }}
having count(*) > 1

{% endtest %}
