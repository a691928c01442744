{#- A Reddit post id or subreddit as one key: lower case, without `t3_`, `r/` or `/r/`. -#}
{% macro reddit_key(column) -%}
    lower(regexp_replace(trim({{ column }}), '^(t3_|/?r/)', ''))
{%- endmacro %}
