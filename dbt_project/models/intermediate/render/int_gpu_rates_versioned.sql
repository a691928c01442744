with

gpu_rates as (

    select * from {{ ref('stg_render__gpu_rates') }}

),

-- A price holds until the same model's next price: each row of the rate card is a version
-- of the model's price, valid from effective_from until the next version's.
final as (

    select
        gpu_model,
        gpu_model_key,
        usd_per_hour,
        effective_from,
        lead(effective_from) over (
            partition by gpu_model_key order by effective_from
        ) as effective_until

    from gpu_rates

)

select * from final
