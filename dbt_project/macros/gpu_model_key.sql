{#- The key that matches a GPU model across the farm manager, nvidia-smi and the rate
    card: lower-cased, runs of spaces collapsed, trimmed. -#}
{% macro gpu_model_key(column) -%}
    lower(trim(regexp_replace({{ column }}, '\s+', ' ', 'g')))
{%- endmacro %}
