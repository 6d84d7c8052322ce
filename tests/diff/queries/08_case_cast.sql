-- CASE, casts between types, numeric rounding, typed literals.

-- q222: searched CASE
SELECT lo_orderkey, lo_linenumber,
       CASE WHEN lo_quantity < 10 THEN 'small' WHEN lo_quantity < 30 THEN 'medium' ELSE 'large' END AS size
FROM lineorder WHERE lo_orderkey < 40 ORDER BY 1, 2;

-- q223: simple CASE
SELECT s_suppkey, CASE s_region WHEN 'ASIA' THEN 1 WHEN 'EUROPE' THEN 2 ELSE 0 END AS code FROM supplier ORDER BY 1;

-- q224: CASE inside an aggregate
SELECT d_year, sum(CASE WHEN lo_discount > 5 THEN lo_revenue ELSE 0 END) AS high, sum(CASE WHEN lo_discount <= 5 THEN lo_revenue END) AS low
FROM lineorder JOIN dates ON lo_orderdate = d_datekey GROUP BY d_year ORDER BY 1;

-- q225: nested CASE
SELECT c_custkey, CASE WHEN c_region = 'ASIA' THEN CASE WHEN c_nation = 'CHINA' THEN 'cn' ELSE 'asia' END ELSE 'other' END
FROM customer WHERE c_custkey <= 15 ORDER BY 1;

-- q226: CASE with mixed numeric result types
SELECT v, CASE WHEN v = 1 THEN 1 WHEN v = 2 THEN 2.5 ELSE 10000000000 END AS r FROM (VALUES (1), (2), (3)) AS t(v) ORDER BY v;

-- q227: CASE in GROUP BY
SELECT CASE WHEN lo_quantity <= 25 THEN 'low' ELSE 'high' END AS half, count(*), sum(lo_quantity)
FROM lineorder GROUP BY 1 ORDER BY 1;

-- q228: integer to text and back
SELECT d_datekey::text AS t, d_datekey::text::integer + 1 AS n, CAST(d_year AS varchar) AS y FROM dates WHERE d_datekey < 19920104 ORDER BY 1;

-- q229: text to integer
SELECT '42'::integer + 1, CAST(' 17 ' AS integer), '-5'::smallint, '9000000000'::bigint;

-- q230: numeric casts and rounding half away from zero
SELECT 2.5::integer AS a, (-2.5)::integer AS b, 3.49::numeric(3,1) AS c, round(2.5) AS d, round(-2.5) AS e, round(1.2345, 2) AS f;

-- q231: float rounding is to even
SELECT round(2.5::float8) AS a, round(3.5::float8) AS b, 2.5::float8::integer AS c, 3.5::float8::integer AS d;

-- q232: numeric with a typmod
SELECT lo_orderkey, lo_linenumber, (lo_extendedprice / 100.0)::numeric(12,2) AS price, lo_discount::numeric(5,3) AS d
FROM lineorder WHERE lo_orderkey < 5 ORDER BY 1, 2;

-- q233: float8 division and casts
SELECT lo_orderkey, lo_linenumber, lo_revenue::float8 / lo_extendedprice AS share, (lo_tax::float4 / 3)::float8 AS f
FROM lineorder WHERE lo_orderkey < 6 ORDER BY 1, 2;

-- q234: trunc ceil floor
SELECT trunc(7.89), ceil(7.01), floor(-7.01), ceil(-7.99), trunc(-7.89, 1), floor(7.5::float8), ceiling(2.0001);

-- q235: integer to boolean and boolean to text
SELECT 1::boolean AS a, 0::boolean AS b, true::text AS c, 'yes'::boolean AS d, 'f'::boolean AS e;

-- q236: text to date and date to text
SELECT '1995-03-15'::date AS d, CAST('1998-12-30' AS date) AS d2, DATE '1992-02-29'::text AS t;

-- q237: explicit varchar cast truncates
SELECT c_custkey, c_name::varchar(8) AS short, c_nation::char(3) AS c3 FROM customer WHERE c_custkey <= 3 ORDER BY 1;

-- q238: bigint from a mixed expression
SELECT lo_orderkey::integer * 2 AS i, (lo_orderkey + lo_linenumber)::bigint AS b FROM lineorder WHERE lo_orderkey < 4 ORDER BY 1, 2;

-- q239: numeric arithmetic keeps scale
SELECT 1.10 + 2.205 AS a, 1.5 * 2.25 AS b, 10.0 / 4 AS c, 10 / 4.0 AS d, 1 / 3.0 AS e, 2.0 ^ 3 AS f;

-- q240: numeric division precision
SELECT sum(lo_revenue)::numeric / count(*) AS avg_rev, sum(lo_revenue) / 7.0 AS s7 FROM lineorder;

-- q241: typed literal forms
SELECT integer '7' AS a, bigint '8' AS b, numeric '1.50' AS c, text 'x' AS d, float8 '0.1' AS e, boolean 'true' AS f;

-- q242: float formatting of special and small values
SELECT 0.1::float8 + 0.2::float8 AS a, 1e300::float8 * 10 AS b, 'NaN'::float8 AS c, '-Infinity'::float8 AS d, 1e-5::float8 AS e;

-- q243: numeric formatting of big and small values
SELECT 123456789012345678901234567890::numeric AS a, 0.000000001::numeric AS b, (-0.5)::numeric AS c, 100::numeric / 3 AS d;

-- q244: COALESCE with mixed types
SELECT coalesce(NULL, 1, 2.5) AS a, coalesce(NULL::smallint, 70000) AS b;

-- q245: cast in a join condition
SELECT count(*) FROM lineorder JOIN dates ON lo_orderdate::text = d_datekey::text WHERE d_year = 1996;

-- q246: CASE with no matching branch and no ELSE in an aggregate
SELECT count(CASE WHEN lo_quantity > 100 THEN 1 END) AS none, max(CASE WHEN lo_quantity > 100 THEN 'x' END) AS m FROM lineorder;

-- q247: integer overflow avoided by casting
SELECT max(lo_extendedprice)::bigint * 1000 AS big, sum(lo_extendedprice::bigint * lo_extendedprice) AS sq FROM lineorder;

-- q248: to_char on numbers
SELECT to_char(1234567.891, 'FM9,999,999.00') AS a, to_char(42, '000') AS b, to_char(-3.5, 'S9.9') AS c;

-- q249: cast of NULL
SELECT NULL::integer AS a, CAST(NULL AS text) AS b, NULL::date AS c, NULL::numeric(5,2) AS d;

-- q250: smallint arithmetic
SELECT 100::smallint + 200::smallint AS a, 7::smallint / 2::smallint AS b, pg_typeof(1::smallint + 1::smallint)::text AS t;

-- q251: pg_typeof of common expressions
SELECT pg_typeof(sum(lo_quantity))::text AS s, pg_typeof(avg(lo_quantity))::text AS a, pg_typeof(count(*))::text AS c,
       pg_typeof(sum(lo_orderkey))::text AS sb, pg_typeof(sum(lo_quantity::float4))::text AS sf
FROM lineorder;
