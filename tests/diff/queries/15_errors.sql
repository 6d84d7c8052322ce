-- Errors: each query must fail on PostgreSQL with the SQLSTATE in its header, and the
-- target must fail with the same one.

-- q401: unknown table [error 42P01]
SELECT * FROM no_such_table;

-- q402: unknown table in a join [error 42P01]
SELECT count(*) FROM lineorder JOIN date ON lo_orderdate = d_datekey;

-- q403: unknown schema-qualified table [error 42P01]
SELECT count(*) FROM public.lineorders;

-- q404: unknown column [error 42703]
SELECT c_no_such_column FROM customer;

-- q405: unknown column in WHERE [error 42703]
SELECT count(*) FROM customer WHERE c_regoin = 'ASIA';

-- q406: unknown qualified column [error 42703]
SELECT c.s_suppkey FROM customer c;

-- q407: unknown column in ORDER BY [error 42703]
SELECT c_custkey FROM customer ORDER BY c_nothing;

-- q408: output alias used in WHERE [error 42703]
SELECT c_custkey AS k FROM customer WHERE k > 5;

-- q409: missing FROM-clause entry [error 42P01]
SELECT x.c_custkey FROM customer;

-- q410: bad integer input [error 22P02]
SELECT 'abc'::integer;

-- q411: bad cast of column data [error 22P02]
SELECT c_name::integer FROM customer;

-- q412: bad numeric input [error 22P02]
SELECT '1.2.3'::numeric;

-- q413: bad boolean input [error 22P02]
SELECT 'maybe'::boolean;

-- q414: bad date input [error 22007]
SELECT 'not a date'::date;

-- q415: date field out of range [error 22008]
SELECT '1995-13-45'::date;

-- q416: integer division by zero [error 22012]
SELECT 1 / 0;

-- q417: division by zero on rows [error 22012]
SELECT lo_revenue / (lo_discount * 0) FROM lineorder;

-- q418: numeric division by zero [error 22012]
SELECT sum(lo_revenue) / 0.0 FROM lineorder;

-- q419: modulo by zero [error 22012]
SELECT lo_quantity % 0 FROM lineorder WHERE lo_orderkey = 1;

-- q420: float division by zero [error 22012]
SELECT 1.0::float8 / 0;

-- q421: integer overflow [error 22003]
SELECT 2147483647 + 1;

-- q422: integer overflow in a column expression [error 22003]
SELECT lo_extendedprice * lo_extendedprice FROM lineorder;

-- q423: numeric field overflow [error 22003]
SELECT 123.456::numeric(4,2);

-- q424: smallint out of range [error 22003]
SELECT 40000::smallint;

-- q425: syntax error, misspelled keyword [error 42601]
SELEC * FROM customer;

-- q426: syntax error, trailing comma [error 42601]
SELECT c_custkey, FROM customer;

-- q427: syntax error, unbalanced parenthesis [error 42601]
SELECT count(* FROM customer;

-- q428: syntax error, unterminated string [error 42601]
SELECT 'abc FROM customer;

-- q429: syntax error, missing operand [error 42601]
SELECT c_custkey FROM customer WHERE c_custkey > ;

-- q430: ambiguous column in a self join [error 42702]
SELECT c_custkey FROM customer a, customer b WHERE a.c_custkey = b.c_custkey;

-- q431: ambiguous column from USING-less derived tables [error 42702]
SELECT k FROM (SELECT 1 AS k) a, (SELECT 2 AS k) b;

-- q432: ungrouped column [error 42803]
SELECT c_region, c_nation, count(*) FROM customer GROUP BY c_region;

-- q433: aggregate in WHERE [error 42803]
SELECT c_region FROM customer WHERE count(*) > 1 GROUP BY c_region;

-- q434: nested aggregates [error 42803]
SELECT sum(count(*)) FROM customer;

-- q435: ungrouped column in ORDER BY [error 42803]
SELECT c_region, count(*) FROM customer GROUP BY c_region ORDER BY c_nation;

-- q436: window function in WHERE [error 42P20]
SELECT c_custkey FROM customer WHERE row_number() OVER () > 1;

-- q437: undefined function [error 42883]
SELECT no_such_function(1);

-- q438: function with wrong argument types [error 42883]
SELECT length(42);

-- q439: operator does not exist [error 42883]
SELECT c_name + 1 FROM customer;

-- q440: integer concatenation operator does not exist [error 42883]
SELECT 1 || 2;

-- q441: WHERE must be boolean [error 42804]
SELECT count(*) FROM customer WHERE c_custkey;

-- q442: CASE branches of incompatible types [error 42804]
SELECT CASE WHEN c_custkey > 1 THEN 1 ELSE true END FROM customer;

-- q443: UNION of incompatible types [error 42804]
SELECT 1 UNION SELECT DATE '1995-01-01';

-- q444: UNION with different column counts [error 42601]
SELECT 1, 2 UNION SELECT 3;

-- q445: cannot cast integer to date [error 42846]
SELECT 19950101::date;

-- q446: ORDER BY position out of range [error 42P10]
SELECT c_custkey FROM customer ORDER BY 2;

-- q447: GROUP BY position out of range [error 42P10]
SELECT c_region, count(*) FROM customer GROUP BY 3;

-- q448: scalar subquery returns several rows [error 21000]
SELECT (SELECT c_custkey FROM customer) AS k;

-- q449: scalar subquery returns several columns [error 42601]
SELECT (SELECT c_custkey, c_name FROM customer LIMIT 1);

-- q450: negative LIMIT [error 2201W]
SELECT c_custkey FROM customer LIMIT -1;

-- q451: negative OFFSET [error 2201X]
SELECT c_custkey FROM customer OFFSET -1;

-- q452: invalid regular expression [error 2201B]
SELECT count(*) FROM customer WHERE c_name ~ '(';

-- q453: duplicate table alias [error 42712]
SELECT 1 FROM customer c, supplier c;

-- q454: parameter without a value [error 42P02]
SELECT $1;

-- q455: subquery in FROM without alias is fine, column missing in it [error 42703]
SELECT t.c_name FROM (SELECT c_custkey FROM customer) AS t;

-- q456: DISTINCT ON expressions must match ORDER BY [error 42P10]
SELECT DISTINCT ON (c_region) c_custkey FROM customer ORDER BY c_custkey;

-- q457: ORDER BY of SELECT DISTINCT must be in the select list [error 42P10]
SELECT DISTINCT c_region FROM customer ORDER BY c_nation;

-- q458: set-returning function in WHERE [error 0A000]
SELECT 1 WHERE generate_series(1, 2) > 1;

-- q459: recursive CTE without UNION [error 42P19]
WITH RECURSIVE r AS (SELECT * FROM r) SELECT * FROM r;

-- q460: error raised only when a row reaches it [error 22012]
SELECT CASE WHEN lo_discount >= 0 THEN 1 / (lo_quantity - lo_quantity) END FROM lineorder WHERE lo_orderkey = 1;

-- q461: invalid input for a date key cast at run time [error 22008]
SELECT (lo_orderdate + 99)::text::date FROM lineorder WHERE lo_orderkey < 100;
