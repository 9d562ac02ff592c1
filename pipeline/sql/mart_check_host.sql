-- grain: one row per current census member per census wave, with the roster and host-register
-- entries matched to it (if any)
-- Matching: the keyed ID hash first; rows left over, by name + birth month (flagged weaker,
-- and only where that key is unique on both sides, so homonyms never pair up by chance).
-- A roster is checked within its township and wave; a host register lists members of every
-- township, so it is matched county-wide within the wave.
create or replace table mart_check_host as
with census as (
    select
        rowid as member_row,
        wave,
        township,
        id_hash,
        name || '|' || coalesce(strftime(birth_date, '%Y-%m'), '') as person
    from members
    where is_current
),

host as (
    select
        rowid as host_row,
        wave,
        id_hash,
        name || '|' || coalesce(strftime(birth_date, '%Y-%m'), '') as person
    from register_rows
    where is_current and kind = 'host'
),

roster as (
    select
        rowid as roster_row,
        wave,
        township,
        id_hash,
        name || '|' || coalesce(strftime(birth_date, '%Y-%m'), '') as person
    from register_rows
    where is_current and kind = 'roster'
),

host_by_id as (
    select c.member_row, min(h.host_row) as host_row
    from census as c
    inner join host as h on h.wave = c.wave and h.id_hash = c.id_hash
    group by c.member_row
),

host_by_person as (
    select c.member_row, h.host_row
    from (
        select *, count(*) over (partition by wave, person) as n from census
        where member_row not in (select member_row from host_by_id)
    ) as c
    inner join (
        select *, count(*) over (partition by wave, person) as n from host
        where host_row not in (select host_row from host_by_id)
    ) as h on h.wave = c.wave and h.person = c.person
    where c.n = 1 and h.n = 1
),

roster_by_id as (
    select c.member_row, min(r.roster_row) as roster_row
    from census as c
    inner join roster as r
        on r.wave = c.wave and r.township = c.township and r.id_hash = c.id_hash
    group by c.member_row
),

roster_by_person as (
    select c.member_row, r.roster_row
    from (
        select *, count(*) over (partition by wave, township, person) as n from census
        where member_row not in (select member_row from roster_by_id)
    ) as c
    inner join (
        select *, count(*) over (partition by wave, township, person) as n from roster
        where roster_row not in (select roster_row from roster_by_id)
    ) as r on r.wave = c.wave and r.township = c.township and r.person = c.person
    where c.n = 1 and r.n = 1
),

rosters_given as (
    select distinct wave, township from roster
),

final as (
    select
        c.member_row,
        c.wave,
        c.township,
        coalesce(hi.host_row, hp.host_row) as host_row,
        case
            when hi.host_row is not null then '身份证号'
            when hp.host_row is not null then '姓名+出生年月（较弱）'
        end as host_match,
        g.township is not null as roster_given,
        coalesce(ri.roster_row, rp.roster_row) as roster_row,
        case
            when ri.roster_row is not null then '身份证号'
            when rp.roster_row is not null then '姓名+出生年月（较弱）'
        end as roster_match
    from census as c
    left join host_by_id as hi on hi.member_row = c.member_row
    left join host_by_person as hp on hp.member_row = c.member_row
    left join roster_by_id as ri on ri.member_row = c.member_row
    left join roster_by_person as rp on rp.member_row = c.member_row
    left join rosters_given as g on g.wave = c.wave and g.township = c.township
)

select * from final
