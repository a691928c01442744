{#- dbt_utils.unique_combination_of_columns without the package (nothing can be
    downloaded at run time): fails with one row per duplicated key. -#}
{% test unique_combination(model, combination) %}

select
    {{ combination | join(', ') }},
    count(*) as duplicate_rows
from {{ model }}
group by {{ combination | join(', ') }}
having count(*) > 1

{% endtest %}
