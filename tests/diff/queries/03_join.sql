-- Joins: comma joins, JOIN ... ON, outer joins, self joins, non-equi joins, USING,
-- NATURAL, CROSS, LATERAL.

-- q078: comma join with the condition in WHERE
SELECT c_nation, count(*) FROM lineorder, customer WHERE lo_custkey = c_custkey GROUP BY c_nation ORDER BY 1;

-- q079: explicit inner join
SELECT s_region, sum(lo_revenue) FROM lineorder JOIN supplier ON lo_suppkey = s_suppkey GROUP BY s_region ORDER BY 1;

-- q080: INNER JOIN keyword and table aliases
SELECT d.d_year, p.p_mfgr, sum(l.lo_quantity) AS q
FROM lineorder AS l INNER JOIN dates AS d ON l.lo_orderdate = d.d_datekey INNER JOIN part AS p ON l.lo_partkey = p.p_partkey
GROUP BY d.d_year, p.p_mfgr ORDER BY 1, 2;

-- q081: five-table star join, detail rows
SELECT lo_orderkey, lo_linenumber, c_name, s_name, p_name, d_date
FROM lineorder JOIN customer ON lo_custkey = c_custkey JOIN supplier ON lo_suppkey = s_suppkey
     JOIN part ON lo_partkey = p_partkey JOIN dates ON lo_orderdate = d_datekey
WHERE lo_orderkey < 70 ORDER BY lo_orderkey, lo_linenumber;

-- q082: join with an extra filter in ON
SELECT d_year, count(*) FROM lineorder JOIN dates ON lo_orderdate = d_datekey AND d_monthnuminyear = 12
GROUP BY d_year ORDER BY 1;

-- q083: LEFT JOIN keeps customers without orders
SELECT c_custkey, c_name, count(lo_orderkey) AS lines FROM customer LEFT JOIN lineorder ON lo_custkey = c_custkey
WHERE c_custkey <= 12 GROUP BY c_custkey, c_name ORDER BY c_custkey;

-- q084: LEFT JOIN and IS NULL is an anti join
SELECT count(*) FROM customer LEFT JOIN lineorder ON lo_custkey = c_custkey WHERE lo_orderkey IS NULL;

-- q085: LEFT JOIN of dates without orders
SELECT d_year, count(*) AS days_without_orders FROM dates LEFT JOIN lineorder ON lo_orderdate = d_datekey
WHERE lo_orderkey IS NULL GROUP BY d_year ORDER BY d_year;

-- q086: RIGHT JOIN
SELECT c_custkey, lo_orderkey, lo_linenumber FROM lineorder RIGHT JOIN customer ON lo_custkey = c_custkey
WHERE c_custkey BETWEEN 3 AND 4 AND (lo_orderkey IS NULL OR lo_orderkey < 3000) ORDER BY 1, 2, 3;

-- q087: FULL OUTER JOIN of two aggregates
SELECT coalesce(a.n, b.n) AS nation, a.custs, b.supps
FROM (SELECT c_nation AS n, count(*) AS custs FROM customer GROUP BY c_nation) AS a
FULL JOIN (SELECT s_nation AS n, count(*) AS supps FROM supplier GROUP BY s_nation) AS b ON a.n = b.n
ORDER BY 1;

-- q088: FULL OUTER JOIN with rows on both sides missing
SELECT x.v AS xv, y.v AS yv FROM (VALUES (1), (2), (3)) AS x(v) FULL JOIN (VALUES (2), (3), (4)) AS y(v) ON x.v = y.v
ORDER BY coalesce(x.v, y.v);

-- q089: self join, customers in the same city
SELECT a.c_custkey, b.c_custkey FROM customer a JOIN customer b ON a.c_city = b.c_city AND a.c_custkey < b.c_custkey
WHERE a.c_custkey <= 10 ORDER BY 1, 2;

-- q090: non-equi join on a range
SELECT p.p_partkey, count(*) FROM part p JOIN lineorder l ON l.lo_partkey BETWEEN p.p_partkey AND p.p_partkey + 1
WHERE p.p_partkey <= 5 GROUP BY p.p_partkey ORDER BY 1;

-- q091: join on an OR condition
SELECT s_suppkey, count(DISTINCT c_custkey) FROM supplier JOIN customer ON s_nation = c_nation OR s_city = c_city
GROUP BY s_suppkey ORDER BY 1;

-- q092: join on an expression
SELECT d_year, count(*) FROM lineorder JOIN dates ON lo_commitdate = d_datekey AND lo_orderdate / 10000 = d_year
GROUP BY d_year ORDER BY 1;

-- q093: same table joined twice with different roles
SELECT lo_orderkey, lo_linenumber, od.d_dayofweek AS ordered_on, cd.d_dayofweek AS committed_on
FROM lineorder JOIN dates od ON lo_orderdate = od.d_datekey JOIN dates cd ON lo_commitdate = cd.d_datekey
WHERE lo_orderkey < 40 ORDER BY 1, 2;

