-- grain: one row per member needing follow-up per census wave (失联, 两不管, 超180天未联系):
-- current, not returned members only; who, why and in which order, decided once here.
-- The reason is int_member_flags.primary_reason, the one partition of §5's overlapping tests
-- (each person under one reason), so the list and the follow-up cards can never disagree.
-- Materialised because at ten million members deciding who needs follow-up on every page
-- view cost more than the page's whole budget, and most members need none. No personal data
-- here: the page takes its 500 rows' details from stg_members by `member_row` and masks them.
create or replace table mart_follow_up as
with flagged as (
    select
        member_row,
        wave,
        township,
        branch,
        date_diff('day', last_contact_date, wave_end) as days_since_contact,
        primary_reason as reason
    from int_member_flags
    where is_out and primary_reason is not null
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
)

select * from final
order by wave, township, reason_rank, days_since_contact desc nulls first, branch
