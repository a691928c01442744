{{ match_daily_grosses(ref('stg_box_office__daily_grosses')) }}
