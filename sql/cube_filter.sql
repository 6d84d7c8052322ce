--
-- cube_filter: materialized views whose definition has a WHERE beyond its joins (a cube's
-- model filter): the rows the view holds, pg_get_viewdef and \d+, and aggregate queries over
-- the source tables -- those whose WHERE includes the filter (answered from the cube by
-- kiln) and those that do not (computed from the sources: kylin.query.pushdown). The output
-- is PostgreSQL 15's for the same statements.
--
\! mkdir -p /tmp/kiln-regress-filter && printf '1,1,EU,3,10.50,t\n2,2,US,4,20.25,f\n3,1,,5,,\n4,3,EU,7,1.00,t\n5,2,EU,,2.00,f\n6,1,US,8,7.00,\n7,2,,2,3.50,t\n8,1,EU,6,4.25,t\n' > /tmp/kiln-regress-filter/sales.csv && printf '1,Paris,FR\n2,Rome,IT\n4,Oslo,\n' > /tmp/kiln-regress-filter/stores.csv
-- kiln reports a refresh's progress and a pushed-down query in NOTICEs, PostgreSQL does not
SET client_min_messages = warning;
SET kylin.query.pushdown = on;
CREATE EXTENSION IF NOT EXISTS file_fdw;
CREATE SERVER filter_files FOREIGN DATA WRAPPER file_fdw;
CREATE FOREIGN TABLE f_sales (
    sale_id  integer NOT NULL,
    store_id integer NOT NULL,
    region   text,
    qty      integer,
    price    numeric(10,2),
    promo    boolean
) SERVER filter_files OPTIONS (filename '/tmp/kiln-regress-filter/sales.csv', format 'csv');
CREATE FOREIGN TABLE f_stores (
    st_id    integer NOT NULL,
    city     text,
    country  text
) SERVER filter_files OPTIONS (filename '/tmp/kiln-regress-filter/stores.csv', format 'csv');
-- a filter on a fact column: qty is NULL in one row, which NULL > 3 leaves out
CREATE MATERIALIZED VIEW f_qty AS
    SELECT region, store_id, sum(qty) AS qty, count(*) AS n
    FROM f_sales WHERE qty > 3 GROUP BY CUBE (region, store_id);
-- a filter on a lookup column, with an OR over a boolean fact column, over a LEFT join
CREATE MATERIALIZED VIEW f_country AS
    SELECT region, count(*) AS n, sum(price) AS revenue
    FROM f_sales LEFT JOIN f_stores ON store_id = st_id
    WHERE country = 'FR' OR promo GROUP BY region;
-- comma joins: the equality joins, BETWEEN, IS NOT NULL and NOT IN filter
CREATE MATERIALIZED VIEW f_comma AS
    SELECT city, count(*) AS n, sum(qty) AS qty
    FROM f_sales, f_stores
    WHERE store_id = st_id AND price BETWEEN 2 AND 15 AND region IS NOT NULL AND region NOT IN ('US')
    GROUP BY city;
-- the views hold the filtered rows
SELECT * FROM f_qty ORDER BY region, store_id, n;
SELECT * FROM f_country ORDER BY region;
SELECT * FROM f_comma ORDER BY city;
SELECT region, n FROM f_qty WHERE store_id = 1 ORDER BY region, n;
-- the stored definitions show their WHERE (constants other than integers print with the
-- casts PostgreSQL's analyzer added, which kiln's printer does not know, so only f_qty here)
SELECT pg_get_viewdef('f_qty'::regclass);
SELECT pg_get_viewdef('f_qty'::regclass, true);
\d+ f_qty
-- queries whose WHERE includes the filter (the cube answers them), in other orders and forms;
-- the LEFT JOIN one is computed from the sources (a condition on the optional side of an outer
-- join is not one kiln describes to the cubes)
SELECT region, sum(qty), count(*) FROM f_sales WHERE qty > 3 GROUP BY region ORDER BY region;
SELECT store_id, count(*) FROM f_sales WHERE region = 'EU' AND 3 < qty GROUP BY store_id ORDER BY store_id;
SELECT count(*), sum(qty) FROM f_sales WHERE NOT (qty <= 3);
SELECT region, count(*), sum(price) FROM f_sales LEFT JOIN f_stores ON store_id = st_id
    WHERE (country = 'FR' OR promo) AND region IS NOT NULL GROUP BY region ORDER BY region;
SELECT city, count(*), sum(qty) FROM f_sales JOIN f_stores ON store_id = st_id
    WHERE region NOT IN ('US') AND region IS NOT NULL AND price >= 2 AND price <= 15 GROUP BY city ORDER BY city;
-- queries that do not include a filter (never answered from a filtered cube)
SELECT region, sum(qty), count(*) FROM f_sales GROUP BY region ORDER BY region;
SELECT region, sum(qty) FROM f_sales WHERE qty > 4 GROUP BY region ORDER BY region;
SELECT region, sum(qty) FROM f_sales WHERE qty > 3 OR region = 'US' GROUP BY region ORDER BY region;
SELECT region, count(*) FROM f_sales LEFT JOIN f_stores ON store_id = st_id WHERE country = 'FR'
    GROUP BY region ORDER BY region;
SELECT city, count(*) FROM f_sales JOIN f_stores ON store_id = st_id WHERE price BETWEEN 2 AND 15
    GROUP BY city ORDER BY city;
-- a refresh keeps the filter
REFRESH MATERIALIZED VIEW f_qty;
SELECT region, sum(qty), count(*) FROM f_sales WHERE qty > 3 GROUP BY region ORDER BY region;
DROP MATERIALIZED VIEW f_comma;
DROP MATERIALIZED VIEW f_country;
DROP MATERIALIZED VIEW f_qty;
DROP FOREIGN TABLE f_stores;
DROP FOREIGN TABLE f_sales;
DROP SERVER filter_files;
