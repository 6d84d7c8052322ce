--
-- catalog_matviews: how clients see materialized views (pg_matviews, pg_get_viewdef,
-- pg_class, pg_attribute, information_schema, psql's \dm and \d+) and the built-in
-- pg_cast / pg_operator / pg_aggregate rows of what kiln implements. The output is
-- PostgreSQL 15's for the same statements.
--
\! mkdir -p /tmp/kiln-regress-matviews && printf '1,1,EU,3,10.50\n2,2,US,4,20.25\n3,1,,5,\n' > /tmp/kiln-regress-matviews/sales.csv && printf '1,Paris,FR\n2,Rome,IT\n' > /tmp/kiln-regress-matviews/stores.csv
-- kiln reports a refresh's progress in NOTICEs, PostgreSQL does not
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS file_fdw;
CREATE SERVER matview_files FOREIGN DATA WRAPPER file_fdw;
CREATE FOREIGN TABLE mv_sales (
    sale_id  integer NOT NULL,
    store_id integer NOT NULL,
    region   text,
    qty      integer NOT NULL,
    price    numeric(10,2)
) SERVER matview_files OPTIONS (filename '/tmp/kiln-regress-matviews/sales.csv', format 'csv');
CREATE FOREIGN TABLE mv_stores (
    st_id    integer NOT NULL,
    city     text,
    country  text
) SERVER matview_files OPTIONS (filename '/tmp/kiln-regress-matviews/stores.csv', format 'csv');
CREATE MATERIALIZED VIEW mv_cube AS
    SELECT region, store_id, sum(qty) AS qty, sum(price) AS revenue, count(*) AS n
    FROM mv_sales GROUP BY CUBE (region, store_id);
CREATE MATERIALIZED VIEW mv_join AS
    SELECT country, city, sum(qty * 2) AS qty2, min(price) AS min_price
    FROM mv_sales JOIN mv_stores ON store_id = st_id
    GROUP BY ROLLUP (country, city) WITH NO DATA;
CREATE MATERIALIZED VIEW mv_sets AS
    SELECT s.region, count(*) AS n, avg(s.qty)
    FROM mv_sales s GROUP BY GROUPING SETS ((s.region), ());
-- pg_matviews: mv_join is not populated before its first refresh
SELECT * FROM pg_matviews ORDER BY matviewname;
SELECT pg_get_viewdef('mv_cube'::regclass);
SELECT pg_get_viewdef('mv_join'::regclass);
REFRESH MATERIALIZED VIEW mv_join;
SELECT matviewname, ispopulated FROM pg_matviews ORDER BY matviewname;
-- pg_class and pg_attribute rows of a materialized view
SELECT relname, relkind, relam, relnatts, relhasindex, relpersistence, relispopulated, relreplident,
       relnamespace::regnamespace, pg_get_userbyid(relowner) = current_user AS own
FROM pg_class WHERE relname LIKE 'mv\_%' ORDER BY relname;
SELECT attname, atttypid::regtype, attnum, attlen, atttypmod, attnotnull, attbyval, attalign, attstorage
FROM pg_attribute WHERE attrelid = 'mv_cube'::regclass AND attnum > 0 ORDER BY attnum;
-- information_schema lists no materialized views (PostgreSQL's views filter relkind)
SELECT table_name, table_type FROM information_schema.tables WHERE table_name LIKE 'mv\_%' ORDER BY 1;
SELECT table_name FROM information_schema.views WHERE table_name LIKE 'mv\_%';
SELECT table_name, column_name FROM information_schema.columns WHERE table_name LIKE 'mv\_%' ORDER BY 1, 2;
-- psql
\dm
\d mv_cube
\d+ mv_join
-- pg_cast between the numeric types
SELECT oid, castsource::regtype, casttarget::regtype, castfunc, castcontext, castmethod
FROM pg_cast
WHERE castsource IN ('smallint'::regtype, 'integer'::regtype, 'bigint'::regtype, 'real'::regtype,
                     'double precision'::regtype, 'numeric'::regtype)
  AND casttarget IN ('smallint'::regtype, 'integer'::regtype, 'bigint'::regtype, 'real'::regtype,
                     'double precision'::regtype, 'numeric'::regtype)
ORDER BY oid;
-- pg_operator: arithmetic and comparison of integer, bigint, numeric and text
SELECT oid, oprname, oprkind, oprleft::regtype, oprright::regtype, oprresult::regtype, oprcode::oid,
       oprcom, oprnegate, oprcanmerge, oprcanhash
FROM pg_operator
WHERE oprleft IN ('integer'::regtype, 'bigint'::regtype, 'numeric'::regtype, 'text'::regtype)
  AND oprright = oprleft
  AND oprname IN ('=', '<>', '<', '<=', '>', '>=', '+', '-', '*', '/', '%')
ORDER BY oid;
-- pg_aggregate: count, sum, avg, min, max over the types cubes measure
SELECT a.aggfnoid::oid, p.proname, a.aggkind, a.aggnumdirectargs, a.aggtransfn::oid, a.aggfinalfn::oid,
       a.aggcombinefn::oid, a.aggsortop, a.aggtranstype::oid, a.agginitval
FROM pg_aggregate a JOIN pg_proc p ON p.oid = a.aggfnoid
WHERE a.aggfnoid::oid IN (2803, 2147, 2107, 2108, 2109, 2110, 2111, 2114, 2100, 2101, 2103, 2105,
                          2116, 2131, 2132, 2118, 2146, 2517, 2518)
ORDER BY 1;
DROP MATERIALIZED VIEW mv_sets;
DROP MATERIALIZED VIEW mv_join;
DROP MATERIALIZED VIEW mv_cube;
DROP FOREIGN TABLE mv_stores;
DROP FOREIGN TABLE mv_sales;
DROP SERVER matview_files;
