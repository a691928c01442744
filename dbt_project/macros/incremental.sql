{#- Incremental passes. The pipeline passes `since`: per source, the newest `_loaded_at` of
    raw rows that the last published build had already seen. A row loaded after that is
    new to this pass; a full refresh, or a source never built, treats every row as new. -#}
{% macro since(source_name) -%}
    {%- set watermark = var('since', {}).get(source_name) -%}
    {%- if flags.FULL_REFRESH or not watermark -%}
        '-infinity'::timestamptz
    {%- else -%}
        '{{ watermark }}'::timestamptz
    {%- endif -%}
{%- endmacro %}


{#- The `replace_partitions` strategy: delete every row of the partitions this pass
    recomputes (config `partitions`: a model listing their `unique_key` values), then insert
    the recomputed rows. Unlike `delete+insert`, a partition left with no rows at all (chart
    rows matched to another film) is emptied too. -#}
{% macro get_incremental_replace_partitions_sql(arg_dict) %}
    {%- set target = arg_dict["target_relation"] -%}
    {%- set key = arg_dict["unique_key"] -%}
    {%- set columns = get_quoted_csv(arg_dict["dest_columns"] | map(attribute="name")) -%}
    delete from {{ target }}
    where {{ key }} in (select {{ key }} from {{ ref(config.require('partitions')) }});
    insert into {{ target }} ({{ columns }})
    select {{ columns }} from {{ arg_dict["temp_relation"] }}
{% endmacro %}
