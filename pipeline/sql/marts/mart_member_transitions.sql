-- grain: one row per member and township wave pair (previous wave → wave): every member
-- registered in either wave, matched by ID hash, else by name + birth month + branch
-- Status per wave is 正常 / 失联 (outflow) or 返乡; a member missing on one side is 未登记.
-- The previous wave is the township's own previous census, so a township that skipped a
-- county wave is compared with what it last submitted.
-- Each side carries only what the output needs, and the previous side's status travels with
-- the match: at ten million members, joining wide rows back cost more than the matching.
create or replace table mart_member_transitions as
with members as not materialized (
    -- narrow, and scanned where used rather than copied: at ten million members a copy of
    -- the table cost more than the matching; `member_row` identifies a row in every scan
    select
        member_row as rid,
        wave,
        township,
        coalesce(nullif(trim(branch), ''), '未注明支部') as branch,
        member_key,
        id_hash,
        case
            when coalesce(is_returned, false) then '返乡'
            when contact_status = '失联' then '失联'
            else '正常'
        end as status
    from stg_members
),

wave_pairs as (
    select
        township,
        wave,
        lag(wave) over (partition by township order by wave) as prev_wave
    from (select distinct township, wave from stg_members)
),

-- rows of a wave that has a previous one, and rows of a wave that is someone's previous one
cur as (
    select m.rid, m.township, m.wave, m.branch, m.member_key, m.id_hash, m.status, p.prev_wave
    from members as m
    inner join wave_pairs as p using (township, wave)
    where p.prev_wave is not null
),

prev as (
    select m.rid, m.township, m.wave, m.branch, m.member_key, m.id_hash, m.status, p.wave as next_wave
    from members as m
    inner join wave_pairs as p on m.township = p.township and m.wave = p.prev_wave
),

by_id as (
    select c.rid as cur_rid, min(p.rid) as prev_rid, arg_min(p.status, p.rid) as prev_status
    from cur as c
    inner join prev as p
        on c.township = p.township and c.prev_wave = p.wave and c.id_hash = p.id_hash
    group by c.rid
),

-- rows the ID pass left open, kept apart first so that only they fetch name and birth month
cur_left as materialized (
    select c.rid, c.township, c.prev_wave, c.branch, c.id_hash
    from cur as c
    where not exists (select 1 from by_id as b where b.cur_rid = c.rid)
),

prev_left as materialized (
    select p.rid, p.township, p.wave, p.branch, p.id_hash, p.status
    from prev as p
    where not exists (select 1 from by_id as b where b.prev_rid = p.rid)
),

cur_open as (
    select c.*, m.name || '|' || coalesce(strftime(m.birth_date, '%Y-%m'), '') as person
    from cur_left as c
    inner join stg_members as m on m.member_row = c.rid
),

prev_open as (
    select p.*, m.name || '|' || coalesce(strftime(m.birth_date, '%Y-%m'), '') as person
    from prev_left as p
    inner join stg_members as m on m.member_row = p.rid
),

-- Fallback pass: only rows the ID pass left over, and only when not contradicted by two
-- different ID numbers; homonyms in one branch pair up in row order.
by_person as (
    select c.rid as cur_rid, p.rid as prev_rid, p.status as prev_status
    from (
        select *, row_number() over (partition by township, prev_wave, branch, person order by rid) as nth
        from cur_open
    ) as c
    inner join (
        select *, row_number() over (partition by township, wave, branch, person order by rid) as nth
        from prev_open
    ) as p
        on c.township = p.township
        and c.prev_wave = p.wave
        and c.branch = p.branch
        and c.person = p.person
        and c.nth = p.nth
    where c.id_hash is null or p.id_hash is null
),

pairs as (
    select cur_rid, prev_rid, prev_status, '身份证号' as match_method from by_id
    union all
    select cur_rid, prev_rid, prev_status, '姓名+出生年月+支部' from by_person
),

-- Every current-side row with its match (if any), then every previous-side row nobody
-- matched: the full outer join of the two sides, without carrying wide rows through it.
joined as (
    select
        c.township,
        c.wave,
        c.prev_wave,
        c.branch,
        c.member_key,
        pairs.match_method,
        coalesce(pairs.prev_status, '未登记') as prev_status,
        c.status as cur_status
    from cur as c
    left join pairs on pairs.cur_rid = c.rid
    union all
    select
        p.township,
        p.next_wave as wave,
        p.wave as prev_wave,
        p.branch,
        p.member_key,
        null as match_method,
        p.status as prev_status,
        '未登记' as cur_status
    from prev as p
    where not exists (select 1 from pairs where pairs.prev_rid = p.rid)
),

final as (
    select
        *,
        case
            when cur_status = '失联' and prev_status = '失联' then '持续失联'
            when cur_status = '失联' and prev_status = '正常' then '新增失联'
            when cur_status = '正常' and prev_status = '失联' then '恢复联系'
            when cur_status = '正常' and prev_status = '正常' then '保持正常'
            when cur_status in ('正常', '失联') then '新增流出'
            when cur_status = '返乡' and prev_status = '返乡' then '持续返乡'
            when cur_status = '返乡' then '返乡'
            else '不再登记'
        end as transition
    from joined
)

select * from final
