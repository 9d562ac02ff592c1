-- grain: one row per current census member a register concerns (its township-wave has a
-- roster, or a host register lists them), per census wave, with the entries matched to it
-- Members no register concerns are left out, so without registers the table is empty and
-- the models that join it cost nothing.
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

-- the name fallback only looks at what the ID pass left: host rows first (few), then the
-- census rows naming the same person, so a county without host registers does no work here
host_left as materialized (
    select h.*
    from host as h
    where not exists (select 1 from host_by_id as b where b.host_row = h.host_row)
),

census_for_host as materialized (
    select c.member_row, c.wave, c.person
    from census as c
    semi join (select distinct wave, person from host_left) as l
        on l.wave = c.wave and l.person = c.person
    where not exists (select 1 from host_by_id as b where b.member_row = c.member_row)
),

host_by_person as (
    select c.member_row, h.host_row
    from (select *, count(*) over (partition by wave, person) as n from census_for_host) as c
    inner join (select *, count(*) over (partition by wave, person) as n from host_left) as h
        on h.wave = c.wave and h.person = c.person
    where c.n = 1 and h.n = 1
),

roster_by_id as (
    select c.member_row, min(r.roster_row) as roster_row
    from census as c
    inner join roster as r
        on r.wave = c.wave and r.township = c.township and r.id_hash = c.id_hash
    group by c.member_row
),

roster_left as materialized (
    select r.*
    from roster as r
    where not exists (select 1 from roster_by_id as b where b.roster_row = r.roster_row)
),

census_for_roster as materialized (
    select c.member_row, c.wave, c.township, c.person
    from census as c
    semi join (select distinct wave, township, person from roster_left) as l
        on l.wave = c.wave and l.township = c.township and l.person = c.person
    where not exists (select 1 from roster_by_id as b where b.member_row = c.member_row)
),

roster_by_person as (
    select c.member_row, r.roster_row
    from (
        select *, count(*) over (partition by wave, township, person) as n
        from census_for_roster
    ) as c
    inner join (
        select *, count(*) over (partition by wave, township, person) as n from roster_left
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
    where g.township is not null or hi.host_row is not null or hp.host_row is not null
)

select * from final
