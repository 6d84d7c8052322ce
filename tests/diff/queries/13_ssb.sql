-- The 13 SSB queries (contrib/ssb/queries, star-join text) with their ORDER BY made total
-- (Q3.x order by revenue, which can tie), the two disputed variants, and the other
-- dialects kiln must accept: explicit JOINs, Kylin's LEFT JOIN form, sum(a) - sum(b),
-- a flattened subquery.

-- q356: SSB Q1.1
select sum(lo_extendedprice*lo_discount) as revenue
from lineorder, dates
where lo_orderdate = d_datekey and d_year = 1993 and lo_discount between 1 and 3 and lo_quantity < 25;

-- q357: SSB Q1.2
select sum(lo_extendedprice*lo_discount) as revenue
from lineorder, dates
where lo_orderdate = d_datekey and d_yearmonthnum = 199401 and lo_discount between 4 and 6 and lo_quantity between 26 and 35;

-- q358: SSB Q1.3
select sum(lo_extendedprice*lo_discount) as revenue
from lineorder, dates
where lo_orderdate = d_datekey and d_weeknuminyear = 6 and d_year = 1994
  and lo_discount between 5 and 7 and lo_quantity between 26 and 35;

-- q359: SSB Q1.3 variant, quantity 36 to 40
select sum(lo_extendedprice*lo_discount) as revenue
from lineorder, dates
where lo_orderdate = d_datekey and d_weeknuminyear = 6 and d_year = 1994
  and lo_discount between 5 and 7 and lo_quantity between 36 and 40;

-- q360: SSB Q2.1
select sum(lo_revenue), d_year, p_brand1
from lineorder, dates, part, supplier
where lo_orderdate = d_datekey and lo_partkey = p_partkey and lo_suppkey = s_suppkey
  and p_category = 'MFGR#12' and s_region = 'AMERICA'
group by d_year, p_brand1
order by d_year, p_brand1;

-- q361: SSB Q2.2
select sum(lo_revenue), d_year, p_brand1
from lineorder, dates, part, supplier
where lo_orderdate = d_datekey and lo_partkey = p_partkey and lo_suppkey = s_suppkey
  and p_brand1 between 'MFGR#2221' and 'MFGR#2228' and s_region = 'ASIA'
group by d_year, p_brand1
order by d_year, p_brand1;

-- q362: SSB Q2.3
select sum(lo_revenue), d_year, p_brand1
from lineorder, dates, part, supplier
where lo_orderdate = d_datekey and lo_partkey = p_partkey and lo_suppkey = s_suppkey
  and p_brand1 = 'MFGR#2221' and s_region = 'EUROPE'
group by d_year, p_brand1
order by d_year, p_brand1;

-- q363: SSB Q2.3 variant, brand MFGR#2239
select sum(lo_revenue), d_year, p_brand1
from lineorder, dates, part, supplier
where lo_orderdate = d_datekey and lo_partkey = p_partkey and lo_suppkey = s_suppkey
  and p_brand1 = 'MFGR#2239' and s_region = 'EUROPE'
group by d_year, p_brand1
order by d_year, p_brand1;

-- q364: SSB Q3.1 (ties broken)
select c_nation, s_nation, d_year, sum(lo_revenue) as revenue
from customer, lineorder, supplier, dates
where lo_custkey = c_custkey and lo_suppkey = s_suppkey and lo_orderdate = d_datekey
  and c_region = 'ASIA' and s_region = 'ASIA' and d_year >= 1992 and d_year <= 1997
group by c_nation, s_nation, d_year
order by d_year asc, revenue desc, c_nation, s_nation;

-- q365: SSB Q3.2 (ties broken)
select c_city, s_city, d_year, sum(lo_revenue) as revenue
from customer, lineorder, supplier, dates
where lo_custkey = c_custkey and lo_suppkey = s_suppkey and lo_orderdate = d_datekey
  and c_nation = 'UNITED STATES' and s_nation = 'UNITED STATES' and d_year >= 1992 and d_year <= 1997
