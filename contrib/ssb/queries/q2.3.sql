-- SSB Q2.3, star-join text of the paper (../shared/reference/ssb.md 4.1); table DATE is named dates.
-- Disputed constant: p_brand1 = 'MFGR#2221' (paper); variants/q2.3-mfgr2239.sql has the other.
select sum(lo_revenue), d_year, p_brand1
from lineorder, dates, part, supplier
where lo_orderdate = d_datekey
  and lo_partkey = p_partkey
  and lo_suppkey = s_suppkey
  and p_brand1 = 'MFGR#2221'
  and s_region = 'EUROPE'
group by d_year, p_brand1
order by d_year, p_brand1;
