-- timestamptz in the session's TimeZone: text output with the zone's offset
-- at the instant (DST, historical offsets), input without an offset read in
-- the zone, casts, date_trunc / extract / to_char / AT TIME ZONE
SET DateStyle = 'ISO, MDY';
SET TimeZone = 'Asia/Tokyo';
SHOW TimeZone;
SELECT '2023-04-22 08:00:00+00'::timestamptz AS utc_in, '2023-04-22 17:00:00'::timestamptz AS local_in;
SELECT '2023-04-22 17:00:00.123456'::timestamptz AS frac, 'infinity'::timestamptz AS inf,
       '-infinity'::timestamptz AS ninf;
SELECT '2023-04-22 17:00:00'::timestamptz = '2023-04-22 08:00:00Z'::timestamptz AS same_instant;
-- Europe/Berlin: CET/CEST, the DST gap and overlap, historical offsets
SET TimeZone = 'Europe/Berlin';
SELECT '2023-01-15 12:00:00+00'::timestamptz AS winter, '2023-07-15 12:00:00+00'::timestamptz AS summer;
SELECT '2023-03-26 00:59:59+00'::timestamptz AS before_spring, '2023-03-26 01:00:00+00'::timestamptz AS after_spring;
SELECT '2023-10-29 00:30:00+00'::timestamptz AS before_fall, '2023-10-29 01:30:00+00'::timestamptz AS after_fall;
SELECT '2023-03-26 02:30:00'::timestamptz AS in_gap, '2023-10-29 02:30:00'::timestamptz AS in_overlap;
SELECT '1850-06-01 12:00:00'::timestamptz AS lmt, '1945-06-01 12:00:00'::timestamptz AS double_summer,
       '1916-07-01 12:00:00'::timestamptz AS first_dst;
SELECT '2100-07-01 12:00:00'::timestamptz AS far_summer, '2100-12-01 12:00:00'::timestamptz AS far_winter;
SELECT '2023-06-01 12:00:00 America/New_York'::timestamptz AS named_zone_in;
-- America/New_York: EST/EDT, the gap and overlap, local mean time
SET TimeZone = 'America/New_York';
SELECT '2023-03-12 02:30:00'::timestamptz AS in_gap, '2023-11-05 01:30:00'::timestamptz AS in_overlap;
SELECT '2023-11-05 05:30:00+00'::timestamptz AS first_130, '2023-11-05 06:30:00+00'::timestamptz AS second_130;
SELECT '1883-01-01 12:00:00'::timestamptz AS lmt, '1970-01-01 00:00:00+00'::timestamptz AS epoch;
-- casts to and from timestamp, date and time
SELECT '2023-07-04 23:30:00+00'::timestamptz::timestamp AS to_ts, '2023-07-04 23:30:00+00'::timestamptz::date AS to_date,
       '2023-07-04 23:30:00+00'::timestamptz::time AS to_time;
SELECT '2023-07-04 12:00:00'::timestamp::timestamptz AS from_ts, '2023-07-04'::date::timestamptz AS from_date,
       '2023-12-04'::date::timestamptz AS from_winter_date;
SELECT '2023-07-04 12:00:00'::timestamp = '2023-07-04 16:00:00+00'::timestamptz AS ts_eq_tstz;
-- date_trunc, extract, to_char in the session zone
SET TimeZone = 'Europe/Berlin';
SELECT date_trunc('day', '2023-03-26 12:00:00+00'::timestamptz) AS day_of_spring,
       date_trunc('month', '2023-10-31 23:30:00+00'::timestamptz) AS month_local,
       date_trunc('hour', '2023-10-29 00:30:00+00'::timestamptz) AS hour_cest,
       date_trunc('hour', '2023-10-29 01:30:00+00'::timestamptz) AS hour_cet;