group by c_city, s_city, d_year
order by d_year asc, revenue desc, c_city, s_city;

-- q366: SSB Q3.3 (ties broken)
select c_city, s_city, d_year, sum(lo_revenue) as revenue
from customer, lineorder, supplier, dates
where lo_custkey = c_custkey and lo_suppkey = s_suppkey and lo_orderdate = d_datekey
  and (c_city='UNITED KI1' or c_city='UNITED KI5') and (s_city='UNITED KI1' or s_city='UNITED KI5')
  and d_year >= 1992 and d_year <= 1997
group by c_city, s_city, d_year
order by d_year asc, revenue desc, c_city, s_city;

-- q367: SSB Q3.4 (ties broken)
select c_city, s_city, d_year, sum(lo_revenue) as revenue
from customer, lineorder, supplier, dates
where lo_custkey = c_custkey and lo_suppkey = s_suppkey and lo_orderdate = d_datekey
  and (c_city='UNITED KI1' or c_city='UNITED KI5') and (s_city='UNITED KI1' or s_city='UNITED KI5')
  and d_yearmonth = 'Dec1997'
group by c_city, s_city, d_year
order by d_year asc, revenue desc, c_city, s_city;

-- q368: SSB Q4.1
select d_year, c_nation, sum(lo_revenue - lo_supplycost) as profit
from dates, customer, supplier, part, lineorder
where lo_custkey = c_custkey and lo_suppkey = s_suppkey and lo_partkey = p_partkey and lo_orderdate = d_datekey
  and c_region = 'AMERICA' and s_region = 'AMERICA' and (p_mfgr = 'MFGR#1' or p_mfgr = 'MFGR#2')
group by d_year, c_nation
order by d_year, c_nation;

-- q369: SSB Q4.2
select d_year, s_nation, p_category, sum(lo_revenue - lo_supplycost) as profit
from dates, customer, supplier, part, lineorder
where lo_custkey = c_custkey and lo_suppkey = s_suppkey and lo_partkey = p_partkey and lo_orderdate = d_datekey
  and c_region = 'AMERICA' and s_region = 'AMERICA' and (d_year = 1997 or d_year = 1998)
  and (p_mfgr = 'MFGR#1' or p_mfgr = 'MFGR#2')
group by d_year, s_nation, p_category
order by d_year, s_nation, p_category;

-- q370: SSB Q4.3
select d_year, s_city, p_brand1, sum(lo_revenue - lo_supplycost) as profit
from dates, customer, supplier, part, lineorder
where lo_custkey = c_custkey and lo_suppkey = s_suppkey and lo_partkey = p_partkey and lo_orderdate = d_datekey
  and c_region = 'AMERICA' and s_nation = 'UNITED STATES' and (d_year = 1997 or d_year = 1998) and p_category = 'MFGR#14'
group by d_year, s_city, p_brand1
order by d_year, s_city, p_brand1;

-- q371: Q1.2 with d_yearmonth instead of d_yearmonthnum (Doris text)
select sum(lo_extendedprice*lo_discount) as revenue
from lineorder, dates
where lo_orderdate = d_datekey and d_yearmonth = 'Jan1994' and lo_discount between 4 and 6 and lo_quantity between 26 and 35;

-- q372: Q1.1 in Kylin's LEFT JOIN form
select sum(lo_extendedprice * lo_discount) as revenue
from lineorder left join dates on lo_orderdate = d_datekey
where d_year = 1993 and lo_discount between 1 and 3 and lo_quantity < 25;

-- q373: Q2.1 with explicit JOINs
SELECT sum(lo_revenue), d_year, p_brand1
FROM lineorder JOIN dates ON lo_orderdate = d_datekey JOIN part ON lo_partkey = p_partkey JOIN supplier ON lo_suppkey = s_suppkey
WHERE p_category = 'MFGR#12' AND s_region = 'AMERICA'
GROUP BY d_year, p_brand1 ORDER BY d_year, p_brand1;