-- q094: JOIN USING over derived tables
SELECT nation, custs, supps
FROM (SELECT c_nation AS nation, count(*) AS custs FROM customer GROUP BY 1) AS c
JOIN (SELECT s_nation AS nation, count(*) AS supps FROM supplier GROUP BY 1) AS s USING (nation)
ORDER BY nation;

-- q095: NATURAL JOIN over derived tables
SELECT * FROM (SELECT c_region AS region, count(*) AS n FROM customer GROUP BY 1) AS c
NATURAL JOIN (SELECT s_region AS region, count(*) AS m FROM supplier GROUP BY 1) AS s ORDER BY region;

-- q096: LEFT JOIN USING keeps the merged column
SELECT region, n, m FROM (SELECT DISTINCT c_region AS region FROM customer) AS r
LEFT JOIN (SELECT s_region AS region, count(*) AS m FROM supplier GROUP BY 1) AS s USING (region)
LEFT JOIN (SELECT c_region AS region, count(*) AS n FROM customer WHERE c_mktsegment = 'BUILDING' GROUP BY 1) AS c USING (region)
ORDER BY region;

-- q097: CROSS JOIN of small sets
SELECT r.r, s.s FROM (SELECT DISTINCT c_region AS r FROM customer) AS r CROSS JOIN (SELECT DISTINCT lo_shipmode AS s FROM lineorder) AS s
ORDER BY 1, 2;

-- q098: comma cross join with a filter
SELECT count(*) FROM supplier, (SELECT DISTINCT c_region FROM customer) AS r WHERE s_region <> r.c_region;

-- q099: LATERAL subquery, top line per supplier
SELECT s_suppkey, t.lo_orderkey, t.lo_linenumber, t.lo_revenue
FROM supplier, LATERAL (SELECT lo_orderkey, lo_linenumber, lo_revenue FROM lineorder WHERE lo_suppkey = s_suppkey
                        ORDER BY lo_revenue DESC, lo_orderkey, lo_linenumber LIMIT 2) AS t
ORDER BY 1, 2, 3;

-- q100: LEFT JOIN LATERAL with no match
SELECT c_custkey, t.n FROM customer LEFT JOIN LATERAL (SELECT count(*) AS n FROM lineorder WHERE lo_custkey = c_custkey HAVING count(*) > 0) AS t ON true
WHERE c_custkey <= 9 ORDER BY 1;

-- q101: join then filter on both sides
SELECT c_nation, s_nation, count(*) FROM lineorder JOIN customer ON lo_custkey = c_custkey JOIN supplier ON lo_suppkey = s_suppkey
WHERE c_region = 'EUROPE' AND s_region = 'EUROPE' GROUP BY c_nation, s_nation ORDER BY 1, 2;

-- q102: outer join with a condition on the nullable side in ON
SELECT c_custkey, count(lo_orderkey) FROM customer LEFT JOIN lineorder ON lo_custkey = c_custkey AND lo_quantity > 48
WHERE c_custkey <= 15 GROUP BY c_custkey ORDER BY 1;

-- q103: outer join with a condition on the nullable side in WHERE
SELECT c_custkey, count(lo_orderkey) FROM customer LEFT JOIN lineorder ON lo_custkey = c_custkey
WHERE c_custkey <= 15 AND (lo_quantity > 48 OR lo_quantity IS NULL) GROUP BY c_custkey ORDER BY 1;

-- q104: join of the fact table with itself on the order key
SELECT a.lo_orderkey, count(*) FROM lineorder a JOIN lineorder b ON a.lo_orderkey = b.lo_orderkey
WHERE a.lo_orderkey < 100 GROUP BY a.lo_orderkey ORDER BY 1;

-- q105: parts never ordered
SELECT count(*) FROM part LEFT JOIN lineorder ON lo_partkey = p_partkey WHERE lo_partkey IS NULL;

-- q106: join with parenthesised join tree
SELECT count(*) FROM lineorder JOIN (customer JOIN supplier ON c_nation = s_nation) ON lo_custkey = c_custkey AND lo_suppkey = s_suppkey;

-- q107: LEFT JOIN chain with NULLs propagating
SELECT d_datekey, lo_orderkey, c_name FROM dates LEFT JOIN lineorder ON lo_orderdate = d_datekey
LEFT JOIN customer ON lo_custkey = c_custkey
WHERE d_datekey BETWEEN 19980801 AND 19980805 ORDER BY d_datekey, lo_orderkey, lo_linenumber;

-- q108: join on text columns
SELECT a.c_custkey, s_suppkey FROM customer a JOIN supplier ON a.c_city = s_city WHERE a.c_custkey < 60 ORDER BY 1, 2;

-- q109: inner join producing no rows
SELECT c_custkey, lo_orderkey FROM customer JOIN lineorder ON lo_custkey = c_custkey WHERE c_custkey % 3 = 0 ORDER BY 1, 2;

-- q110: count per join of three dimension attributes
SELECT c_region, s_region, p_mfgr, count(*) FROM lineorder, customer, supplier, part
WHERE lo_custkey = c_custkey AND lo_suppkey = s_suppkey AND lo_partkey = p_partkey AND lo_quantity = 1
GROUP BY 1, 2, 3 ORDER BY 1, 2, 3;
