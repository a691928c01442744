{#- The UTC calendar day of a timestamptz, from its microseconds since 1970 (floored, so
    days before 1970 are right too). Same as `(ts at time zone 'UTC')::date`, whatever the
    session's time zone, but much faster: it does no time-zone conversion per row. -#}
{% macro utc_date(ts) -%}
    (date '1970-01-01' + (epoch_us({{ ts }}) // 86400000000 - (epoch_us({{ ts }}) % 86400000000 < 0)::bigint)::integer)
{%- endmacro %}
