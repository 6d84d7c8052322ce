--
-- psql_describe: psql's describe commands (\l \dn \dt \d \d+ \df \dv \dm \dx \dT \dE)
-- over source tables declared the file_fdw way. The output is what PostgreSQL 15 prints
-- for the same declarations: kiln runs psql's catalog queries through its engine.
--
-- The reference PostgreSQL needs file_fdw created and usable by the test user
-- (tests/lib/pgref.sh); in kiln file_fdw is built in, so CREATE EXTENSION is a no-op.
--
\! mkdir -p /tmp/kiln-regress-describe && printf '1|1|7|2|3|19940101|1-URGENT|0|17|2116823|17366547|4|2032150|4|1|19940101|TRUCK|\n' > /tmp/kiln-regress-describe/lineorder.tbl && printf '1|Customer#000000001|j5JsirBM9P|MOROCCO  0|MOROCCO|AFRICA|25-989-741-2988|BUILDING|\n' > /tmp/kiln-regress-describe/customer.tbl
CREATE EXTENSION IF NOT EXISTS file_fdw;
CREATE SERVER describe_files FOREIGN DATA WRAPPER file_fdw;
CREATE SCHEMA describe_ssb;
CREATE FOREIGN TABLE lineorder (
    lo_orderkey       bigint      NOT NULL,
    lo_linenumber     integer     NOT NULL,
    lo_custkey        integer     NOT NULL,
    lo_partkey        integer     NOT NULL,
    lo_suppkey        integer     NOT NULL,
    lo_orderdate      integer     NOT NULL,
    lo_orderpriority  varchar(15) NOT NULL,
    lo_shippriority   char(1),
    lo_quantity       smallint,
    lo_extendedprice  numeric(15,2),
    lo_ordtotalprice  numeric,
    lo_discount       double precision,
    lo_revenue        real,
    lo_supplycost     integer,
    lo_tax            integer,
    lo_commitdate     date,
    lo_shipmode       text,
    lo_pad            text
) SERVER describe_files
  OPTIONS (filename '/tmp/kiln-regress-describe/lineorder.tbl', format 'csv', delimiter '|');
CREATE FOREIGN TABLE describe_ssb.customer (
    c_custkey     integer     NOT NULL,
    c_name        varchar(25) NOT NULL,
    c_address     varchar(25),
    c_city        character(10),
    c_nation      varchar(15),
    c_region      varchar(12),
    c_phone       varchar(15),
    c_mktsegment  varchar(10),
    c_pad         text
) SERVER describe_files
  OPTIONS (filename '/tmp/kiln-regress-describe/customer.tbl', format 'csv', delimiter '|', header 'false');
SELECT lo_orderkey, lo_orderpriority, lo_extendedprice, lo_discount FROM lineorder;
SELECT c_custkey, c_name, c_city FROM describe_ssb.customer;
\l kiln
\dn
\dt
\dE
\dE describe_ssb.*
\d
\d lineorder
\d+ lineorder
\d describe_ssb.customer
\d+ describe_ssb.customer
\d no_such_table
\df
\dv
\dm
\dx
\dT
\des
SET search_path = describe_ssb, public;
\d
\d customer
RESET search_path;
DROP FOREIGN TABLE describe_ssb.customer;
DROP FOREIGN TABLE lineorder;
DROP SERVER describe_files;
DROP SCHEMA describe_ssb;
\d
\dn
