{#- Schemas are the lake's layers (staging, intermediate, audit), not per-developer
    prefixes: use the configured schema name as it is. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {{ custom_schema_name if custom_schema_name is not none else target.schema }}
{%- endmacro %}
