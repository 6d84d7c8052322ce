-- Set operations: UNION [ALL], INTERSECT [ALL], EXCEPT [ALL], nesting, type resolution.

-- q336: UNION removes duplicates
SELECT c_region FROM customer UNION SELECT s_region FROM supplier ORDER BY 1;

-- q337: UNION ALL keeps them
SELECT count(*) FROM (SELECT c_region FROM customer UNION ALL SELECT s_region FROM supplier) AS t;

-- q338: INTERSECT
SELECT c_city FROM customer INTERSECT SELECT s_city FROM supplier ORDER BY 1;

-- q339: EXCEPT
SELECT c_nation FROM customer EXCEPT SELECT s_nation FROM supplier ORDER BY 1;

-- q340: INTERSECT ALL
SELECT x FROM (VALUES (1), (1), (1), (2), (3)) AS a(x) INTERSECT ALL SELECT y FROM (VALUES (1), (1), (2), (4)) AS b(y) ORDER BY 1;

-- q341: EXCEPT ALL
SELECT x FROM (VALUES (1), (1), (1), (2), (3)) AS a(x) EXCEPT ALL SELECT y FROM (VALUES (1), (2), (4)) AS b(y) ORDER BY 1;

-- q342: UNION with ORDER BY and LIMIT on the result
SELECT c_custkey AS k, 'c' AS src FROM customer WHERE c_custkey <= 3
UNION ALL SELECT s_suppkey, 's' FROM supplier WHERE s_suppkey <= 3 ORDER BY k DESC, src LIMIT 4;

-- q343: parenthesised set operations
(SELECT c_region FROM customer EXCEPT SELECT 'ASIA') UNION (SELECT 'MARS') ORDER BY 1;

-- q344: INTERSECT binds tighter than UNION
SELECT 1 AS x UNION SELECT 2 INTERSECT SELECT 3 ORDER BY 1;

-- q345: UNION resolves int and bigint
SELECT lo_orderkey AS k FROM lineorder WHERE lo_orderkey = 1 AND lo_linenumber = 1 UNION SELECT 2::integer ORDER BY 1;

-- q346: UNION resolves int and numeric
SELECT 1 AS v UNION ALL SELECT 2.5 UNION ALL SELECT 3 ORDER BY 1;

-- q347: UNION of text and varchar columns
SELECT c_name AS n FROM customer WHERE c_custkey = 1 UNION SELECT 'zzz'::text ORDER BY 1;

-- q348: set operation over aggregates
SELECT 'customers' AS what, count(*) FROM customer UNION ALL SELECT 'suppliers', count(*) FROM supplier
UNION ALL SELECT 'parts', count(*) FROM part ORDER BY 1;

-- q349: EXCEPT gives customers without orders
SELECT count(*) FROM (SELECT c_custkey FROM customer EXCEPT SELECT lo_custkey FROM lineorder) AS t;

-- q350: INTERSECT of two filters equals AND
SELECT count(*) FROM (SELECT lo_orderkey, lo_linenumber FROM lineorder WHERE lo_discount = 3
                      INTERSECT SELECT lo_orderkey, lo_linenumber FROM lineorder WHERE lo_tax = 3) AS t;

-- q351: UNION with NULLs deduplicates them
SELECT NULLIF(c_region, 'ASIA') AS r FROM customer UNION SELECT NULL ORDER BY 1 NULLS FIRST;

-- q352: UNION in a CTE, then grouped
WITH keys AS (SELECT lo_custkey AS k FROM lineorder WHERE lo_quantity = 1 UNION SELECT lo_custkey FROM lineorder WHERE lo_quantity = 50)
SELECT count(*), min(k), max(k) FROM keys;

-- q353: set operation with multiple columns
SELECT c_nation, c_region FROM customer UNION SELECT s_nation, s_region FROM supplier ORDER BY 2, 1;

-- q354: UNION ALL of three branches with ORDER BY on a column name
SELECT s_suppkey AS id FROM supplier WHERE s_suppkey < 3
UNION ALL SELECT 100 UNION ALL SELECT c_custkey FROM customer WHERE c_custkey < 3 ORDER BY id;

-- q355: EXCEPT of empty set
SELECT s_suppkey FROM supplier WHERE s_suppkey <= 3 EXCEPT SELECT c_custkey FROM customer WHERE false ORDER BY 1;
