-- Dates: yyyymmdd integers turned into dates, date arithmetic, extract, intervals,
-- formatting.

-- q285: integer key to date
SELECT d_datekey, to_date(d_datekey::text, 'YYYYMMDD') AS d, d_datekey::text::date AS d2 FROM dates WHERE d_datekey < 19920106 ORDER BY 1;

-- q286: days between order and commit
SELECT lo_orderkey, lo_linenumber, lo_commitdate::text::date - lo_orderdate::text::date AS days
FROM lineorder WHERE lo_orderkey < 40 ORDER BY 1, 2;

-- q287: commit lag statistics
SELECT min(lo_commitdate::text::date - lo_orderdate::text::date), max(lo_commitdate::text::date - lo_orderdate::text::date),
       avg(lo_commitdate::text::date - lo_orderdate::text::date)
FROM lineorder;

-- q288: date plus integer
SELECT d_datekey, d_datekey::text::date + 30 AS plus30, d_datekey::text::date - 1 AS minus1 FROM dates WHERE d_datekey IN (19920131, 19920229, 19981230) ORDER BY 1;

-- q289: date plus interval gives timestamp
SELECT DATE '1995-01-31' + interval '1 month' AS a, DATE '1996-02-29' + interval '1 year' AS b, DATE '1994-03-01' - interval '1 day' AS c;

-- q290: extract fields from dates
SELECT d_datekey, extract(year FROM d) AS y, extract(month FROM d) AS m, extract(day FROM d) AS dd, extract(doy FROM d) AS doy, extract(dow FROM d) AS dow
FROM (SELECT d_datekey, d_datekey::text::date AS d FROM dates WHERE d_datekey BETWEEN 19940201 AND 19940210) AS t ORDER BY 1;

-- q291: dbgen's day numbering against extract(dow)
SELECT extract(dow FROM d_datekey::text::date) AS dow, d_daynuminweek, d_dayofweek, count(*)
FROM dates GROUP BY 1, 2, 3 ORDER BY 1;

-- q292: date_part and the ISO week
SELECT d_datekey, date_part('week', d_datekey::text::date) AS iso_week, d_weeknuminyear
FROM dates WHERE d_datekey BETWEEN 19940101 AND 19940110 ORDER BY 1;

-- q293: date_trunc on timestamps
SELECT date_trunc('month', d_datekey::text::timestamp) AS m, date_trunc('year', d_datekey::text::timestamp) AS y, count(*)
FROM dates WHERE d_year = 1997 GROUP BY 1, 2 ORDER BY 1;

-- q294: make_date from the parts
SELECT count(*) FROM dates WHERE make_date(d_year, d_monthnuminyear, d_daynuminmonth) = d_datekey::text::date;

-- q295: to_char of dates
SELECT d_datekey, to_char(d_datekey::text::date, 'YYYY-MM-DD') AS iso, to_char(d_datekey::text::date, 'Mon DD YYYY') AS m, to_char(d_datekey::text::date, 'Day') AS dn
FROM dates WHERE d_datekey < 19920104 ORDER BY 1;

-- q296: date comparisons with literals
SELECT count(*) FROM lineorder WHERE lo_orderdate::text::date BETWEEN DATE '1995-06-01' AND DATE '1995-06-30';

-- q297: revenue per quarter
SELECT extract(year FROM d)::int AS y, extract(quarter FROM d)::int AS q, sum(lo_revenue)
FROM (SELECT lo_orderdate::text::date AS d, lo_revenue FROM lineorder) AS t GROUP BY 1, 2 ORDER BY 1, 2;

-- q298: interval arithmetic and output
SELECT interval '1 day' * 3 AS a, interval '2 hours 30 minutes' + interval '45 minutes' AS b, interval '1 month' - interval '1 day' AS c,
       DATE '1998-01-01' - DATE '1997-01-01' AS d;

-- q299: age between dates
SELECT age(DATE '1998-08-02', DATE '1992-01-01') AS a, age(timestamp '1995-03-01', timestamp '1995-01-31') AS b;

-- q300: timestamps from dates and back
SELECT d_datekey::text::date::timestamp AS ts, (d_datekey::text::date::timestamp + interval '36 hours')::date AS d2
FROM dates WHERE d_datekey < 19920103 ORDER BY 1;

-- q301: last day of each month by date arithmetic
SELECT d_yearmonthnum, (date_trunc('month', min(d_datekey::text::timestamp)) + interval '1 month' - interval '1 day')::date AS last_day
FROM dates WHERE d_year = 1996 GROUP BY d_yearmonthnum ORDER BY 1;

-- q302: dbgen's inverted last-day-of-month flag
SELECT d_lastdayinmonthfl, count(*) FROM dates
WHERE (d_datekey::text::date + 1) = date_trunc('month', d_datekey::text::date + 1)::date GROUP BY 1 ORDER BY 1;

-- q303: orders per weekday name
SELECT to_char(lo_orderdate::text::date, 'FMDay') AS wd, count(DISTINCT lo_orderkey) FROM lineorder GROUP BY 1 ORDER BY 1;

-- q304: generate_series over dates
SELECT d::date AS d FROM generate_series(DATE '1996-02-26', DATE '1996-03-02', interval '1 day') AS g(d) ORDER BY 1;

-- q305: days in each year of the date table
SELECT d_year, max(d_daynuminyear) AS days, max(d_datekey::text::date) - min(d_datekey::text::date) + 1 AS span
FROM dates GROUP BY d_year ORDER BY 1;

-- q306: leap days
SELECT d_datekey, d_date, d_dayofweek FROM dates WHERE d_monthnuminyear = 2 AND d_daynuminmonth = 29 ORDER BY 1;

-- q307: date literal formats
SELECT DATE '1995-1-5' AS a, '19950105'::date AS b, 'January 5, 1995'::date AS c;

-- q308: extract epoch and julian
SELECT extract(epoch FROM DATE '1992-01-01') AS e, to_char(DATE '1992-01-01', 'J') AS j;

-- q309: month boundaries with interval on timestamps
SELECT timestamp '1996-01-31 10:00' + interval '1 month' AS a, timestamp '1996-03-31' - interval '1 month' AS b;