SELECT date_trunc('year', '2023-12-31 23:30:00+00'::timestamptz) AS year_local,
       date_trunc('week', '2023-03-27 00:30:00+02'::timestamptz) AS week_local,
       date_trunc('minute', '2023-07-01 10:11:12.5+00'::timestamptz) AS minute_local;
SELECT extract(hour FROM '2023-07-01 10:00:00+00'::timestamptz) AS hour_local,
       extract(day FROM '2023-06-30 23:30:00+00'::timestamptz) AS day_local,
       extract(epoch FROM '2023-07-01 10:00:00+00'::timestamptz) AS epoch_utc,
       extract(timezone FROM '2023-07-01 10:00:00+00'::timestamptz) AS tz_secs,
       extract(timezone_hour FROM '2023-01-01 10:00:00+00'::timestamptz) AS tz_hour;
SELECT date_part('dow', '2023-07-01 23:30:00+00'::timestamptz) AS dow_local,
       date_part('doy', '2023-12-31 23:30:00+00'::timestamptz) AS doy_local;
SELECT to_char('2023-07-01 22:30:00+00'::timestamptz, 'YYYY-MM-DD HH24:MI:SS TZ OF') AS summer,
       to_char('2023-01-01 22:30:00+00'::timestamptz, 'YYYY-MM-DD HH24:MI tz TZH:TZM') AS winter;
SELECT to_char('2023-07-01 22:30:00'::timestamp, 'YYYY-MM-DD HH24:MI') AS plain_ts;
-- AT TIME ZONE both ways
SELECT '2023-07-01 12:00:00+00'::timestamptz AT TIME ZONE 'Asia/Tokyo' AS tokyo_wall,
       '2023-07-01 12:00:00+00'::timestamptz AT TIME ZONE 'America/New_York' AS ny_wall,
       '2023-07-01 12:00:00+00'::timestamptz AT TIME ZONE 'UTC' AS utc_wall;
SELECT '2023-07-01 12:00:00'::timestamp AT TIME ZONE 'Asia/Tokyo' AS tokyo_instant,
       '2023-03-26 02:30:00'::timestamp AT TIME ZONE 'Europe/Berlin' AS berlin_gap;
SELECT timezone('Asia/Kolkata', '2023-07-01 12:00:00+00'::timestamptz) AS kolkata_wall;
SELECT '2023-07-01 12:00:00+00'::timestamptz AT TIME ZONE 'Mars/Base';
-- interval arithmetic keeps the wall-clock time across a DST change
SELECT '2023-03-25 12:00:00'::timestamptz + interval '1 day' AS plus_day,
       '2023-03-25 12:00:00'::timestamptz + interval '24 hours' AS plus_24h,
       '2023-02-26 12:00:00'::timestamptz + interval '1 month' AS plus_month,
       '2023-03-27 12:00:00'::timestamptz - '2023-03-26 00:00:00'::timestamptz = interval '1 day 11 hours' AS diff;
