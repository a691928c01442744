with

rate_card as (

    select * from {{ ref('gpu_rate_card') }}

),

final as (

    select
        gpu_model,
        -- The farm manager and nvidia-smi may spell a model with other case or spacing.
        {{ gpu_model_key('gpu_model') }} as gpu_model_key,
        usd_per_hour,
        effective_from

    from rate_card

)

select * from final
