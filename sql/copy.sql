--
-- copy: COPY ... TO STDOUT in text and csv (psql prints the CopyData it
-- receives), the options in both syntaxes, and the refusals: kiln's tables
-- are read-only source files, so COPY FROM fails, after CopyInResponse where
-- PostgreSQL fails for a file_fdw table; server files and programs are 42501.
--
CREATE EXTENSION IF NOT EXISTS file_fdw;
CREATE SERVER copy_files FOREIGN DATA WRAPPER file_fdw;
CREATE FOREIGN TABLE copy_src (id int, name text) SERVER copy_files
    OPTIONS (filename '/dev/null', format 'csv');
-- text: \N for NULL, backslash escapes of \, tab, newline, carriage return,
-- backspace, form feed, vertical tab; other control characters pass through
COPY (SELECT * FROM (VALUES
    (1, 'plain', 1.50::numeric, true, '2024-01-31'::date),
    (2, E'tab\there', NULL, false, NULL),
    (3, E'new\nline and cr\r', -0.5, NULL, '1999-12-31'),
    (4, E'back\\slash \\N', 0, true, '2000-02-29'),
    (5, E'\b\f\v and \x01', 1e10, false, NULL),
    (6, '', 2, NULL, NULL),
    (7, NULL, 3, true, NULL),
    (8, 'comma, "quotes" and ''apostrophes''', 4, false, NULL)
  ) AS t(id, note, amount, flag, day) ORDER BY id) TO STDOUT;
\echo :LAST_ERROR_SQLSTATE
-- csv: NULL is empty and unquoted, an empty string is "", quoting of the
-- delimiter, quotes and line breaks; backslashes and tabs are data
COPY (SELECT * FROM (VALUES
    (1, 'plain'), (2, E'tab\there'), (3, E'new\nline'), (4, E'cr\rhere'),
    (5, 'comma, here'), (6, 'say "hi"'), (7, ''), (8, NULL), (9, E'back\\slash'),
    (10, '\.')
  ) AS t(id, note) ORDER BY id) TO STDOUT WITH (FORMAT csv);
