-- SSB Q1.3, star-join text of the paper (../shared/reference/ssb.md 4.1); table DATE is named dates.
-- Disputed constant: lo_quantity between 26 and 35 (majority text); variants/q1.3-qty36-40.sql has the other.
select sum(lo_extendedprice*lo_discount) as revenue
from lineorder, dates
where lo_orderdate = d_datekey
  and d_weeknuminyear = 6
  and d_year = 1994
  and lo_discount between 5 and 7
  and lo_quantity between 26 and 35;
