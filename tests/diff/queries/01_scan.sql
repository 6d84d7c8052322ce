-- Scans, projections, filters and scalar expressions over single tables.

-- q001: count of every table
SELECT (SELECT count(*) FROM lineorder) AS lineorder, (SELECT count(*) FROM customer) AS customer,
       (SELECT count(*) FROM supplier) AS supplier, (SELECT count(*) FROM part) AS part,
       (SELECT count(*) FROM dates) AS dates;

-- q002: first customers, several columns
SELECT c_custkey, c_name, c_address, c_city, c_nation, c_region, c_phone, c_mktsegment
FROM customer WHERE c_custkey <= 10 ORDER BY c_custkey;

-- q003: SELECT * of a small table (the pad column is NULL)
SELECT * FROM supplier ORDER BY s_suppkey;

-- q004: SELECT * of a date range
SELECT * FROM dates WHERE d_datekey BETWEEN 19920101 AND 19920110 ORDER BY d_datekey;

-- q005: filter with AND on two columns
SELECT p_partkey, p_name, p_size FROM part WHERE p_size > 45 AND p_mfgr = 'MFGR#1' ORDER BY p_partkey;

-- q006: arithmetic in the select list
SELECT lo_orderkey, lo_linenumber, lo_quantity * 2 + 1 AS q, lo_extendedprice - lo_revenue AS disc_amount
FROM lineorder WHERE lo_orderkey < 40 ORDER BY 1, 2;

-- q007: integer division and modulo
SELECT lo_orderkey, lo_linenumber, lo_extendedprice / lo_quantity AS unit, lo_extendedprice % 7 AS m7, -lo_tax / 3 AS neg
FROM lineorder WHERE lo_orderkey < 100 ORDER BY 1, 2;

-- q008: boolean expressions as columns
SELECT c_custkey, c_nation = 'CHINA' AS is_china, c_custkey > 5 AND c_region <> 'ASIA' AS b2, NOT (c_custkey % 2 = 0) AS odd
FROM customer WHERE c_custkey < 20 ORDER BY 1;

-- q009: IN list
SELECT s_suppkey, s_nation FROM supplier WHERE s_nation IN ('CHINA', 'INDIA', 'JAPAN', 'PERU', 'BRAZIL') ORDER BY 1;

-- q010: NOT IN list and NOT BETWEEN
SELECT p_partkey, p_size, p_container FROM part
WHERE p_size NOT IN (1, 2, 3, 4, 5) AND p_partkey NOT BETWEEN 20 AND 1990 ORDER BY 1;

-- q011: BETWEEN SYMMETRIC
SELECT count(*) FROM lineorder WHERE lo_quantity BETWEEN SYMMETRIC 30 AND 20;

-- q012: unary minus and abs
SELECT lo_orderkey, lo_linenumber, -lo_discount AS neg, abs(lo_tax - 4) AS a, @ (lo_tax - 4) AS a2
FROM lineorder WHERE lo_orderkey <= 7 ORDER BY 1, 2;

-- q013: constants without FROM
SELECT 1 AS one, 'a' AS letter, 2.5 AS num, NULL::integer AS nothing, true AS yes, 'it''s' AS quoted;

-- q014: operator precedence and numeric literals
SELECT 1 + 2 * 3 AS a, (1 + 2) * 3 AS b, 7 / 2 AS c, 7 % 3 AS d, 7.0 / 2 AS e, -7 / 2 AS f, 2 ^ 10 AS g, 10 - 2 - 3 AS h;

-- q015: bigint arithmetic beyond int4
SELECT lo_orderkey, lo_linenumber, lo_orderkey * 1000000000 AS big, lo_extendedprice::bigint * lo_extendedprice AS sq
FROM lineorder WHERE lo_orderkey < 5 ORDER BY 1, 2;

-- q016: OR with parentheses
SELECT c_custkey, c_region, c_mktsegment FROM customer
WHERE (c_region = 'ASIA' OR c_region = 'EUROPE') AND (c_mktsegment = 'BUILDING' OR c_custkey < 10) ORDER BY 1;

-- q017: DISTINCT one column
SELECT DISTINCT c_region FROM customer ORDER BY 1;

-- q018: DISTINCT two columns
SELECT DISTINCT c_region, c_mktsegment FROM customer ORDER BY 1, 2;

-- q019: quoted identifiers as aliases
SELECT c_custkey AS "Key", c_name AS "Name With Space" FROM customer WHERE c_custkey < 4 ORDER BY "Key";

-- q020: table alias with AS
SELECT c.c_custkey, c.c_nation FROM customer AS c WHERE c.c_custkey IN (1, 2, 3) ORDER BY c.c_custkey;

-- q021: schema-qualified table name
SELECT count(*) FROM public.customer;

-- q022: function in WHERE
SELECT c_custkey, c_address FROM customer WHERE length(c_address) > 22 ORDER BY 1;

-- q023: WHERE false gives no rows
SELECT c_name FROM customer WHERE 1 = 0 ORDER BY 1;

-- q024: equality on text and integer columns
SELECT count(*) FROM lineorder WHERE lo_shipmode = 'AIR' AND lo_discount >= 5;

-- q025: VALUES list as a table
SELECT * FROM (VALUES (1, 'a'), (2, 'b'), (3, NULL)) AS v(x, y) ORDER BY x;

-- q026: generate_series in FROM
SELECT g, g * g AS sq FROM generate_series(1, 5) AS g ORDER BY g;

-- q027: IS DISTINCT FROM
SELECT c_custkey FROM customer WHERE c_custkey IS DISTINCT FROM 1 AND c_custkey IS NOT DISTINCT FROM 2 ORDER BY 1;

-- q028: descending order of a filtered key
SELECT c_custkey, c_nation FROM customer WHERE c_custkey % 50 = 0 ORDER BY c_custkey DESC;

-- q029: comparison chain on dates stored as integers
SELECT d_datekey, d_dayofweek FROM dates WHERE d_datekey >= 19981220 ORDER BY d_datekey;

-- q030: select the same column twice and a constant
SELECT s_suppkey, s_suppkey AS again, 42 AS answer FROM supplier WHERE s_suppkey <= 3 ORDER BY 1;

-- q031: boolean column filters
SELECT d_datekey FROM dates WHERE d_holidayfl = '1' AND d_year = 1995 ORDER BY 1;

-- q032: greatest and least
SELECT lo_orderkey, lo_linenumber, greatest(lo_discount, lo_tax) AS g, least(lo_discount, lo_tax, 5) AS l
FROM lineorder WHERE lo_orderkey < 36 ORDER BY 1, 2;

-- q033: mixed int and bigint comparison
SELECT lo_orderkey, lo_linenumber FROM lineorder WHERE lo_orderkey = 33::smallint OR lo_orderkey = 34::integer ORDER BY 1, 2;

-- q034: text comparison operators
SELECT c_custkey, c_name FROM customer WHERE c_nation > 'UNITED KINGDOM' AND c_name < 'Customer#000000050' ORDER BY 1;