-- HEADER, in both syntaxes
COPY (SELECT 1 AS id, 'x' AS "Mixed Case", 'y' AS "with,comma") TO STDOUT WITH (FORMAT csv, HEADER);
COPY (SELECT 1 AS id, 'x' AS "Mixed Case", 'y' AS "with,comma") TO STDOUT WITH CSV HEADER;
COPY (SELECT 1 AS id, 'x' AS "tab	name") TO STDOUT WITH (FORMAT text, HEADER true);
COPY (SELECT 1 AS id WHERE false) TO STDOUT WITH (FORMAT csv, HEADER on);
COPY (SELECT 1 AS id) TO STDOUT WITH (FORMAT csv, HEADER false);
-- a single column: \. alone is quoted so it cannot end the data
COPY (SELECT '\.' AS v UNION ALL SELECT 'x' ORDER BY 1) TO STDOUT WITH CSV;
-- FORCE_QUOTE: listed columns and *; NULLs stay unquoted
COPY (SELECT 1 AS a, 'two' AS b, NULL::text AS c, 4.5 AS d) TO STDOUT WITH (FORMAT csv, FORCE_QUOTE (a, c));
COPY (SELECT 1 AS a, 'two' AS b, NULL::text AS c, 4.5 AS d) TO STDOUT WITH (FORMAT csv, FORCE_QUOTE *);
COPY (SELECT 1 AS a, 'two' AS b, NULL::text AS c) TO STDOUT WITH CSV FORCE QUOTE b;
COPY (SELECT 1 AS a, 'two' AS b, NULL::text AS c) TO STDOUT WITH CSV HEADER FORCE QUOTE *;
-- custom DELIMITER, NULL, QUOTE and ESCAPE
COPY (SELECT 1 AS a, NULL::text AS b, 'x|y' AS c, E'p\\q' AS d) TO STDOUT WITH (DELIMITER '|', NULL 'NULL');
COPY (SELECT 1 AS a, NULL::text AS b, 'x;y' AS c, 'NULL' AS d) TO STDOUT WITH (FORMAT csv, DELIMITER ';', NULL 'NULL');
COPY (SELECT 1 AS a, NULL::text AS b, 'x,y' AS c) TO STDOUT WITH DELIMITER AS ',' NULL AS '-';
COPY (SELECT E'it''s' AS a, E'back\\slash' AS b, 'a,b' AS c) TO STDOUT WITH (FORMAT csv, QUOTE '''', ESCAPE '\');
COPY (SELECT 'say "hi"' AS a) TO STDOUT WITH (FORMAT csv, ESCAPE '\');
COPY (SELECT 1 AS a, 2 AS b) TO STDOUT WITH (FORMAT csv, DELIMITER E'\t');
COPY (SELECT 'a,b' AS a, 2 AS b) TO STDOUT WITH (ENCODING 'UTF8', FORMAT 'csv', FREEZE false);
-- arrays, records and other types print as their text output
COPY (SELECT ARRAY['a b', NULL, 'c"d'] AS arr, ROW(1, 'x y') AS rec, 2.5::float8 AS f, 'héllo' AS u) TO STDOUT;
COPY (SELECT ARRAY['a b', NULL, 'c"d'] AS arr, ROW(1, 'x y') AS rec, 2.5::float8 AS f, 'héllo' AS u) TO STDOUT WITH CSV;
-- errors: options
COPY (SELECT 1) TO STDOUT WITH (FORMAT xml);
\echo :LAST_ERROR_SQLSTATE
COPY (SELECT 1) TO STDOUT WITH (FORMAT csv, format text);
\echo :LAST_ERROR_SQLSTATE
COPY (SELECT 1) TO STDOUT WITH (bogus 1);
\echo :LAST_ERROR_SQLSTATE
COPY (SELECT 1) TO STDOUT WITH (FORMAT);
\echo :LAST_ERROR_SQLSTATE
COPY (SELECT 1) TO STDOUT WITH (FORMAT csv, HEADER match);
\echo :LAST_ERROR_SQLSTATE
COPY (SELECT 1) TO STDOUT WITH (FORMAT csv, HEADER 2);
\echo :LAST_ERROR_SQLSTATE
COPY (SELECT 1) TO STDOUT WITH (DELIMITER 'ab');
\echo :LAST_ERROR_SQLSTATE
COPY (SELECT 1) TO STDOUT WITH (DELIMITER 'x');
\echo :LAST_ERROR_SQLSTATE
COPY (SELECT 1) TO STDOUT WITH (FORMAT csv, DELIMITER E'\n');
\echo :LAST_ERROR_SQLSTATE
COPY (SELECT 1) TO STDOUT WITH (NULL E'a\rb');
\echo :LAST_ERROR_SQLSTATE
COPY (SELECT 1) TO STDOUT WITH (QUOTE '"');
\echo :LAST_ERROR_SQLSTATE
COPY (SELECT 1) TO STDOUT WITH (ESCAPE '"');
\echo :LAST_ERROR_SQLSTATE
COPY (SELECT 1) TO STDOUT WITH (FORMAT csv, QUOTE '');
\echo :LAST_ERROR_SQLSTATE
COPY (SELECT 1) TO STDOUT WITH (FORMAT csv, QUOTE ',');
\echo :LAST_ERROR_SQLSTATE
COPY (SELECT 1) TO STDOUT WITH (FORMAT csv, NULL '"');
\echo :LAST_ERROR_SQLSTATE
COPY (SELECT 1) TO STDOUT WITH (DELIMITER '|', NULL 'a|b');
\echo :LAST_ERROR_SQLSTATE
COPY (SELECT 1) TO STDOUT WITH (FORCE_QUOTE *);
\echo :LAST_ERROR_SQLSTATE
COPY (SELECT 1 AS a) TO STDOUT WITH (FORMAT csv, FORCE_QUOTE (b));
\echo :LAST_ERROR_SQLSTATE
COPY (SELECT 1 AS a) TO STDOUT WITH (FORMAT csv, FORCE_QUOTE (a, a));
\echo :LAST_ERROR_SQLSTATE
COPY (SELECT 1 AS a) TO STDOUT WITH (FORMAT csv, FORCE_NOT_NULL (a));
\echo :LAST_ERROR_SQLSTATE
COPY (SELECT 1) TO STDOUT WITH (FORMAT binary, HEADER);
\echo :LAST_ERROR_SQLSTATE
COPY (SELECT 1) TO STDOUT WITH (FORMAT binary, DELIMITER ',');
\echo :LAST_ERROR_SQLSTATE
COPY (SELECT 1) TO STDOUT WITH (ENCODING 'no_such_encoding');
\echo :LAST_ERROR_SQLSTATE
-- errors: the query and the target
COPY (SELECT no_such_column) TO STDOUT;
\echo :LAST_ERROR_SQLSTATE
COPY (SELECT 1 / (x - 1) FROM generate_series(1, 3) AS x) TO STDOUT;
\echo :LAST_ERROR_SQLSTATE
COPY no_such_table TO STDOUT;
\echo :LAST_ERROR_SQLSTATE
COPY copy_src (no_such_column) TO STDOUT;
\echo :LAST_ERROR_SQLSTATE
COPY copy_src (id, id) TO STDOUT;
\echo :LAST_ERROR_SQLSTATE
COPY pg_catalog.pg_tables TO STDOUT;
\echo :LAST_ERROR_SQLSTATE
-- errors: server files and programs need privileges kiln grants nobody
COPY (SELECT 1) TO '/tmp/kiln-copy-refused.txt';
\echo :LAST_ERROR_SQLSTATE
COPY (SELECT 1) TO PROGRAM 'cat';
\echo :LAST_ERROR_SQLSTATE
COPY copy_src FROM PROGRAM 'cat';
\echo :LAST_ERROR_SQLSTATE
-- COPY FROM: read-only tables. The client is sent CopyInResponse, then the
-- error; the data psql still sends is ignored, and the session goes on.
-- (psql 15.20 reads the script up to \. as data whether or not COPY started;
-- 15.18 runs the \. as a command when the error came before CopyInResponse:
-- tests/expected/copy_1.out.)
COPY copy_src FROM STDIN;
1	one
\.
SELECT 1 AS after_copy_in;
COPY copy_src (name) FROM STDIN WITH (FORMAT csv);
\.
COPY copy_src (name) FROM STDIN WITH (FORMAT csv, FORCE_QUOTE *);
\.
COPY copy_src (nope) FROM STDIN;
\.
COPY no_such_table FROM STDIN;
\.
COPY pg_catalog.pg_class FROM STDIN;
\.
SELECT 'still here' AS session;
DROP FOREIGN TABLE copy_src;
DROP SERVER copy_files;
