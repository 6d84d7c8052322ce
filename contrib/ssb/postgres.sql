-- contrib/ssb/postgres.sql - the SSB tables in a real PostgreSQL 15 (the oracle of the
-- differential test and the peer of the benchmark), loaded from kiln-ssbgen's .tbl files.
--
-- Same schema as kiln.sql, as plain tables, filled with psql's client-side \copy (no
-- superuser needed). Substitute @SSB_DIR@ first:
--   sed "s|@SSB_DIR@|/tmp/ssb-sf1|g" contrib/ssb/postgres.sql | psql -v ON_ERROR_STOP=1 -d ssb
--
-- The trailing '|' of dbgen's lines is the empty last field that the *_pad column
-- takes (NULL), exactly as the foreign tables of kiln.sql do.

CREATE TABLE lineorder (
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
);

CREATE TABLE customer (
    c_custkey     integer     NOT NULL,
    c_name        varchar(25) NOT NULL,
    c_address     varchar(25) NOT NULL,
    c_city        varchar(10) NOT NULL,
    c_nation      varchar(15) NOT NULL,
    c_region      varchar(12) NOT NULL,
    c_phone       varchar(15) NOT NULL,
    c_mktsegment  varchar(10) NOT NULL,
    c_pad         text
);

CREATE TABLE supplier (
    s_suppkey  integer     NOT NULL,
    s_name     varchar(25) NOT NULL,
    s_address  varchar(25) NOT NULL,
    s_city     varchar(10) NOT NULL,
    s_nation   varchar(15) NOT NULL,
    s_region   varchar(12) NOT NULL,
    s_phone    varchar(15) NOT NULL,
    s_pad      text
);

CREATE TABLE part (
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
);

-- The paper's DATE table; "date" is a type name, so it is called dates here (as in Kylin's SSB).
CREATE TABLE dates (
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
);

\copy lineorder FROM '@SSB_DIR@/lineorder.tbl' WITH (FORMAT csv, DELIMITER '|')
\copy customer FROM '@SSB_DIR@/customer.tbl' WITH (FORMAT csv, DELIMITER '|')
\copy supplier FROM '@SSB_DIR@/supplier.tbl' WITH (FORMAT csv, DELIMITER '|')
\copy part FROM '@SSB_DIR@/part.tbl' WITH (FORMAT csv, DELIMITER '|')
\copy dates FROM '@SSB_DIR@/date.tbl' WITH (FORMAT csv, DELIMITER '|')

ANALYZE lineorder;
ANALYZE customer;
ANALYZE supplier;
ANALYZE part;
ANALYZE dates;