-- q374: Q3.1 in Kylin's LEFT JOIN form
select c_nation, s_nation, d_year, sum(lo_revenue) as revenue
from lineorder left join dates on lo_orderdate = d_datekey left join customer on lo_custkey = c_custkey
left join supplier on lo_suppkey = s_suppkey
where c_region = 'ASIA' and s_region = 'ASIA' and d_year >= 1992 and d_year <= 1997
group by c_nation, s_nation, d_year
order by d_year asc, revenue desc, c_nation, s_nation;

-- q375: Q4.1 with sum(a) - sum(b) (Kylin form)
select d_year, c_nation, sum(lo_revenue) - sum(lo_supplycost) as profit
from lineorder left join dates on lo_orderdate = d_datekey left join customer on lo_custkey = c_custkey
left join supplier on lo_suppkey = s_suppkey left join part on lo_partkey = p_partkey
where c_region = 'AMERICA' and s_region = 'AMERICA' and (p_mfgr = 'MFGR#1' or p_mfgr = 'MFGR#2')
group by d_year, c_nation
order by d_year, c_nation;

-- q376: Q4.2 with IN lists instead of ORs
select d_year, s_nation, p_category, sum(lo_revenue - lo_supplycost) as profit
from dates, customer, supplier, part, lineorder
where lo_custkey = c_custkey and lo_suppkey = s_suppkey and lo_partkey = p_partkey and lo_orderdate = d_datekey
  and c_region = 'AMERICA' and s_region = 'AMERICA' and d_year in (1997, 1998) and p_mfgr in ('MFGR#1', 'MFGR#2')
group by d_year, s_nation, p_category
order by d_year, s_nation, p_category;

-- q377: Q4.3 over a flattened subquery
SELECT d_year, s_city, p_brand1, sum(lo_revenue - lo_supplycost) AS profit
FROM (SELECT * FROM lineorder JOIN dates ON lo_orderdate = d_datekey JOIN customer ON lo_custkey = c_custkey
      JOIN supplier ON lo_suppkey = s_suppkey JOIN part ON lo_partkey = p_partkey) AS flat
WHERE c_region = 'AMERICA' AND s_nation = 'UNITED STATES' AND d_year IN (1997, 1998) AND p_category = 'MFGR#14'
GROUP BY d_year, s_city, p_brand1 ORDER BY d_year, s_city, p_brand1;

-- q378: Q1.3 with the date range instead of the week number
select sum(lo_extendedprice*lo_discount) as revenue
from lineorder
where lo_orderdate between 19940204 and 19940210 and lo_discount between 5 and 7 and lo_quantity between 26 and 35;

-- q379: the cube's measures over the model, by year and region
SELECT d_year, c_region, s_region, sum(lo_revenue), sum(lo_extendedprice * lo_discount), sum(lo_supplycost), count(*),
       count(DISTINCT lo_custkey)
FROM lineorder JOIN dates ON lo_orderdate = d_datekey JOIN customer ON lo_custkey = c_custkey JOIN supplier ON lo_suppkey = s_suppkey
GROUP BY d_year, c_region, s_region ORDER BY 1, 2, 3;

-- q380: avg derived from the model
SELECT d_year, avg(lo_revenue) AS a, sum(lo_revenue)::numeric / count(*) AS same
FROM lineorder JOIN dates ON lo_orderdate = d_datekey GROUP BY d_year ORDER BY 1;

-- q381: HAVING on an SSB-style rollup
SELECT p_category, sum(lo_revenue) AS r FROM lineorder, part WHERE lo_partkey = p_partkey
GROUP BY p_category HAVING sum(lo_revenue) > 5000000000 / 100 ORDER BY r DESC, p_category;
