-- grain: one row per member among the first 500 of a census wave's county-wide follow-up list
-- The county view of the 失联 page lists the first 500 of mart_follow_up in its order (reason,
-- longest without contact, township, branch); taken here once per ingest with what the list
-- shows (as stored: the named query masks names and phones for the role). At ten million
-- members, finding those 500 rows among the wave's hundreds of thousands and looking each up
-- in the member table cost more than the page's budget on every view. 500 is the list's cap
-- in `pipeline/queries/analysis.py` `follow_up`.
-- Only the (reason, days without contact) groups that reach into the first 500 (counted
-- first, in list order) are ranked, and only the 500 fetch their details.
create or replace table mart_follow_up_county as
with per_step as (
    select wave, reason_rank, days_since_contact, count(*) as n
    from mart_follow_up
    group by wave, reason_rank, days_since_contact
),

reaching as (
    -- a group whose rows start before the 500th of its wave
    select wave, reason_rank, days_since_contact
    from per_step
    qualify sum(n) over (
        partition by wave order by reason_rank, days_since_contact desc nulls first
    ) - n < 500
),

picked as (
    select f.*
    from mart_follow_up as f
    semi join reaching as r
        on r.wave = f.wave and r.reason_rank = f.reason_rank
        and r.days_since_contact is not distinct from f.days_since_contact
    qualify row_number() over (
        partition by f.wave
        order by f.reason_rank, f.days_since_contact desc nulls first, f.township, f.branch,
            f.member_row
    ) <= 500
),

final as (
    select
        p.wave,
        p.member_row,
        p.township,
        p.branch,
        p.reason,
        p.reason_rank,
        p.days_since_contact,
        m.name,
        m.gender,
        m.phone,
        m.id_masked,
        coalesce(
            nullif(case when m.dest_city is null or m.dest_city = m.dest_province
                        then m.dest_province else m.dest_province || m.dest_city end, ''),
            m.destination_text
        ) as destination,
        m.outflow_date,
        m.last_contact_date
    from picked as p
    inner join members as m on m.rowid = p.member_row
)

select * from final
