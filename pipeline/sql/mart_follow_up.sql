-- grain: one row per member needing follow-up per census wave (失联, 两不管, 超180天未联系):
-- current, not returned members only; who, why and in which order, decided once here.
-- The 失联 page lists the first 500 of a view; at ten million members deciding who needs
-- follow-up on every page view cost more than the page's whole budget, and most members need
-- none. No personal data here: the page takes its 500 rows' details from stg_members by
-- `member_row` and masks them there.
create or replace table mart_follow_up as
with m as (
    select
        member_row,
        wave,
        township,
        coalesce(nullif(trim(branch), ''), '未注明支部') as branch,
        contact_status,
        inflow_org,
        date_diff('day', last_contact_date, wave_end) as days_since_contact,
        last_contact_date is null
            or date_diff('day', last_contact_date, wave_end) > 180 as stale
    from stg_members
    where not coalesce(is_returned, false)
),

flagged as (
    select
        *,
        case
            when contact_status = '失联' then '失联'
            when stale and nullif(trim(inflow_org), '') is null then '两不管'
            when stale then '超180天未联系'
        end as reason
    from m
),

final as (
    select
        member_row,
        wave,
        township,
        branch,
        days_since_contact,
        reason,
        case reason when '失联' then 0 when '两不管' then 1 else 2 end as reason_rank
    from flagged
    where reason is not null
)

select * from final
order by wave, township, reason_rank, days_since_contact desc nulls first, branch
