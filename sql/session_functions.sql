--
-- session_functions: version(), current_database(), current_setting() and friends
--
-- kiln's version string is its own; it must start like PostgreSQL 15's for clients
SELECT version() LIKE 'PostgreSQL 15%' AS looks_like_pg15;
SELECT current_database();
SELECT current_user, session_user, current_user = session_user AS same;
SELECT current_schema();
SELECT pg_backend_pid() > 0 AS has_pid;
-- what clients read at connect
SELECT current_setting('server_version_num')::int / 10000 AS major;
SELECT current_setting('server_version') LIKE '15%' AS server_version_15;
SELECT current_setting('server_encoding'), current_setting('client_encoding');
SELECT current_setting('standard_conforming_strings'), current_setting('integer_datetimes');
SELECT current_setting('DateStyle'), current_setting('IntervalStyle');
SELECT current_setting('TimeZone') <> '' AS has_timezone;
SELECT current_setting('application_name');
SELECT current_setting('transaction_isolation');
-- names are case-insensitive
SELECT current_setting('datestyle') = current_setting('DATESTYLE') AS case_insensitive;
-- unknown parameters
SELECT current_setting('no_such_setting');
SELECT current_setting('no_such_setting', true) IS NULL AS missing_ok;
SELECT current_setting('no_such_setting', false);
-- set_config() is SET as a function
SELECT set_config('application_name', 'from_set_config', false);
SHOW application_name;
SELECT set_config('application_name', 'pg_regress/session_functions', false);
-- unknown functions
SELECT no_such_function();
SELECT no_such_function(1, 'a');
SELECT version(1);
SELECT 1 + no_such_function();
