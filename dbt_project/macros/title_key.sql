{#- The key that matches a chart row to a film when the chart gives no film_id: the title
    lower-cased with everything but a-z and 0-9 removed, so "LEVEL ZERO!" = "Level Zero".
    The loader applies the same rule (its own `title_key` SQL macro) in the box-office
    unknown-film check: change both together, or rows that ingestion accepted will not
    find their film here. -#}
{% macro title_key(column) -%}
    regexp_replace(lower({{ column }}), '[^a-z0-9]+', '', 'g')
{%- endmacro %}
