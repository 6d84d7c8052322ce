-- SSB Q1.1, star-join text of the paper (../shared/reference/ssb.md 4.1); table DATE is named dates.
select sum(lo_extendedprice*lo_discount) as revenue
from lineorder, dates
where lo_orderdate = d_datekey
  and d_year = 1993
  and lo_discount between 1 and 3
  and lo_quantity < 25;
