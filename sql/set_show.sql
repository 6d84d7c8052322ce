--
-- set_show: SET, SHOW and RESET of session parameters
--
SHOW application_name;
SET application_name = 'kiln_test';
SHOW application_name;
SET application_name TO 'kiln test two';
SHOW application_name;
RESET application_name;
SHOW application_name;
-- extra_float_digits changes float output
SET extra_float_digits = 0;
SELECT 0.1::float8 + 0.2::float8 AS sum, 1.0::float8 / 3 AS third;
SET extra_float_digits = 3;
SELECT 0.1::float8 + 0.2::float8 AS sum, 1.0::float8 / 3 AS third;
RESET extra_float_digits;
SHOW extra_float_digits;
-- DateStyle
SHOW DateStyle;
SET DateStyle = 'ISO, MDY';
SHOW datestyle;
SET datestyle TO ISO, DMY;
SHOW DATESTYLE;
RESET DateStyle;
SHOW DateStyle;
-- time zone forms (the session's zone comes from PGTZ, which the zone database may rename)
SELECT current_setting('TimeZone') AS tz0 \gset
SET TIME ZONE 'UTC';
SHOW TimeZone;
SET timezone = 'Europe/Paris';
SHOW timezone;
SET TIME ZONE DEFAULT;
SELECT current_setting('TimeZone') = :'tz0' AS default_restored;
SET TIME ZONE 'America/New_York';
SHOW TimeZone;
RESET TimeZone;
SELECT current_setting('TimeZone') = :'tz0' AS reset_restored;
-- SET SESSION is the same as SET
SET SESSION client_min_messages = warning;
SHOW client_min_messages;
RESET client_min_messages;
SHOW client_min_messages;
-- statement_timeout takes units
SET statement_timeout = '5s';
SHOW statement_timeout;
SET statement_timeout = 0;
SHOW statement_timeout;
-- search_path
SHOW search_path;
SET search_path = public;
SHOW search_path;
RESET search_path;
-- read-only and unknown parameters, bad values
SHOW no_such_parameter;
SET no_such_parameter = 1;
SET server_version = '1';
SET extra_float_digits = 'abc';
SET extra_float_digits = 100;
SET client_min_messages = 'loud';
-- RESET ALL
SET application_name = 'x';
SET extra_float_digits = 1;
RESET ALL;
SHOW application_name;
SHOW extra_float_digits;
-- SHOW of parameters clients read
SHOW transaction_isolation;
SHOW standard_conforming_strings;
SHOW client_encoding;
SHOW server_encoding;
SHOW integer_datetimes;
SHOW IntervalStyle;
-- dates whose first field is no year read in DateStyle's order, and EXECUTE binds them so
SET DateStyle = 'ISO, MDY';
SELECT '01-02-1995'::date, '01/02/1995'::date, '03.04.95'::date, '03-04-05'::date;
SET DateStyle = 'ISO, DMY';
SELECT '01-02-1995'::date, '13/01/2000'::date, '01-02-1995 10:11'::timestamp;
SELECT '12-31-1999'::date;
SET DateStyle = 'ISO, YMD';
SELECT '03-04-05'::date;
SELECT '01-02-1995'::date;
SET DateStyle = 'Postgres, DMY';
PREPARE ds_date(date) AS SELECT $1, $1 + 1;
EXECUTE ds_date('1995-01-02');
DEALLOCATE ds_date;
RESET DateStyle;
