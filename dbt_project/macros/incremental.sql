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
    recomputes (config `partitions`: a model listing their `unique_key` values, one column
    or several), then insert the recomputed rows. Unlike `delete+insert`, a partition left
    with no rows at all (chart rows matched to another film) is emptied too. Keys compare
    null-safe: a partition with a null key is replaced like any other, never duplicated. -#}
{% macro get_incremental_replace_partitions_sql(arg_dict) %}
    {%- set target = arg_dict["target_relation"] -%}
    {%- set keys = [arg_dict["unique_key"]] if arg_dict["unique_key"] is string else arg_dict["unique_key"] -%}
    {%- set columns = get_quoted_csv(arg_dict["dest_columns"] | map(attribute="name")) -%}
    delete from {{ target }}
    where exists (
        select 1 from {{ ref(config.require('partitions')) }} as partitions
        where
        {%- for key in keys %}
            {{ "and " if not loop.first }}partitions.{{ key }} is not distinct from {{ target }}.{{ key }}
        {%- endfor %}
    );
    insert into {{ target }} ({{ columns }})
    select {{ columns }} from {{ arg_dict["temp_relation"] }}
{% endmacro %}


{#- The rows of `relation` in this pass's partitions (model `partitions`, keyed on `keys`),
    null-safe like the strategy above: `from {{ in_partitions(...) }}`. -#}
{% macro in_partitions(relation, partitions, keys) -%}
    {{ relation }} as scoped
    semi join {{ ref(partitions) }} as partitions on
    {%- for key in keys %}
        {{ "and " if not loop.first }}scoped.{{ key }} is not distinct from partitions.{{ key }}
    {%- endfor %}
{%- endmacro %}
