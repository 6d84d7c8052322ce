--
-- cube_minmax: min() and max() measures over date, timestamp, timestamptz and time: the
-- rows the view holds, aggregate queries over the source tables answered from the cube
-- (with rollup, NULL inputs ignored, an all-NULL group NULL, infinite dates and timestamps,
-- which are the storage's all-NULL sentinels for timestamps), in three time zones, and
-- min(boolean), which does not exist. The output is PostgreSQL 15's.
--
\! mkdir -p /tmp/kiln-regress-minmax && printf '1,1,EU,2024-01-05,2024-01-05 10:00:00,2024-01-05 10:00:00+00,10:00:00,a,t,1 day\n2,2,US,2023-12-31,2023-12-31 23:59:59.5,2023-12-31 23:59:59.5-05,23:59:59.5,b,f,2 days\n3,1,,2024-02-29,,2024-02-29 00:00:00+00,,c,,\n4,3,EU,,2024-03-01 08:30:00,,08:30:00,d,t,3 hours\n5,2,EU,1999-12-31,1999-12-31 12:00:00,1999-12-31 12:00:00+01,00:00:00,e,f,\n6,1,US,2024-07-01,2024-07-01 00:00:01,2024-07-01 00:00:01+02,12:34:56.789,f,,\n7,4,AS,,,,,g,,\n8,4,AS,,,,,h,t,\n9,3,INF,infinity,infinity,infinity,,i,,\n10,3,INF,,,,,j,,\n11,4,NEG,-infinity,-infinity,-infinity,,k,,\n' > /tmp/kiln-regress-minmax/orders.csv && printf '1,Paris\n2,Rome\n3,Oslo\n4,Tokyo\n' > /tmp/kiln-regress-minmax/stores.csv
-- kiln reports a refresh's progress in NOTICEs, PostgreSQL does not
SET client_min_messages = warning;
SET DateStyle = ISO;
SET TimeZone = 'UTC';
CREATE EXTENSION IF NOT EXISTS file_fdw;
CREATE SERVER minmax_files FOREIGN DATA WRAPPER file_fdw;
CREATE FOREIGN TABLE m_orders (
    order_id   integer NOT NULL,
    store_id   integer NOT NULL,
    region     text,
    order_date date,
    order_ts   timestamp,
    paid_at    timestamptz,
    slot       time,
    note       text,
    rush       boolean,
    wait       interval
) SERVER minmax_files OPTIONS (filename '/tmp/kiln-regress-minmax/orders.csv', format 'csv');
CREATE FOREIGN TABLE m_stores (
    st_id integer NOT NULL,
    city  text
) SERVER minmax_files OPTIONS (filename '/tmp/kiln-regress-minmax/stores.csv', format 'csv');
CREATE MATERIALIZED VIEW m_cube AS
    SELECT region, city, count(*) AS n, max(order_date) AS last_order, min(order_date) AS first_order,
           min(order_ts) AS first_ts, max(order_ts) AS last_ts, min(paid_at) AS first_paid,
           max(paid_at) AS last_paid, min(slot) AS first_slot, max(slot) AS last_slot
    FROM m_orders JOIN m_stores ON store_id = st_id
    GROUP BY CUBE (region, city);
-- the view holds PostgreSQL's rows and types
\d m_cube
SELECT * FROM m_cube ORDER BY region, city, n;
SELECT region, last_order, last_paid FROM m_cube WHERE city IS NULL ORDER BY region, last_order;
-- aggregate queries over the sources: the cube answers them (pushdown off: an error otherwise)
SET kylin.query.pushdown = off;
SELECT region, max(order_date), min(order_date), count(*) FROM m_orders GROUP BY region ORDER BY region;
SELECT city, min(order_ts), max(order_ts), min(slot), max(slot)
    FROM m_orders JOIN m_stores ON store_id = st_id GROUP BY city ORDER BY city;
SELECT min(order_date), max(order_date), min(order_ts), max(order_ts), min(paid_at), max(paid_at),
       min(slot), max(slot) FROM m_orders;
SELECT region, min(paid_at), max(paid_at) FROM m_orders WHERE region IN ('EU', 'AS') GROUP BY region
    ORDER BY region;
SELECT region, max(order_date) AS last FROM m_orders GROUP BY region HAVING max(order_date) > '2024-01-01'
    ORDER BY last DESC;
-- two-level plans: GROUP BY expressions, ROLLUP in the query, FILTER (the cube's partial
-- min/max per combination of the dimensions, then the executor's min/max)
SELECT CASE WHEN region = 'EU' THEN 'eu' ELSE 'other' END AS r, max(paid_at) AS last_paid,
       min(order_date) AS first_order FROM m_orders GROUP BY 1 ORDER BY 1;
SELECT region, city, max(order_ts) AS last_ts, min(slot) AS first_slot
    FROM m_orders JOIN m_stores ON store_id = st_id GROUP BY ROLLUP (region, city) ORDER BY 1, 2, 3;
SELECT region, max(order_date) FILTER (WHERE city = 'Paris') AS paris, min(paid_at) FILTER (WHERE city <> 'Paris')
    FROM m_orders JOIN m_stores ON store_id = st_id GROUP BY region ORDER BY 1;
-- timestamptz is printed in the session's TimeZone
SET TimeZone = 'America/New_York';
SELECT region, min(paid_at), max(paid_at) FROM m_orders GROUP BY region ORDER BY region;
SELECT region, last_paid FROM m_cube WHERE city IS NULL ORDER BY region, last_paid;
SET TimeZone = 'Asia/Kolkata';
SELECT max(paid_at), min(paid_at) FROM m_orders;
RESET TimeZone;
SET TimeZone = 'UTC';
-- a refresh keeps the measures
REFRESH MATERIALIZED VIEW m_cube;
SELECT region, max(order_date), min(order_ts) FROM m_orders GROUP BY region ORDER BY region;
-- min and max of boolean do not exist (bool_and and bool_or do); text, interval and other
-- types PostgreSQL orders are refused by kiln as measures (tests/unit/test_mv.c)
CREATE MATERIALIZED VIEW m_bad AS SELECT region, min(rush) FROM m_orders GROUP BY region;
RESET kylin.query.pushdown;
DROP MATERIALIZED VIEW m_cube;
DROP FOREIGN TABLE m_stores;
DROP FOREIGN TABLE m_orders;
DROP SERVER minmax_files;
