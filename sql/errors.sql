--
-- errors: messages, SQLSTATEs and positions (psql draws its caret from the
-- position field); the session goes on after every one.
-- VERBOSITY verbose would print PostgreSQL's source location, so the SQLSTATE
-- is echoed from psql's LAST_ERROR_SQLSTATE instead.
--
SELEC 1;
\echo :LAST_ERROR_SQLSTATE
SELECT 1 +;
\echo :LAST_ERROR_SQLSTATE
SELECT FROM WHERE;
\echo :LAST_ERROR_SQLSTATE
SELECT 1);
\echo :LAST_ERROR_SQLSTATE
SELECT 1, 2,;
\echo :LAST_ERROR_SQLSTATE
SELECT 'unterminated' 'x' 1;
\echo :LAST_ERROR_SQLSTATE
-- the caret on the right line of a multi-line statement
SELECT 1,
       2,
       3 4,
       5;
\echo :LAST_ERROR_SQLSTATE
-- the caret after a long prefix (psql elides the line)
SELECT 1 + 1 + 1 + 1 + 1 + 1 + 1 + 1 + 1 + 1 + 1 + 1 + 1 + 1 + 1 + 1 + 1 + 1 + 1 + 1 + 1 + 1 + 1 + 1 + 1 + 1 + 1 + 1 + 1 + 1 + 1 + 1 + 1 + 1 + 1 + 1 + 1 garbage more;
\echo :LAST_ERROR_SQLSTATE
-- position counts characters, not bytes
SELECT 'héllo', 'wörld' nonsense extra;
\echo :LAST_ERROR_SQLSTATE
-- unknown function (42883), with PostgreSQL's hint
SELECT no_such_function(1);
\echo :LAST_ERROR_SQLSTATE
SELECT upper(1, 2, 3);
\echo :LAST_ERROR_SQLSTATE
-- unknown column and relation
SELECT no_such_column;
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM no_such_table;
\echo :LAST_ERROR_SQLSTATE
-- data errors
SELECT 1 / 0;
\echo :LAST_ERROR_SQLSTATE
SELECT 'x'::int;
\echo :LAST_ERROR_SQLSTATE
SELECT 32767::int2 + 1::int2;
\echo :LAST_ERROR_SQLSTATE
-- operator does not exist
SELECT 1 + 'a'::text;
\echo :LAST_ERROR_SQLSTATE
-- the session is fine afterwards
SELECT 'still here' AS status;
