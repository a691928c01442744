{{ deduplicate_daily_grosses(ref('int_daily_grosses_matched')) }}
