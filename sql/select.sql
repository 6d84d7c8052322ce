--
-- select: the simplest queries, result shapes and column names
--
SELECT 1;
select 1;
SELECT 1 AS one;
SELECT 1 AS "One", 2 AS "two words", 3 three;
SELECT 1, 2, 3;
SELECT 'hello';
SELECT 'hello' AS greeting, 42 AS answer;
SELECT NULL;
SELECT NULL AS nothing, 1 AS something;
SELECT true, false;
SELECT -1, +1, - 2;
SELECT 1
  + 2
  AS multi_line;
SELECT 1 WHERE false;
SELECT 1 WHERE true;
SELECT 1 WHERE 1 = 2;
-- column names psql shows for expressions without an alias
SELECT 1 + 1, 'a' || 'b', CAST(1 AS text), 1::int8, true AND false;
-- a long text value and an empty one
SELECT repeat('x', 80) AS long_text, '' AS empty;
-- values with characters psql must align
SELECT 'a|b' AS pipe, 'line1
line2' AS two_lines;
-- non-ASCII text (UTF8)
SELECT 'héllo wörld' AS utf8, 'π≈3.14' AS symbols;