SELECT age('2023-04-01 00:00:00'::timestamptz, '2023-03-01 00:00:00'::timestamptz) = interval '1 mon' AS age_local;
-- other zones: southern hemisphere, half and quarter hours, offsets, POSIX
SET TimeZone = 'Australia/Sydney';
SELECT '2023-01-15 00:00:00+00'::timestamptz AS summer, '2023-07-15 00:00:00+00'::timestamptz AS winter;
SET TimeZone = 'Asia/Kathmandu';
SELECT '2023-01-15 00:00:00+00'::timestamptz AS kathmandu;
SET TimeZone = 'America/St_Johns';
SELECT '2023-01-15 00:00:00+00'::timestamptz AS st_johns;
SET TimeZone = '+09';
SHOW TimeZone;
SELECT '2023-01-15 00:00:00+00'::timestamptz AS plus9, '2023-01-15 09:00:00'::timestamptz AS plus9_in;
SET TimeZone = -3.5;
SHOW TimeZone;
SELECT '2023-01-15 00:00:00+00'::timestamptz AS minus330;
SET TimeZone = 'UTC+5';
SHOW TimeZone;
SELECT '2023-01-15 00:00:00+00'::timestamptz AS posix_west;
SET TimeZone = 'CET-1CEST,M3.5.0,M10.5.0/3';
SELECT '2023-07-15 00:00:00+00'::timestamptz AS posix_summer, '2023-01-15 00:00:00+00'::timestamptz AS posix_winter;
SET TimeZone = 'EST5EDT';
SELECT '2023-07-15 00:00:00+00'::timestamptz AS est5edt;
SET TimeZone = 'asia/tokyo';
SHOW TimeZone;
SET TimeZone = 'Etc/GMT-14';
SELECT '2023-01-15 00:00:00+00'::timestamptz AS gmt_minus_14;
SET TIME ZONE 'UTC';
SELECT '2023-04-22 17:00:00'::timestamptz AS utc_local_in;
SET TimeZone = 'GMT';
SELECT '2023-04-22 17:00:00+02'::timestamptz AS gmt;
-- an unknown zone is refused and leaves the setting alone
SET TimeZone = 'Mars/Base';
SHOW TimeZone;
-- now() and friends in the session zone (Asia/Tokyo has no DST)
SET TimeZone = 'Asia/Tokyo';
SELECT to_char(now(), 'OF') AS now_offset, now() = current_timestamp AS now_is_current,
       localtimestamp = now()::timestamp AS localtimestamp_local,
       current_date = (now() AT TIME ZONE 'Asia/Tokyo')::date AS current_date_local,
       'today'::timestamptz = date_trunc('day', now()) AS today_local,
       right(now()::text, 3) AS now_text_offset;
-- the same instants read in different zones
SELECT x, x::text AS tokyo FROM (VALUES ('2023-06-01 00:00:00+00'::timestamptz), ('2023-12-01 00:00:00+00')) v(x) ORDER BY 1;
SET TimeZone = 'America/Los_Angeles';
SELECT x FROM (VALUES ('2023-06-01 00:00:00+00'::timestamptz), ('2023-12-01 00:00:00+00')) v(x) ORDER BY 1;
-- abbreviations are fixed offsets (CET is +01 even in summer), series step in local time
SET TimeZone = 'Europe/Berlin';
SELECT '2023-07-01 12:00 CET'::timestamptz AS cet_fixed, '2023-07-01 12:00 PDT'::timestamptz AS pdt,
       '2023-07-01 12:00 jst'::timestamptz AS jst;
SELECT '2023-07-01 12:00+00'::timestamptz AT TIME ZONE 'PST' AS pst_wall,
       '2023-07-01 12:00'::timestamp AT TIME ZONE 'EST' AS est_instant;
SELECT g FROM generate_series('2023-03-25 12:00'::timestamptz, '2023-03-28 12:00'::timestamptz, interval '1 day') g;
SELECT g FROM generate_series('2023-10-29 00:00'::timestamptz, '2023-10-29 04:00'::timestamptz, interval '1 hour') g;
SELECT date_trunc('day', '2023-07-01 23:00+00'::timestamptz, 'Asia/Tokyo') AS day_in_tokyo,
       date_trunc('month', '2023-07-01 03:00+00'::timestamptz, 'America/New_York') AS month_in_ny;
SELECT to_timestamp(1688205600.5) AS from_epoch, to_timestamp(0) AS zero, to_timestamp('infinity'::float8) AS inf;
SELECT to_timestamp('2023-07-01 10:00', 'YYYY-MM-DD HH24:MI') AS to_timestamp_local;
SET DateStyle = 'Postgres, MDY';
SELECT '2023-07-01 10:00+00'::timestamptz AS postgres_style, '2023-01-01 10:00+00'::timestamptz AS postgres_winter;
SET DateStyle = 'SQL, DMY';
SELECT '2023-07-01 10:00+00'::timestamptz AS sql_style;
SET DateStyle = 'ISO, MDY';
RESET TimeZone;
