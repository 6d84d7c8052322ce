-- contrib/ssb/kiln.sql - the SSB source tables declared in kiln over kiln-ssbgen's .tbl files.
--
-- Substitute @SSB_DIR@ with the absolute path of the directory kiln-ssbgen wrote, e.g.
--   sed "s|@SSB_DIR@|/tmp/ssb-sf1|g" contrib/ssb/kiln.sql | psql -h 127.0.0.1 -p 5433 kiln
--
-- The files are dbgen's format: fields separated by '|' and one more '|' at the end of
-- every line. PostgreSQL's csv reader (and kiln's, which follows it) sees that trailing
-- '|' as one more, empty, field; each table therefore ends with a column *_pad that
-- receives it and is always NULL. postgres.sql declares the same column so that both
-- servers have the same schema. The SSB queries never use it.
--
-- This file is also valid PostgreSQL (with CREATE EXTENSION file_fdw first);
-- tests/e2e/diff_selftest.sh runs it on PostgreSQL 15 to prove it.

CREATE SERVER files FOREIGN DATA WRAPPER file_fdw;

CREATE FOREIGN TABLE lineorder (
    lo_orderkey       bigint      NOT NULL,
    lo_linenumber     integer     NOT NULL,
    lo_custkey        integer     NOT NULL,
    lo_partkey        integer     NOT NULL,
    lo_suppkey        integer     NOT NULL,
    lo_orderdate      integer     NOT NULL,
    lo_orderpriority  varchar(15) NOT NULL,
    lo_shippriority   integer     NOT NULL,
    lo_quantity       integer     NOT NULL,
    lo_extendedprice  integer     NOT NULL,
    lo_ordtotalprice  integer     NOT NULL,
    lo_discount       integer     NOT NULL,
    lo_revenue        integer     NOT NULL,
    lo_supplycost     integer     NOT NULL,
    lo_tax            integer     NOT NULL,
    lo_commitdate     integer     NOT NULL,
    lo_shipmode       varchar(10) NOT NULL,
    lo_pad            text
) SERVER files OPTIONS (filename '@SSB_DIR@/lineorder.tbl', format 'csv', delimiter '|');

CREATE FOREIGN TABLE customer (
    c_custkey     integer     NOT NULL,
    c_name        varchar(25) NOT NULL,
    c_address     varchar(25) NOT NULL,
    c_city        varchar(10) NOT NULL,
    c_nation      varchar(15) NOT NULL,
    c_region      varchar(12) NOT NULL,
    c_phone       varchar(15) NOT NULL,
    c_mktsegment  varchar(10) NOT NULL,
    c_pad         text
) SERVER files OPTIONS (filename '@SSB_DIR@/customer.tbl', format 'csv', delimiter '|');

CREATE FOREIGN TABLE supplier (
    s_suppkey  integer     NOT NULL,
    s_name     varchar(25) NOT NULL,
    s_address  varchar(25) NOT NULL,
    s_city     varchar(10) NOT NULL,
    s_nation   varchar(15) NOT NULL,
    s_region   varchar(12) NOT NULL,
    s_phone    varchar(15) NOT NULL,
    s_pad      text
) SERVER files OPTIONS (filename '@SSB_DIR@/supplier.tbl', format 'csv', delimiter '|');

CREATE FOREIGN TABLE part (
    p_partkey    integer     NOT NULL,
    p_name       varchar(22) NOT NULL,
    p_mfgr       varchar(6)  NOT NULL,
    p_category   varchar(7)  NOT NULL,
    p_brand1     varchar(9)  NOT NULL,
    p_color      varchar(11) NOT NULL,
    p_type       varchar(25) NOT NULL,
    p_size       integer     NOT NULL,
    p_container  varchar(10) NOT NULL,
    p_pad        text
) SERVER files OPTIONS (filename '@SSB_DIR@/part.tbl', format 'csv', delimiter '|');

-- The paper's DATE table; "date" is a type name, so it is called dates here (as in Kylin's SSB).
CREATE FOREIGN TABLE dates (
    d_datekey           integer     NOT NULL,
    d_date              varchar(18) NOT NULL,
    d_dayofweek         varchar(9)  NOT NULL,
    d_month             varchar(9)  NOT NULL,
    d_year              integer     NOT NULL,
    d_yearmonthnum      integer     NOT NULL,
    d_yearmonth         varchar(7)  NOT NULL,
    d_daynuminweek      integer     NOT NULL,
    d_daynuminmonth     integer     NOT NULL,
    d_daynuminyear      integer     NOT NULL,
    d_monthnuminyear    integer     NOT NULL,
    d_weeknuminyear     integer     NOT NULL,
    d_sellingseason     varchar(12) NOT NULL,
    d_lastdayinweekfl   varchar(1)  NOT NULL,
    d_lastdayinmonthfl  varchar(1)  NOT NULL,
    d_holidayfl         varchar(1)  NOT NULL,
    d_weekdayfl         varchar(1)  NOT NULL,
    d_pad               text
) SERVER files OPTIONS (filename '@SSB_DIR@/date.tbl', format 'csv', delimiter '|');
