#!/usr/bin/python3
"""cube_diff.py - differential test of kiln's cubes against PostgreSQL 15 (TAP on stdout).

Driven by tests/e2e/cube_diff.sh, which starts kilnd and a reference PostgreSQL and passes
their DSNs. This program:

  1. generates a small seeded data set (CSV files in --dir): a fact table and four lookups
     (customers, a nation table snowflaked off them, products, a calendar) with every column
     type kiln's cubes take -- int2/int4/int8, numeric(p,s), float4/float8, text, varchar,
     char(n), date, timestamp, timestamptz (with offsets and infinities), time, boolean -- NULLs in dimension and measure columns, fact rows
     whose customer (or the customer's nation) does not exist, empty strings, trailing
     blanks, negative numbers, skewed and duplicate values, a ROLLUP "hierarchy" that is
     not a functional dependency;
  2. declares them in kiln as file_fdw foreign tables (one fact table name per cube design,
     all over the same file, so each query names the design it exercises) and loads them
     into PostgreSQL as plain tables (COPY; the per-design fact names are views there);
  3. creates the cube designs (plain GROUP BY, CUBE, ROLLUP over a snowflake, joint and
     mandatory columns, GROUPING SETS, LEFT JOINs, every dimension type) and refreshes them;
  4. generates queries per design (and a few fixed ones: the grand total, every dimension,
     no row passing, count(1), CASE over dimensions inside sum/count/avg, min/max of
     dimensions, string_agg(DISTINCT ...), bool_or, every) and runs each on both servers. Two checks per query:
       "routed":  a query the design can answer must be answered from it (EXPLAIN says
                  Cube Scan); one it cannot answer (a column that is not a dimension, a
                  missing measure, a left-out or changed join that would change the fact
                  rows) must fail with SQLSTATE 0A000;
       "rows":    column names, type OIDs and every value as text equal PostgreSQL's (rows
                  in order: every query orders by all its output columns); for a refused
                  query, the rows kiln computes with kylin.query.pushdown = on.
     Every eighth query with group columns is instead SELECT DISTINCT of them over the same
     FROM and WHERE: answered from a cube when one covers it, else computed from the sources
     (a DISTINCT is never refused). Whether a query is answerable is decided here from the data (which fact rows each
     join keeps) and the design, never from kiln's answer;
  5. creates designs with a model filter (WHERE in the definition: FILTERED) and runs fixed
     queries against them: those whose WHERE includes every condition of the filter are
     answered from the cube (EXPLAIN shows its Cube Filter), the others refused naming the
     filter; rows and the views themselves against PostgreSQL;
  6. min/max measures over date, timestamp, timestamptz and time (designs "cube" and "left"):
     in the generated queries, the views themselves, and the extended protocol with binary
     results compared byte for byte. Every session runs in ZONE (a half-hour offset with
     daylight saving time), so timestamptz text is compared in a zone other than UTC.

Float measures hold multiples of 1/8 (float8) and 1/4 (float4), so their sums are exact in
any order and compare as text; float dimensions may hold any value.

Known kiln bugs are reported as "not ok ... # TODO reason" (see KNOWN below).
Usage: cube_diff.py --dir DIR --kiln DSN --ref DSN [--seed N] [--queries N] [--only REGEX]
"""

import argparse
import datetime
import decimal
import random
import hashlib
import re
import socket
import struct
import sys
import time

import psycopg2
import psycopg2.extensions

D = decimal.Decimal

# conditions on one column that are not comparisons with constants, per column kind
EXPR_PREDS = {
    "text": ["%(c)s LIKE 'W%%'", "%(c)s NOT LIKE '%%e%%'", "%(c)s ILIKE '%%a%%'", "lower(%(c)s) = 'web'",
             "length(%(c)s) > 3", "coalesce(%(c)s, 'none') = 'none'", "%(c)s ~ '^[A-M]'",
             "upper(%(c)s) || '!' <> 'EAST!'", "CASE WHEN %(c)s < 'M' THEN 1 ELSE 0 END = 1"],
    "int": ["%(c)s %% 2 = 0", "abs(%(c)s) > 3", "coalesce(%(c)s, -1) = -1", "CASE WHEN %(c)s > 3 THEN 1 ELSE 0 END = 1",
            "%(c)s * 2 + 1 > 7"],
    "num": ["round(%(c)s) > 1", "%(c)s * 2 > 5", "coalesce(%(c)s, 0) = 0"],
    "float": ["%(c)s * 2 > 1", "abs(%(c)s) < 1"],
    "date": ["extract(month FROM %(c)s) = 2", "date_part('day', %(c)s) < 10", "%(c)s + 1 > DATE '2024-02-01'"],
}

# ---------------------------------------------------------------- schema

# (name, sql type, NOT NULL, kind) -- kind: "int", "num", "float", "text", "date", "ts", "tstz", "time", "bool"
SCHEMA = {
    "nation": [
        ("n_id", "int4", True, "int"),
        ("n_name", "text", True, "text"),
        ("n_region", "varchar(12)", True, "text"),
    ],
    "cust": [
        ("c_id", "int4", True, "int"),
        ("c_name", "varchar(20)", True, "text"),
        ("c_region", "text", False, "text"),
        ("c_nation", "text", False, "text"),
        ("c_city", "varchar(15)", False, "text"),
        ("c_seg", "char(4)", False, "text"),
        ("c_score", "float8", False, "float"),
        ("c_lat", "float8", False, "float"),
        ("c_vip", "boolean", True, "bool"),
        ("c_nkey", "int4", True, "int"),
        ("c_since", "date", False, "date"),
    ],
    "prod": [
        ("p_id", "int2", True, "int"),
        ("p_cat", "text", True, "text"),
        ("p_brand", "varchar(10)", False, "text"),
        ("p_size", "int4", False, "int"),
        ("p_big", "int8", True, "int"),
        ("p_weight", "numeric(6,1)", False, "num"),
    ],
    "cal": [
        ("d_date", "date", True, "date"),
        ("d_year", "int2", True, "int"),
        ("d_month", "int4", True, "int"),
        ("d_dow", "text", True, "text"),
        ("d_hol", "boolean", False, "bool"),
    ],
    "fact": [
        ("id", "int8", True, "int"),
        ("k_cust", "int4", False, "int"),
        ("k_prod", "int2", True, "int"),
        ("k_date", "date", True, "date"),
        ("ch", "text", False, "text"),
        ("flag", "boolean", False, "bool"),
        ("ts", "timestamp", False, "ts"),
        ("qty", "int2", False, "int"),
        ("units", "int4", True, "int"),
        ("big", "int8", True, "int"),
        ("price", "numeric(10,2)", False, "num"),
        ("disc", "numeric(4,3)", True, "num"),
        ("rate", "float8", False, "float"),
        ("w", "float4", True, "float"),
        ("tz", "timestamptz", False, "tstz"),
        ("tod", "time", False, "time"),
    ],
}
COLS = {t: {c[0]: c for c in cols} for t, cols in SCHEMA.items()}
TABLE_OF = {}
for _t, _cols in SCHEMA.items():
    for _c in _cols:
        if _t != "fact":
            TABLE_OF[_c[0]] = _t


def gen_data(seed):
    r = random.Random(seed)
    data = {}
    regions = ["EAST", "WEST", "", "north", "Süd"]
    nations = []
    for i in range(1, 9):
        nations.append((i, "N%d" % i if i != 5 else "N'5", ["EAST", "WEST", "EAST", "north", "WEST", "north", "EAST", "EAST"][i - 1]))
    data["nation"] = nations
    cust = []
    for i in range(1, 41):
        if i in (13, 27):  # fact rows reference them: no customer row
            continue
        reg = r.choice(regions) if i % 9 else None
        nat = None if reg is None else "%s-%d" % (reg or "x", i % 3)
        city = None if i % 11 == 0 else "city%d" % (i % 7)
        if i in (5, 6):  # the same city under two nations: a ROLLUP that is no functional dependency
            city = "Springfield"
        seg = r.choice(["A", "BB", "CCCC", "A ", None, ""])
        score = None if i % 8 == 0 else r.randrange(-80, 80) / 16
        lat = None if i % 12 == 0 else round(r.uniform(-5, 5), r.choice([1, 2, 3])) * r.choice([1, 1e-5, 1e7])
        if lat == 0 or i == 21:
            lat = -0.0  # PostgreSQL prints a group of -0 alone as -0 (never a +0 here: that group's text is its first row's)
        since = None if i % 10 == 3 else datetime.date(2015, 1, 1) + datetime.timedelta(days=r.randrange(3000))
        nkey = r.randrange(1, 11)  # 9 and 10 have no nation row
        cust.append((i, "cust %d" % i, reg, nat, city, seg, score, lat, r.random() < 0.3, nkey, since))
    data["cust"] = cust
    prod = []
    cats = ["tools", "toys", "food", "", "TOYS"]
    for i in range(1, 31):
        cat = cats[i % len(cats)]
        brand = None if i % 6 == 0 else "%s#%d" % (cat[:2] or "zz", i % 4)
        size = None if i % 7 == 0 else r.choice([1, 2, 2, 3, 5, 8, -1, 0])
        big = r.choice([10 ** 12, -3, 0, 7 * 10 ** 15, 42])
        weight = None if i % 5 == 0 else D(r.randrange(-999, 99999)) / 10
        prod.append((i, cat, brand, size, big, weight))
    data["prod"] = prod
    cal = []
    d0 = datetime.date(2023, 12, 20)
    for i in range(70):
        d = d0 + datetime.timedelta(days=i)
        cal.append((d, d.year, d.month, d.strftime("%a"), None if i % 13 == 0 else d.weekday() >= 5))
    data["cal"] = cal
    fact = []
    chans = ["web", "web", "web", "store", "", "phone", "Web", "web ", None, "o'clock"]
    for i in range(1, 1601):
        if r.random() < 0.04:
            kc = None
        elif r.random() < 0.06:
            kc = r.choice([13, 27, 41, 99])
        else:
            kc = min(int(r.expovariate(0.08)) + 1, 40)  # skewed
            if kc in (13, 27):
                kc += 1
        kp = r.randrange(1, 31)
        kd = d0 + datetime.timedelta(days=min(int(r.expovariate(0.05)), 69))
        ch = r.choice(chans)
        flag = r.choice([True, False, False, None])
        ts = None if r.random() < 0.05 else datetime.datetime(2024, 1, 1) + datetime.timedelta(minutes=r.randrange(0, 3) * 90 + r.choice([0, 0, 7]))
        qty = None if r.random() < 0.1 else r.choice([r.randrange(-50, 300), 0, 1, 1, 32767 // 100])
        units = r.choice([r.randrange(-1000, 100000), 1, 5, 5])
        big = r.choice([r.randrange(-10 ** 15, 10 ** 15), 0, 10 ** 12])
        price = None if r.random() < 0.08 else D(r.randrange(-999999, 9999999)) / 100
        disc = D(r.randrange(0, 251)) / 1000
        rate = None if r.random() < 0.1 else r.randrange(-8000, 8000) / 8
        w = r.randrange(-1000, 1000) / 4
        # derived from ts and i, so the other columns' random stream is unchanged; timestamptz text
        # always carries an offset (a build reads offset-less text as UTC, PostgreSQL's COPY in its
        # zone), and a few rows hold the infinities (the int64 extremes, next to the cube's sentinels)
        if i % 211 == 0:
            tz = "infinity"
        elif i % 223 == 0:
            tz = "-infinity"
        elif ts is None or i % 17 == 0:
            tz = None
        else:
            tz = (ts + datetime.timedelta(hours=i % 3, seconds=i % 2 / 2)).isoformat(sep=" ") + \
                ["+00", "+05:30", "-08", "+01", "-03:30"][i % 5]
        tod = None if ts is None or i % 7 == 0 else (ts + datetime.timedelta(microseconds=i * 250)).time()
        fact.append((i, kc, kp, kd, ch, flag, ts, qty, units, big, price, disc, rate, w, tz, tod))
    data["fact"] = fact
    return data


def csv_field(v):
    if v is None:
        return ""
    if isinstance(v, bool):
        return "t" if v else "f"
    if isinstance(v, str):
        return '"' + v.replace('"', '""') + '"'
    if isinstance(v, float):
        return repr(v)
    return str(v)


def write_csv(path, rows):
    with open(path, "w", encoding="utf-8") as f:
        for row in rows:
            f.write(",".join(csv_field(v) for v in row) + "\n")


# ---------------------------------------------------------------- cube designs

# A design: its fact table name (a foreign table over fact.csv), its lookups
# (table, parent table, [(parent col, lookup col)], "INNER"|"LEFT") in join order,
# its GROUP BY clause, its measures (SQL text). dims are read off the GROUP BY text.
DESIGNS = [
    dict(name="plain", fact="f_plain",
         joins=[("cust", "f_plain", [("k_cust", "c_id")], "INNER"), ("prod", "f_plain", [("k_prod", "p_id")], "INNER")],
         group="c_region, c_nation, p_cat, ch, flag",
         measures=["count(*) AS cnt", "sum(units) AS su", "sum(qty) AS sq", "count(qty) AS cq", "min(qty) AS mnq",
                   "max(qty) AS mxq", "sum(price) AS sp", "min(price) AS mnp", "max(price) AS mxp", "sum(rate) AS sr",
                   "avg(units) AS au", "sum(big) AS sb"]),
    # A second cube over the same fact table: a query goes to whichever answers it (the smallest cuboid).
    dict(name="plain_b", fact="f_plain",
         joins=[("prod", "f_plain", [("k_prod", "p_id")], "INNER")],
         group="ROLLUP (p_cat, p_brand), ch",
         measures=["count(*) AS cnt", "sum(units) AS su", "max(w) AS mxw", "sum(w) AS sw", "min(units) AS mnu"]),
    dict(name="cube", fact="f_cube",
         joins=[("cal", "f_cube", [("k_date", "d_date")], "INNER")],
         group="CUBE (d_year, d_month, ch, flag, k_prod)",
         measures=["count(*) AS cnt", "sum(units) AS su", "sum(big) AS sb", "min(rate) AS mnr", "max(rate) AS mxr",
                   "sum(rate) AS sr", "sum(w) AS sw", "min(w) AS mnw", "max(w) AS mxw", "sum(units * disc) AS sud",
                   "sum(price) AS sp", "count(price) AS cp", "min(ts) AS mnts", "max(tz) AS mxtz",
                   "max(k_date) AS mxkd", "min(tod) AS mntod"]),
    dict(name="roll", fact="f_roll",
         joins=[("cust", "f_roll", [("k_cust", "c_id")], "INNER"), ("nation", "cust", [("c_nkey", "n_id")], "INNER")],
         group="ROLLUP (n_region, n_name, c_city)",
         measures=["count(*) AS cnt", "sum(units - big) AS sub", "sum(units) AS su", "sum(big) AS sb",
                   "sum(disc * units) AS sdu", "max(disc) AS mxd", "min(big) AS mnb", "sum(price) AS sp"]),
    dict(name="joint", fact="f_joint",
         joins=[("prod", "f_joint", [("k_prod", "p_id")], "INNER")],
         group="ch, CUBE ((p_cat, p_brand), p_size, flag)",
         measures=["count(*) AS cnt", "sum(qty) AS sq", "sum(units) AS su", "max(price) AS mxp", "min(units) AS mnu",
                   "count(rate) AS cr", "sum(w) AS sw"]),
    dict(name="gsets", fact="f_gsets",
         joins=[("cust", "f_gsets", [("k_cust", "c_id")], "INNER"), ("cal", "f_gsets", [("k_date", "d_date")], "INNER")],
         group="GROUPING SETS ((c_region, d_year), (c_seg), (d_hol, ch), ())",
         measures=["count(*) AS cnt", "sum(units) AS su", "avg(price) AS ap", "sum(rate) AS sr", "min(qty) AS mnq"]),
    dict(name="left", fact="f_left",
         joins=[("cust", "f_left", [("k_cust", "c_id")], "LEFT"), ("prod", "f_left", [("k_prod", "p_id")], "LEFT"),
                ("nation", "cust", [("c_nkey", "n_id")], "LEFT")],
         group="CUBE (c_region, p_cat, n_name), flag",
         measures=["count(*) AS cnt", "sum(units) AS su", "sum(c_score) AS scs", "max(c_score) AS mxcs",
                   "sum(p_weight) AS spw", "count(c_id) AS ccid", "sum(price) AS sp", "min(p_big) AS mnpb",
                   "min(c_since) AS mnsince", "max(tz) AS mxtz", "min(tz) AS mntz", "max(tod) AS mxtod"]),
    dict(name="types", fact="f_types",
         joins=[("cust", "f_types", [("k_cust", "c_id")], "LEFT"), ("cal", "f_types", [("k_date", "d_date")], "INNER")],
         group="k_prod, k_cust, id, c_seg, c_name, c_lat, c_vip, c_since, k_date, ts, w, flag, d_hol",
         measures=["count(*) AS cnt", "sum(qty) AS sq", "sum(price) AS sp", "sum(rate) AS sr"]),
    # A column in two ROLLUPs of one product: PostgreSQL's sets {}, {y}, {y,m} x {}, {y}, {y,ch}.
    dict(name="rr", fact="f_rr",
         joins=[("cal", "f_rr", [("k_date", "d_date")], "INNER")],
         group="ROLLUP (d_year, d_month), ROLLUP (d_year, ch)",
         measures=["count(*) AS cnt", "sum(units) AS su", "max(qty) AS mxq"]),
    # Sums beyond int64: 1000 * p_big is up to 7e18 per row, PostgreSQL's sum(int8) is numeric,
    # kiln's cube sums are int64: the build must fail with 22003, never store a wrapped sum.
    dict(name="ovf", fact="f_ovf",
         joins=[("prod", "f_ovf", [("k_prod", "p_id")], "INNER")],
         group="p_cat, CUBE (ch)", error="22003",
         measures=["count(*) AS cnt", "sum(1000 * p_big) AS sbig", "sum(p_big) AS spb", "sum(big) AS sb"]),
    # A product past int64 in one fact row (10000 * 7e15): 22003 as well.
    dict(name="ovfrow", fact="f_ovf",
         joins=[("prod", "f_ovf", [("k_prod", "p_id")], "INNER")],
         group="p_cat", error="22003",
         measures=["count(*) AS cnt", "sum(10000 * p_big) AS sbig"]),
    # The same without the product: large sums that fit.
    dict(name="big", fact="f_ovf",
         joins=[("prod", "f_ovf", [("k_prod", "p_id")], "INNER")],
         group="p_cat, CUBE (ch)",
         measures=["count(*) AS cnt", "sum(p_big) AS spb", "sum(big) AS sb"]),
    # No count(*): counts come from count(units) (a NOT NULL column) or not at all.
    dict(name="nocount", fact="f_nocount",
         joins=[("prod", "f_nocount", [("k_prod", "p_id")], "INNER")],
         group="CUBE (p_cat, ch)",
         measures=["sum(qty) AS sq", "count(units) AS cu", "sum(units) AS su"]),
]

# Designs with a model filter (a WHERE beyond the joins), each over a fact table name of its own,
# so the generator's queries (which know nothing of filters) never meet them: filter_checks runs
# fixed queries against them, each either routed to the cube (its WHERE includes every conjunct
# of the filter, in any order or form the rule accepts) or refused with 0A000 naming the filter.
FILTERED = [
    dict(name="filt", fact="f_filt",
         joins=[("cust", "f_filt", [("k_cust", "c_id")], "INNER"), ("prod", "f_filt", [("k_prod", "p_id")], "INNER")],
         where="qty > 10 AND ch IN ('web', 'store', 'phone') AND (flag OR c_region = 'EAST')",
         group="CUBE (c_region, p_cat), ch",
         measures=["count(*) AS cnt", "sum(units) AS su", "sum(price) AS sp", "count(price) AS cp",
                   "max(qty) AS mxq"]),
    dict(name="filt2", fact="f_filt2",
         joins=[("cal", "f_filt2", [("k_date", "d_date")], "INNER")],
         where="k_date BETWEEN '2024-01-01' AND '2024-01-20' AND rate IS NOT NULL AND NOT flag",
         group="ROLLUP (d_year, d_month), ch",
         measures=["count(*) AS cnt", "sum(rate) AS sr", "min(w) AS mnw", "sum(units) AS su"]),
    dict(name="filt3", fact="f_filt3",
         joins=[("cust", "f_filt3", [("k_cust", "c_id")], "INNER")],
         where="flag IS NOT TRUE AND ts >= '2024-01-01 01:30' AND c_vip",
         group="c_region, ch",
         measures=["count(*) AS cnt", "sum(units) AS su"]),
]

AGG_RE = re.compile(r"^(count|sum|min|max|avg)\((.*)\)$")


def design_sql(d):
    joins = ""
    for (t, parent, keys, kind) in d["joins"]:
        on = " AND ".join("%s = %s" % (a, b) for a, b in keys)
        joins += "\n  %s JOIN %s ON %s" % ("LEFT" if kind == "LEFT" else "", t, on)
    dims = design_dims(d)
    where = "\nWHERE %s" % d["where"] if d.get("where") else ""
    return "CREATE MATERIALIZED VIEW cube_%s AS\nSELECT %s,\n       %s\nFROM %s%s%s\nGROUP BY %s" % (
        d["name"], ", ".join(dims), ", ".join(d["measures"]), d["fact"], joins, where, d["group"])


def design_dims(d):
    out = []
    for w in re.findall(r"[a-z_][a-z_0-9]*", d["group"]):
        if w.upper() in ("CUBE", "ROLLUP", "GROUPING", "SETS"):
            continue
        if w not in out:
            out.append(w)
    return out


def design_measures(d):
    """set of (fn, canonical arg) the design stores; arg "*" for count(*)."""
    out = set()
    for m in d["measures"]:
        expr = m.split(" AS ")[0]
        fn, arg = AGG_RE.match(expr).groups()
        if fn == "avg":  # kept as its sum and a count
            out.add(("sum", canon(arg)))
            out.add(("count", canon(arg)))
        else:
            out.add((fn, canon(arg)))
    return out


def canon(arg):
    """a measure or aggregate argument in canonical form: '*', 'col', 'a*b', 'a+-1*b', ..."""
    arg = arg.strip()
    if arg == "*":
        return "*"
    t = parse_form(arg)
    return form_text(t) if t else arg


FACTS = []
for _d in DESIGNS + FILTERED:
    if _d["fact"] not in FACTS:
        FACTS.append(_d["fact"])


# ---------------------------------------------------------------- row sets (answerability)

class Model:
    """Which fact rows a join list keeps, computed from the data."""

    def __init__(self, data):
        self.data = data
        self.rows = {t: {} for t in ("nation", "cust", "prod", "cal")}
        key = {"nation": 0, "cust": 0, "prod": 0, "cal": 0}
        for t in self.rows:
            for row in data[t]:
                self.rows[t][row[key[t]]] = row
        self.fi = {c[0]: i for i, c in enumerate(SCHEMA["fact"])}
        self.ci = {c[0]: i for i, c in enumerate(SCHEMA["cust"])}

    def lookup_row(self, table, frow, joins_by_table):
        """the row of table joined to fact row frow (through its parent), or None."""
        (parent, keys, _kind) = joins_by_table[table]
        (pc, lc) = keys[0]
        if parent == "cust":
            prow = self.lookup_row("cust", frow, joins_by_table)
            if prow is None:
                return None
            v = prow[self.ci[pc]]
        else:
            v = frow[self.fi[pc]]
        if v is None:
            return None
        return self.rows[table].get(v)

    def kept(self, joins):
        """joins: [(table, parent, keys, kind)]: the set of fact row ids kept."""
        jb = {t: (p, k, kind) for (t, p, k, kind) in joins}
        out = set()
        for frow in self.data["fact"]:
            keep = True
            for (t, p, k, kind) in joins:
                if kind == "LEFT":
                    continue
                # an INNER join keeps the row when the lookup row exists; under a LEFT parent that
                # found nothing, the child's key is NULL and INNER drops the row too
                if self.lookup_row(t, frow, jb) is None:
                    keep = False
                    break
            if keep:
                out.add(frow[0])
        return out


# ---------------------------------------------------------------- queries

class Query:
    def __init__(self, design, sql, answerable, why, tags):
        self.design = design
        self.sql = sql
        self.answerable = answerable
        self.why = why
        self.tags = tags
        self.distinct = False


def lit(kind, v, r=random):
    if v is None:
        return "NULL"
    if kind == "text":
        return "'" + v.replace("'", "''") + "'"
    if kind == "date":
        return "DATE '%s'" % v.isoformat() if r.random() < 0.5 else "'%s'" % v.isoformat()
    if kind == "ts":
        return "'%s'" % v.isoformat(sep=" ")
    if kind in ("tstz", "time"):
        return "'%s'" % v if isinstance(v, str) else "'%s'" % v.isoformat()
    if kind == "bool":
        return "true" if v else "false"
    return str(v)


class Gen:
    def __init__(self, data, model, seed, designs):
        self.designs = designs
        self.data = data
        self.model = model
        self.r = random.Random(seed)
        self.values = {}
        for t, cols in SCHEMA.items():
            for i, c in enumerate(cols):
                vals = sorted({row[i] for row in data[t] if row[i] is not None}, key=lambda x: (str(type(x)), x))
                self.values[(t, c[0])] = vals

    def table_of(self, d, col):
        if col in COLS["fact"]:
            return d["fact"]
        return TABLE_OF[col]

    def col_info(self, col):
        for t, cols in COLS.items():
            if col in cols:
                return t, cols[col]
        raise KeyError(col)

    def nullable(self, d, col):
        """kiln's rule: a column may be NULL when it is declared nullable or its table is
        LEFT-joined in the design (directly or under a LEFT-joined parent)."""
        t, info = self.col_info(col)
        if not info[2]:
            return True
        if t == "fact":
            return False
        jb = {j[0]: j for j in d["joins"]}
        while t in jb:
            if jb[t][3] == "LEFT":
                return True
            t = jb[t][1]
        return False

    def sample_value(self, col):
        t, info = self.col_info(col)
        vals = self.values[(t, col)]
        r = self.r
        kind = info[3]
        x = r.random()
        if x < 0.8 and vals:
            return r.choice(vals)
        if kind == "int":
            return r.choice([0, -1, 2, 10 ** 6, 7])
        if kind == "num":
            return D("0.5")
        if kind == "float":
            return r.choice([0.5, -0.25, 1.5])
        if kind == "text":
            return r.choice(["", "zzz", "A", "web", "EAST "])
        if kind == "date":
            return datetime.date(2024, 1, 15)
        if kind == "ts":
            return datetime.datetime(2024, 1, 1, 1, 30)
        if kind == "tstz":
            return r.choice(["2024-01-01 01:30:00+00", "2024-01-01 03:00:00-08", "infinity"])
        if kind == "time":
            return datetime.time(1, 30)
        if kind == "bool":
            return r.random() < 0.5
        return None

    def pred(self, d, cols, depth=0):
        r = self.r
        x = r.random()
        if depth < 2 and x < 0.12:
            return "(%s OR %s)" % (self.pred(d, cols, depth + 1), self.pred(d, cols, depth + 1))
        if depth < 2 and x < 0.18:
            return "NOT (%s)" % self.pred(d, cols, depth + 1)
        if depth < 2 and x < 0.22:
            return "(%s AND %s)" % (self.pred(d, cols, depth + 1), self.pred(d, cols, depth + 1))
        col = r.choice(cols)
        self.cur_cols.add(col)
        t, info = self.col_info(col)
        kind = info[3]
        if kind == "bool":
            self.cur_tags.add("barebool")  # may be a bare column or a boolean test
            return r.choice(["%s", "NOT %s", "%s IS NULL", "%s IS NOT NULL", "%s = true", "%s <> false", "%s IS TRUE",
                             "%s IS NOT TRUE", "%s IS FALSE", "%s IS NOT FALSE", "%s IS UNKNOWN",
                             "%s IS NOT UNKNOWN"]) % col
        if kind in EXPR_PREDS and r.random() < 0.15:
            # a condition on the column alone that is not a comparison with constants:
            # the cube tries it on every value of the dimension (NULL included)
            self.cur_tags.add("expr")
            return r.choice(EXPR_PREDS[kind]) % {"c": col}
        op = r.choice(["=", "=", "<>", "<", "<=", ">", ">=", "BETWEEN", "IN", "NOT IN", "IS NULL", "IS NOT NULL"])
        v = self.sample_value(col)
        if op == "BETWEEN":
            v2 = self.sample_value(col)
            lo, hi = sorted([v, v2], key=lambda z: (z is None, z)) if type(v) == type(v2) else (v, v)
            return "%s %sBETWEEN %s AND %s" % (col, r.choice(["", "", "NOT "]), lit(kind, lo, r), lit(kind, hi, r))
        if op in ("IN", "NOT IN"):
            vs = [self.sample_value(col) for _ in range(r.randrange(1, 4))]
            vs = [z for z in vs if type(z) == type(v)] or [v]
            if r.random() < 0.1:
                vs.append(None)
            return "%s %s (%s)" % (col, op, ", ".join(lit(kind, z, r) for z in vs))
        if op in ("IS NULL", "IS NOT NULL"):
            return "%s %s" % (col, op)
        if kind == "int" and r.random() < 0.15:
            return "%s %s %s" % (col, op, r.choice(["2.5", "-0.5", "7.0"]))
        return "%s %s %s" % (col, op, lit(kind, v, r))

    def measure_cols(self, d, joined):
        """columns a query may aggregate: the single-column measure arguments of the design
        whose tables the query joins."""
        out = []
        for (fn, arg) in sorted(design_measures(d)):
            if arg != "*" and "*" not in arg and "+" not in arg and arg not in out and \
                    self.table_of(d, arg) in joined:
                out.append(arg)
        return out

    def derivable(self, d, fn, arg, star_ok):
        """Whether kiln's rules derive fn(arg) from the design's measures; arg canonical."""
        ms = design_measures(d)
        has_count_star = ("count", "*") in ms or any(
            f == "count" and a != "*" and not self.nullable(d, a) for (f, a) in ms)
        if fn == "count" and arg == "*":
            return has_count_star
        terms = parse_form(arg)
        if terms is None:
            return False
        cols = [c for (_co, a, b) in terms for c in (a, b) if c]
        nullable = any(self.nullable(d, c) for c in cols)
        single = len(terms) == 1 and terms[0][0] == 1 and terms[0][2] is None
        if fn == "count":
            if not single:
                return False
            # a nullable column summed in the design has a hidden count(col) beside its sum
            return ("count", arg) in ms or (nullable and ("sum", arg) in ms) or (not nullable and has_count_star)
        if fn in ("min", "max"):
            return single and (fn, arg) in ms
        # sum / avg
        form = form_text(terms)
        if ("sum", form) in ms:
            ok = True
        else:
            if len(terms) > 1 and nullable:
                return False
            ok = all(("sum", form_text([(1, a, b)])) in ms for (_co, a, b) in terms)
        if not ok:
            return False
        if nullable:
            if len(terms) == 1 and terms[0][2] is None:
                return True  # kiln keeps a hidden count(col) beside the sum
            return False  # a sum of several nullable terms has no count to tell NULL from 0
        if fn == "avg":
            return has_count_star
        return True

    def gen(self, d, n):
        qs = []
        dims = design_dims(d)
        model_kept = self.model.kept(d["joins"])
        for i in range(n):
            qs.append(self.one(d, dims, model_kept, i))
        return qs

    def answer(self, D, qjoins, cols, aggs):
        """None when design D answers a query with these joins, columns (GROUP BY and WHERE) and
        aggregates [(fn, canonical arg)]; else why not."""
        jb = {t: (p, k) for (t, p, k, _kind) in D["joins"]}
        for (t, p, k, _kind) in qjoins:
            if jb.get(t) != (p, k):
                return "cube_%s does not join %s" % (D["name"], t)
        dims = design_dims(D)
        for c in cols:
            if c not in dims:
                return "%s is not a dimension of cube_%s" % (c, D["name"])
        for (fn, arg) in aggs:
            if not self.derivable(D, fn, arg, True):
                return "%s(%s) is not derivable from cube_%s" % (fn, arg, D["name"])
        if self.model.kept(qjoins) != self.model.kept(D["joins"]):
            return "its joins keep other fact rows than cube_%s's" % D["name"]
        return None

    def one(self, d, dims, model_kept, qi):
        r = self.r
        tags = set()
        self.cur_tags = tags
        self.cur_cols = set()
        why = []
        # joins: each lookup joined as modeled, flipped, or left out (children need their parent)
        qjoins = []
        for (t, p, keys, kind) in d["joins"]:
            if p != d["fact"] and not any(j[0] == p for j in qjoins):
                continue
            x = r.random()
            if x < 0.15:
                tags.add("omit")
                continue
            k = kind
            if x < 0.25:
                k = "LEFT" if kind == "INNER" else "INNER"
                tags.add("flip")
            qjoins.append((t, p, keys, k))
        for (t, p, _keys, k) in qjoins:
            if k == "INNER" and any(j[0] == p and j[3] == "LEFT" for j in qjoins):
                tags.add("leftinner")  # LEFT JOIN p ... JOIN t ON p.col = ...: the LEFT is an INNER
        joined = {d["fact"]} | {j[0] for j in qjoins}
        avail = [c for c in dims if self.table_of(d, c) in joined]
        # a few non-dimension columns, to be refused
        others = [c for t in joined for c in (COLS["fact"] if t == d["fact"] else COLS[t]) if c not in dims]
        answerable = True
        # GROUP BY
        ng = r.choice([0, 1, 1, 2, 2, 3, 4]) if avail else 0
        group = r.sample(avail, min(ng, len(avail)))
        if others and r.random() < 0.07:
            c = r.choice(others)
            if c not in group:
                group.append(c)
                answerable = False
                why.append("%s is not a dimension" % c)
        # aggregates
        mcols = self.measure_cols(d, joined)
        aggs = []
        for _ in range(r.choice([1, 1, 2, 2, 3, 4])):
            x = r.random()
            if x < 0.2 or not mcols:
                aggs.append(("count", "*", "count(*)"))
                continue
            c = r.choice(mcols)
            fn = r.choice(["sum", "sum", "count", "min", "max", "avg"])
            if self.col_info(c)[1][3] not in ("int", "num", "float"):
                fn = r.choice(["count", "min", "max", "max"])  # dates, times, timestamps
            if x < 0.27:
                # a product or a difference
                forms = sorted(a for (f, a) in design_measures(d) if f == "sum" and ("*" in a or "+" in a)
                               and all(self.table_of(d, c) in joined for c in re.findall(r"[a-z_]+", a)))
                forms = [" + ".join(("%s * %s" % (a, b) if b else a) if co == 1 else "%d * %s" % (co, a)
                                    for (co, a, b) in parse_form(f)) for f in forms]
                # int8 products overflow in PostgreSQL too
                ints = [m for m in mcols if self.col_info(m)[1][3] in ("int", "num") and "big" not in m]
                if forms and r.random() < 0.6:
                    form = r.choice(forms)
                elif len(ints) >= 2:
                    a, b = r.sample(ints, 2)
                    forms = ["%s - %s" % (a, b), "%s + 2 * %s" % (a, b)]
                    if "num" in (self.col_info(a)[1][3], self.col_info(b)[1][3]):
                        forms.append("%s * %s" % (a, b))  # integer products overflow in PostgreSQL too
                    form = r.choice(forms)
                elif self.col_info(c)[1][3] in ("int", "num", "float"):
                    form = c
                else:
                    aggs.append(("count", "*", "count(*)"))
                    continue
                fn = r.choice(["sum", "sum", "avg"])
                aggs.append((fn, canon(form), "%s(%s)" % (fn, form)))
                continue
            if x < 0.31 and others:
                c = r.choice(others)
                kind = self.col_info(c)[1][3]
                if kind == "bool":
                    fn = "count"
                elif c == "c_lat":  # not dyadic: sums depend on the order of the rows
                    fn = r.choice(["count", "min", "max"])
                elif kind not in ("int", "num", "float"):
                    fn = r.choice(["count", "min", "max"])
            aggs.append((fn, c, "%s(%s)" % (fn, c)))
        for (fn, arg, text) in aggs:
            if not self.derivable(d, fn, arg, True):
                answerable = False
                why.append("%s is not derivable" % text)
        # expressions over aggregates
        sel_aggs = []
        for (fn, arg, text) in aggs:
            x = r.random()
            if fn in ("min", "max") and self.col_info(arg)[1][3] not in ("int", "num", "float"):
                x = 1.0
            if x < 0.08:
                text = "%s * 2" % text
            elif x < 0.12 and fn in ("sum", "count"):
                text = "%s - count(*)" % text
                if not self.derivable(d, "count", "*", True):
                    answerable = False
                    why.append("count(*) is not derivable")
            elif x < 0.15 and fn == "sum":
                text = "%s / nullif(count(*), 0)" % text
                if not self.derivable(d, "count", "*", True):
                    answerable = False
                    why.append("count(*) is not derivable")
            sel_aggs.append(text)
        # WHERE
        where = []
        fcols = avail
        if fcols and r.random() < 0.7:
            for _ in range(r.choice([1, 1, 2, 3])):
                where.append(self.pred(d, fcols))
        if others and r.random() < 0.05:
            c = r.choice(others)
            where.append("%s IS NOT NULL" % c)
            self.cur_cols.add(c)
            answerable = False
            why.append("filter on %s, not a dimension" % c)
        # FROM: JOIN ... ON, or comma joins for the INNER ones
        comma = r.random() < 0.25 and all(k == "INNER" for (_t, _p, _k, k) in qjoins) and qjoins
        if comma:
            tags.add("comma")
            from_ = ", ".join([d["fact"]] + [t for (t, _p, _k, _kind) in qjoins])
            conds = ["%s = %s" % (a, b) if r.random() < 0.5 else "%s = %s" % (b, a)
                     for (_t, _p, keys, _kind) in qjoins for (a, b) in keys]
            where = conds + where
            r.shuffle(where)
        else:
            from_ = d["fact"]
            for (t, p, keys, kind) in qjoins:
                from_ += " %sJOIN %s ON %s" % ("LEFT " if kind == "LEFT" else "", t,
                                               " AND ".join("%s = %s" % (a, b) for a, b in keys))
        # every aggregate the query computes, HAVING's included
        need = [(fn, arg) for (fn, arg, _t) in aggs]
        if any("count(*)" in t for t in sel_aggs):
            need.append(("count", "*"))
        having = r.random() < 0.15
        if having:
            need.append(("count", "*"))
        cols = set(group) | self.cur_cols
        # answerable when some design over this fact table answers it (the cheapest is used)
        reasons = [self.answer(D, qjoins, cols, need) for D in self.designs if D["fact"] == d["fact"]]
        answerable = any(x is None for x in reasons)
        why = [x for x in reasons if x]
        sql = "SELECT " + ", ".join(group + sel_aggs) + " FROM " + from_
        if where:
            sql += " WHERE " + " AND ".join(where)
        if group:
            sql += " GROUP BY " + ", ".join(group)
        if having:
            sql += " HAVING count(*) > %d" % r.choice([0, 1, 3, 10])
            tags.add("having")
        ncols = len(group) + len(sel_aggs)
        if group or r.random() < 0.3:
            sql += " ORDER BY " + ", ".join(str(i + 1) + (" DESC" if r.random() < 0.2 else "")
                                            for i in range(ncols))
        if r.random() < 0.1:
            sql += " LIMIT %d" % r.choice([1, 3, 10])
        if group and qi % 8 == 5:
            # the same FROM and WHERE as SELECT DISTINCT of the group columns: a GROUP BY
            # without aggregates, answered from a cube where one covers it, else computed
            # from the sources as before (never refused). Chosen by the index, not the
            # generator, so the other queries of a seed stay what they were.
            reasons = [self.answer(D, qjoins, cols, []) for D in self.designs if D["fact"] == d["fact"]]
            sql = "SELECT DISTINCT " + ", ".join(group) + " FROM " + from_
            if where:
                sql += " WHERE " + " AND ".join(where)
            sql += " ORDER BY " + ", ".join(str(i + 1) for i in range(len(group)))
            q = Query(d["name"], sql, any(x is None for x in reasons), "; ".join(x for x in reasons if x),
                      tags | {"distinct"})
            q.distinct = True
            return q
        return Query(d["name"], sql, answerable, "; ".join(why), tags)


def parse_form(arg):
    """'a', 'a*b', 'a - b', 'a + 2 * b' -> [(coef, col, col2|None)], or None."""
    out = []
    s = arg.replace(" ", "")
    for tok in re.findall(r"[+-]?[^+-]+", s):
        sign = -1 if tok.startswith("-") else 1
        tok = tok.lstrip("+-")
        parts = tok.split("*")
        coef = sign
        cols = []
        for p in parts:
            if p.isdigit():
                coef *= int(p)
            else:
                cols.append(p)
        if len(cols) == 1:
            out.append((coef, cols[0], None))
        elif len(cols) == 2:
            a, b = sorted(cols)
            out.append((coef, a, b))
        else:
            return None
    return out


def form_text(terms):
    parts = []
    for (co, a, b) in sorted(terms, key=lambda t: (t[1], t[2] or "")):
        body = a if b is None else "%s*%s" % (a, b)
        parts.append("%s%s" % ("" if co == 1 else "%d*" % co, body))
    return "+".join(parts)


# ---------------------------------------------------------------- running

TEXT_OIDS = (16, 20, 21, 23, 25, 26, 700, 701, 1042, 1043, 1082, 1083, 1114, 1184, 1700, 19, 18, 1266, 1186)
RAW = psycopg2.extensions.new_type(TEXT_OIDS, "RAWTEXT", lambda v, c: v)


def connect(dsn):
    c = psycopg2.connect(dsn)
    c.autocommit = True
    psycopg2.extensions.register_type(RAW, c)
    return c


# The session zone of cube_diff's connections: timestamptz text (min/max measures over tz among
# them) is printed in it, with a half-hour offset and daylight saving time in January.
ZONE = "Australia/Adelaide"


def in_zone(c):
    run(c, "SET TimeZone = '%s'" % ZONE)
    return c


def run(conn, sql):
    """-> ("ok", names, oids, rows) | ("err", sqlstate, message)"""
    cur = conn.cursor()
    try:
        cur.execute(sql)
        if cur.description is None:
            return ("ok", [], [], [])
        names = [d.name for d in cur.description]
        oids = [d.type_code for d in cur.description]
        rows = cur.fetchall()
        return ("ok", names, oids, rows)
    except psycopg2.Error as e:
        return ("err", e.pgcode, (e.pgerror or str(e)).strip())
    finally:
        cur.close()


def same(a, b):
    if a[0] != b[0]:
        return False
    if a[0] == "err":
        return a[1] == b[1]
    return a[1:] == b[1:]


def show(res):
    if res[0] == "err":
        return ["ERROR %s: %s" % (res[1], res[2].splitlines()[0] if res[2] else "")]
    out = ["columns: " + ", ".join("%s(%s)" % (n, o) for n, o in zip(res[1], res[2]))]
    for row in res[3][:12]:
        out.append("  " + " | ".join("NULL" if v is None else repr(v) for v in row))
    if len(res[3]) > 12:
        out.append("  ... %d rows" % len(res[3]))
    return out


def first_diff(ref, got):
    if ref[0] != "ok" or got[0] != "ok":
        return None
    if ref[1] != got[1]:
        return "column names differ: %s vs %s" % (got[1], ref[1])
    if ref[2] != got[2]:
        return "column types differ: %s vs %s" % (got[2], ref[2])
    for i, (x, y) in enumerate(zip(got[3], ref[3])):
        if x != y:
            return "row %d: kiln %r, PostgreSQL %r" % (i + 1, x, y)
    if len(got[3]) != len(ref[3]):
        return "kiln %d rows, PostgreSQL %d" % (len(got[3]), len(ref[3]))
    return None


# Known kiln bugs in files this test's owner may not edit (src/cube/match*.c, src/sql/cube_route*.c,
# src/cube/build.c): (check, predicate over the query, reason). Each is "not ok ... # TODO".
KNOWN = [
]


def known(q, check):
    for (chk, pred, reason) in KNOWN:
        if chk == check and pred(q):
            return reason
    return None


class Tap:
    def __init__(self):
        self.n = 0
        self.failed = 0
        self.todo = 0

    def ok(self, desc):
        self.n += 1
        print("ok %d - %s" % (self.n, desc), flush=True)

    def not_ok(self, desc, diag=(), todo=None):
        self.n += 1
        if todo:
            self.todo += 1
            print("not ok %d - %s # TODO %s" % (self.n, desc, todo), flush=True)
        else:
            self.failed += 1
            print("not ok %d - %s" % (self.n, desc), flush=True)
        for line in diag:
            for l2 in str(line).splitlines():
                print("#   " + l2)

    def check(self, cond, desc, diag=(), todo=None):
        if cond:
            self.ok(desc + (" (TODO passed: %s)" % todo if todo else ""))
        else:
            self.not_ok(desc, diag, todo)
        return cond


def load(args, data, tap):
    k = in_zone(connect(args.kiln))
    p = in_zone(connect(args.ref))
    d = args.dir
    for t in SCHEMA:
        write_csv("%s/%s.csv" % (d, t), data[t])
    # PostgreSQL: plain tables, COPY, the per-design fact names as views
    pc = p.cursor()
    for t, cols in SCHEMA.items():
        pc.execute("DROP TABLE IF EXISTS %s CASCADE" % t)
        pc.execute("CREATE TABLE %s (%s)" % (t, ", ".join(
            "%s %s%s" % (c[0], c[1], " NOT NULL" if c[2] else "") for c in cols)))
        with open("%s/%s.csv" % (d, t), encoding="utf-8") as f:
            pc.copy_expert("COPY %s FROM STDIN (FORMAT csv)" % t, f)
    for f in FACTS:
        pc.execute("CREATE VIEW %s AS SELECT * FROM fact" % f)
    pc.execute("ANALYZE")
    # kiln: foreign tables
    ddl = ["CREATE SERVER files FOREIGN DATA WRAPPER file_fdw"]
    for t, cols in SCHEMA.items():
        names = [t] if t != "fact" else FACTS
        for name in names:
            ddl.append("CREATE FOREIGN TABLE %s (%s) SERVER files OPTIONS (filename '%s/%s.csv', format 'csv')" % (
                name, ", ".join("%s %s%s" % (c[0], c[1], " NOT NULL" if c[2] else "") for c in cols), d, t))
    errs = []
    for s in ddl:
        res = run(k, s)
        if res[0] == "err":
            errs.append("%s: %s" % (s, res[2]))
    tap.check(not errs, "kiln: declare %d foreign tables over the generated CSV files" % (len(ddl) - 1), errs)
    # tables equal before any cube exists
    for t in SCHEMA:
        name = t if t != "fact" else DESIGNS[0]["fact"]
        cols = ", ".join(c[0] for c in SCHEMA[t])
        sql = "SELECT %s FROM %s ORDER BY %s" % (cols, name, cols)
        a, b = run(k, sql), run(p, sql)
        tap.check(same(a, b), "table %s reads the same in kiln and PostgreSQL (%d rows)" % (t, len(data[t])),
                  [first_diff(b, a) or ""] + show(a)[:3])
    return k, p


def reload_fact(args, p, data):
    """round 2: the fact file rewritten; PostgreSQL reloads it, kiln reads the file again."""
    write_csv("%s/fact.csv" % args.dir, data["fact"])
    pc = p.cursor()
    pc.execute("TRUNCATE fact")
    with open("%s/fact.csv" % args.dir, encoding="utf-8") as f:
        pc.copy_expert("COPY fact FROM STDIN (FORMAT csv)", f)
    pc.execute("ANALYZE fact")


def change_data(data, seed):
    """A new fact table: a third of the rows gone, 500 new ones (new values among them)."""
    r = random.Random(seed)
    new = gen_data(seed)
    fact = [row for row in data["fact"] if r.random() < 0.67]
    nid = max(row[0] for row in data["fact"]) + 1
    for row in new["fact"][:500]:
        row = list(row)
        row[0] = nid
        nid += 1
        if r.random() < 0.1:
            row[4] = "fax"  # a channel no earlier segment had
        if r.random() < 0.05:
            row[7] = r.choice([-32768, 32767])
        fact.append(tuple(row))
    out = dict(data)
    out["fact"] = fact
    return out


def edge_queries(d):
    """Fixed shapes per design: the grand total, every dimension, no row passing."""
    dims = design_dims(d)
    aggs = []
    for m in d["measures"]:
        expr = m.split(" AS ")[0]
        if "*" in expr and expr != "count(*)":
            continue
        aggs.append(expr)
    joins = "".join(" %sJOIN %s ON %s = %s" % ("LEFT " if kind == "LEFT" else "", t, keys[0][0], keys[0][1])
                    for (t, _p, keys, kind) in d["joins"])
    base = "FROM %s%s" % (d["fact"], joins)
    n = len(dims) + len(aggs)
    order = " ORDER BY " + ", ".join(str(i + 1) for i in range(n))
    out = [
        "SELECT %s %s" % (", ".join(aggs), base),
        "SELECT %s, %s %s GROUP BY %s%s" % (", ".join(dims), ", ".join(aggs), base, ", ".join(dims), order),
        "SELECT %s %s WHERE %s IS NULL AND %s IS NOT NULL" % (", ".join(aggs), base, dims[0], dims[0]),
        "SELECT %s, %s %s WHERE %s IN (%s) GROUP BY %s ORDER BY 1" % (
            dims[-1], ", ".join(aggs), base, dims[0], "NULL", dims[-1]),
    ]
    out = [(q, []) for q in out]
    star = [("count", "*")]
    if "count(*)" in aggs:
        # a count of a constant that is not NULL is count(*)
        out += [
            ("SELECT %s, count(1), count('x') %s GROUP BY %s ORDER BY 1" % (dims[0], base, dims[0]), star),
            ("SELECT count(1) %s WHERE %s IS NULL AND %s IS NOT NULL" % (base, dims[0], dims[0]), star),
            # sum/avg of a constant (Tableau's "Number of Records" is SUM(1)): k times count(*), NULL over no row
            ("SELECT %s, sum(1), avg(2), sum(0), sum(0.5) %s GROUP BY %s ORDER BY 1" % (dims[0], base, dims[0]), star),
            ("SELECT sum(1), avg(2), sum(CASE WHEN true THEN 0 END) %s" % base, star),
            ("SELECT sum(1), avg(2), sum(CASE WHEN true THEN 0 END), count(CASE WHEN 1 = 1 THEN 1 END) %s "
             "WHERE %s IS NULL AND %s IS NOT NULL" % (base, dims[0], dims[0]), star),
        ]
    # conditional aggregates, as BI tools write them: CASE over dimensions inside sum/count/avg
    sums = [x.group(1) for x in (re.match(r"sum\((\w+)\)$", m.split(" AS ")[0]) for m in d["measures"]) if x]
    if sums and len(dims) >= 2:
        c = sums[0]
        out.append(("SELECT %s, sum(CASE WHEN %s IS NULL THEN %s ELSE 0 END), sum(CASE WHEN %s IS NOT NULL THEN %s END), "
                    "avg(CASE WHEN %s IS NULL THEN NULL ELSE %s END) %s GROUP BY %s ORDER BY 1"
                    % (dims[0], dims[1], c, dims[-1], c, dims[1], c, base, dims[0]), [("sum", c), ("avg", c)]))
        out.append(("SELECT sum(CASE WHEN %s IS NULL THEN %s END) %s WHERE %s IS NULL AND %s IS NOT NULL"
                    % (dims[1], c, base, dims[0], dims[0]), [("sum", c)]))
    # min/max of dimensions the design has no min/max measure of: over the cuboid's rows
    kind = {c: k for cols in SCHEMA.values() for (c, _t, _nn, k) in cols}
    mm = [c for c in dims[1:] if kind.get(c) not in ("bool", None)]
    if mm:
        out.append(("SELECT %s, max(%s), min(%s) %s GROUP BY %s ORDER BY 1"
                    % (dims[0], mm[0], mm[-1], base, dims[0]), []))
    if len(dims) >= 2:
        # aggregates blind to duplicates (DISTINCT, bool_or, every) over dimensions: over the cuboid's rows
        out.append(("SELECT %s, string_agg(DISTINCT %s::text, ',' ORDER BY %s::text), bool_or(%s IS NULL), "
                    "every(%s IS NOT NULL), count(DISTINCT %s) %s GROUP BY %s ORDER BY 1"
                    % (dims[0], dims[1], dims[1], dims[-1], dims[1], dims[-1], base, dims[0]), []))
    if "count(*)" in aggs and len(dims) >= 2:
        out.append(("SELECT %s, count(CASE WHEN %s IS NULL THEN 1 END), sum(CASE WHEN %s IS NOT NULL THEN 2 ELSE 0 END), "
                    "sum(CASE WHEN %s IS NULL THEN 1 ELSE 0.5 END) %s GROUP BY %s ORDER BY 1"
                    % (dims[-1], dims[0], dims[0], dims[1], base, dims[-1]), star))
    return out


def run_query(tap, k, kp, p, label, q, design_name):
    ref = run(p, q.sql)
    if ref[0] == "err":
        tap.not_ok("%s: PostgreSQL runs it (the generator wrote invalid SQL)" % label, [q.sql] + show(ref))
        return
    got = run(k, q.sql)
    explain = run(k, "EXPLAIN " + q.sql)
    plan = "\n".join(r[0] for r in explain[3]) if explain[0] == "ok" else ""
    cube_scan = "Cube Scan" in plan
    todo = known(q, "routed")
    if q.answerable:
        tap.check(got[0] == "ok" and cube_scan, "%s: answered from a cube" % label,
                  [q.sql] + (show(got) if got[0] == "err" else plan.splitlines()[:6]), todo)
    elif q.distinct:
        tap.check(got[0] == "ok" and not cube_scan, "%s: DISTINCT computed from the sources (%s)" % (label, q.why),
                  [q.sql] + show(got)[:3] + plan.splitlines()[:6], todo)
    else:
        tap.check(got[0] == "err" and got[1] == "0A000", "%s: refused with 0A000 (%s)" % (label, q.why),
                  [q.sql] + show(got)[:3] + plan.splitlines()[:6], todo)
    if got[0] == "err" and got[1] == "0A000":
        got = run(kp, q.sql)
        how = "with pushdown"
    else:
        how = "from the cube" if cube_scan else "from the sources"
    q.how = "Cube" if cube_scan else how
    todo = known(q, "rows")
    tap.check(same(got, ref), "%s: rows %s equal PostgreSQL's" % (label, how),
              [q.sql, first_diff(ref, got) or "", "kiln:"] + show(got) + ["PostgreSQL:"] + show(ref), todo)


# ---------------------------------------------------------------- parameters

class Wire:
    """A minimal PostgreSQL v3 protocol client: the extended query protocol with parameters
    as pgjdbc, psycopg3 and Npgsql send them (declared or unspecified type 0, text or binary
    format, NULL), a named statement bound again with other values. Trust, cleartext or md5
    authentication."""

    def __init__(self, dsn):
        kv = dict(x.split("=", 1) for x in dsn.split())
        host, port = kv.get("host", "127.0.0.1"), int(kv.get("port", "5432"))
        if host.startswith("/"):
            self.s = socket.socket(socket.AF_UNIX)
            self.s.connect("%s/.s.PGSQL.%d" % (host, port))
        else:
            self.s = socket.create_connection((host, port))
        self.buf = b""
        user = kv.get("user", "")
        body = struct.pack("!i", 196608) + b"".join(
            x.encode() + b"\0" for x in ("user", user, "database", kv.get("dbname", user))) + b"\0"
        self.s.sendall(struct.pack("!i", len(body) + 4) + body)
        while True:
            t, m = self.msg()
            if t == b"R":
                code = struct.unpack("!i", m[:4])[0]
                pw = kv.get("password", "").encode()
                if code == 3:
                    self.send(b"p", pw + b"\0")
                elif code == 5:
                    inner = hashlib.md5(pw + user.encode()).hexdigest().encode()
                    self.send(b"p", b"md5" + hashlib.md5(inner + m[4:8]).hexdigest().encode() + b"\0")
                elif code != 0:
                    raise RuntimeError("authentication method %d not supported by this test client" % code)
            elif t == b"E":
                raise RuntimeError(self.error(m)[1])
            elif t == b"Z":
                return

    def send(self, t, body):
        self.s.sendall(t + struct.pack("!i", len(body) + 4) + body)

    def msg(self):
        while len(self.buf) < 5 or len(self.buf) < 1 + struct.unpack("!i", self.buf[1:5])[0]:
            chunk = self.s.recv(65536)
            if not chunk:
                raise RuntimeError("connection closed")
            self.buf += chunk
        n = struct.unpack("!i", self.buf[1:5])[0]
        t, m, self.buf = self.buf[:1], self.buf[5:1 + n], self.buf[1 + n:]
        return t, m

    @staticmethod
    def error(m):
        f = {}
        for part in m.split(b"\0"):
            if part:
                f[part[:1]] = part[1:].decode("utf-8", "replace")
        return f.get(b"C", "?"), f.get(b"M", "")

    def parse(self, name, sql, oids):
        self.send(b"P", name.encode() + b"\0" + sql.encode() + b"\0" + struct.pack("!h", len(oids)) +
                  b"".join(struct.pack("!I", o) for o in oids))

    def execute(self, name, params, result_format=0):
        """params: [(format 0|1, bytes|None)] -> ("ok", names, oids, rows) | ("err", sqlstate, message);
        result_format 1 asks for every column in binary (values come back as hex)."""
        body = b"\0" + name.encode() + b"\0" + struct.pack("!h", len(params))
        body += b"".join(struct.pack("!h", f) for (f, _v) in params) + struct.pack("!h", len(params))
        for (_f, v) in params:
            body += struct.pack("!i", -1) if v is None else struct.pack("!i", len(v)) + v
        body += struct.pack("!h", 0) if result_format == 0 else struct.pack("!hh", 1, 1)
        self.send(b"B", body)
        self.send(b"D", b"P\0")
        self.send(b"E", b"\0" + struct.pack("!i", 0))
        self.send(b"S", b"")
        names, oids, rows, err = [], [], [], None
        while True:
            t, m = self.msg()
            if t == b"T":
                (n,) = struct.unpack("!h", m[:2])
                pos = 2
                for _ in range(n):
                    end = m.index(b"\0", pos)
                    names.append(m[pos:end].decode())
                    oids.append(struct.unpack("!I", m[end + 7:end + 11])[0])
                    pos = end + 19
            elif t == b"D":
                (n,) = struct.unpack("!h", m[:2])
                pos, row = 2, []
                for _ in range(n):
                    (ln,) = struct.unpack("!i", m[pos:pos + 4])
                    pos += 4
                    v = m[pos:pos + ln]
                    row.append(None if ln < 0 else v.decode() if result_format == 0 else v.hex())
                    pos += max(ln, 0)
                rows.append(tuple(row))
            elif t == b"E" and err is None:
                err = self.error(m)
            elif t == b"Z":
                break
        return ("err",) + err if err else ("ok", names, oids, rows)

    def close(self):
        self.send(b"X", b"")
        self.s.close()


def text_param(v):
    return (0, None if v is None else str(v).encode())


def int4_param(v):
    return (1, None if v is None else struct.pack("!i", v))


def binary_checks(tap, args):
    """min/max measures over date, timestamp, timestamptz and time in the extended protocol with
    binary results (int32 days, int64 microseconds: PostgreSQL's send functions), answered from
    the cubes (kiln's default kylin.query.pushdown is off) and byte for byte PostgreSQL's."""
    qs = [
        "SELECT ch, min(ts), max(tz), max(k_date), min(tod), count(*) FROM f_cube GROUP BY ch ORDER BY 1",
        "SELECT d_year, min(ts), max(tz) FROM f_cube JOIN cal ON k_date = d_date WHERE ch = $1 GROUP BY d_year "
        "ORDER BY 1",
        "SELECT c_region, min(c_since), min(tz), max(tz), max(tod) FROM f_left LEFT JOIN cust ON k_cust = c_id "
        "GROUP BY c_region ORDER BY 1",
        # the view itself (fixed_checks made PostgreSQL's matview of the design)
        "SELECT d_year, ch, flag, mnts, mxtz, mxkd, mntod FROM cube_cube WHERE d_month IS NULL AND k_prod IS NULL "
        "ORDER BY 1, 2, 3, 4, 5, 6, 7",
    ]
    wk, wp = Wire(args.kiln), Wire(args.ref)
    try:
        for i, sql in enumerate(qs):
            params = [text_param("web")] if "$1" in sql else []
            res = []
            for w in (wk, wp):
                w.parse("", sql, [])
                res.append(w.execute("", params, result_format=1))
            got, ref = res
            tap.check(got[0] == "ok" and len(got[3]) > 0 and same(got, ref),
                      "binary results %d: min/max of dates and times from the cube equal PostgreSQL's bytes" % (i + 1),
                      [sql, first_diff(ref, got) or ""] + show(got) + ["PostgreSQL:"] + show(ref))
    finally:
        wk.close()
        wp.close()


def param_checks(tap, k, p, args):
    """Filters comparing dimensions with bind parameters: answered from the cube (kiln without
    pushdown refuses anything else with 0A000) and equal to PostgreSQL's rows, the same
    prepared statement executed again with other values (and NULL)."""
    base = "FROM f_cube JOIN cal ON k_date = d_date"
    prepared = [
        ("pq(int)", "SELECT d_year, ch, count(*), sum(units) %s WHERE d_month = $1 GROUP BY d_year, ch ORDER BY 1, 2",
         [("1",), ("12",), ("5",), ("NULL",)]),
        ("pr(int, int, text)", "SELECT d_month, count(*), sum(units) %s WHERE d_month BETWEEN $1 AND $2 AND ch <> $3 "
         "GROUP BY d_month ORDER BY 1", [("1", "2", "'web'"), ("12", "1", "''"), ("1", "12", "NULL"), ("2", "2", "'x'")]),
        ("pi(text, text)", "SELECT ch, flag, count(*), sum(big) %s WHERE ch IN ($1, $2, 'phone') AND flag IS NOT NULL "
         "GROUP BY ch, flag ORDER BY 1, 2", [("'web'", "'store'"), ("NULL", "'Web'"), ("'none'", "NULL")]),
        ("pn(text)", "SELECT d_year, count(*) %s WHERE ch NOT IN ($1, 'web') GROUP BY d_year ORDER BY 1",
         [("'store'",), ("NULL",)]),
        ("po(int, text)", "SELECT d_month, ch, count(*) %s WHERE (d_month < $1 OR ch = $2) AND NOT (ch >= $2) "
         "GROUP BY d_month, ch ORDER BY 1, 2", [("2", "'web'"), ("13", "'phone'"), ("NULL", "'web'")]),
        ("pe(int)", "SELECT count(*), sum(units) %s WHERE d_month = $1 + 1 AND d_year <= $1 * 200", [("11",), ("0",)]),
        ("pk(int)", "SELECT k_prod, count(*) %s WHERE k_prod < $1 AND k_prod > $1 - 10 GROUP BY k_prod ORDER BY 1",
         [("5",), ("100000",), ("-3",)]),
        ("pd(date)", "SELECT flag, count(*) FROM f_types JOIN cal ON k_date = d_date WHERE k_date >= $1 "
         "GROUP BY flag ORDER BY 1", [("'2024-01-20'",), ("NULL",), ("DATE '2023-12-24'",)]),
        ("pb(boolean)", "SELECT d_month, count(*) %s WHERE flag = $1 GROUP BY d_month ORDER BY 1",
         [("true",), ("false",), ("NULL",)]),
    ]
    for (head, body, runs) in prepared:
        name = head.split("(")[0]
        sql = body % base if "%s" in body else body
        run(p, "PREPARE %s AS %s" % (head, sql))
        res = run(k, "PREPARE %s AS %s" % (head, sql))
        if not tap.check(res[0] == "ok", "PREPARE %s" % head, show(res) + [sql]):
            continue
        for vals in runs:
            ex = "EXECUTE %s(%s)" % (name, ", ".join(vals))
            got, ref = run(k, ex), run(p, ex)
            tap.check(got[0] == "ok", "%s: answered from the cube" % ex, [sql] + show(got))
            tap.check(same(got, ref), "%s: rows equal PostgreSQL's" % ex,
                      [sql, first_diff(ref, got) or ""] + show(got) + ["PostgreSQL:"] + show(ref))
    # the extended protocol: one named statement bound with other values, unspecified and
    # declared parameter types, text and binary values, NULL
    try:
        wk, wp = Wire(args.kiln), Wire(args.ref)
    except (OSError, RuntimeError) as e:
        tap.not_ok("extended protocol: connect to both servers", [str(e)])
        return
    sql = ("SELECT d_month, ch, count(*), sum(units) %s WHERE d_month = $1 AND ch <> $2 GROUP BY d_month, ch "
           "ORDER BY 1, 2" % base)
    for (stmt, oids, binds) in (
            ("s_untyped", [0, 0], [[text_param(12), text_param("web")], [text_param(1), text_param("store")],
                                   [text_param(None), text_param("web")], [text_param(2), text_param(None)]]),
            ("s_typed", [23, 25], [[int4_param(1), text_param("web")], [int4_param(12), text_param("")],
                                   [text_param(3), text_param("phone")], [int4_param(None), text_param("x")]]),
            ("", [23, 0], [[int4_param(12), text_param("Web")]])):
        wk.parse(stmt, sql, oids)
        wp.parse(stmt, sql, oids)
        for (i, params) in enumerate(binds):
            got, ref = wk.execute(stmt, params), wp.execute(stmt, params)
            label = "extended protocol, statement %s, types %s, bind %d" % (stmt or "(unnamed)", oids, i + 1)
            tap.check(got[0] == "ok", "%s: answered from the cube" % label, [sql] + show(got))
            tap.check(same(got, ref), "%s: rows equal PostgreSQL's" % label,
                      [sql, first_diff(ref, got) or ""] + show(got) + ["PostgreSQL:"] + show(ref))
    # EXPLAIN of the parameterized query: a Cube Scan whose ranges wait for the values
    wk.parse("", "EXPLAIN " + sql, [23, 25])
    got = wk.execute("", [int4_param(12), text_param("web")])
    plan = "\n".join(r[0] for r in got[3]) if got[0] == "ok" else ""
    tap.check("Cube Scan" in plan and "parameter values" in plan,
              "extended protocol: EXPLAIN of the query with $1, $2 shows a Cube Scan filtered by parameter values",
              show(got) if got[0] == "err" else plan.splitlines())
    wk.close()
    wp.close()


def notice_checks(tap, kp):
    """kylin.query.pushdown = on: a query no cube answers is computed from the sources with one NOTICE."""
    sql = "SELECT c_city, count(*) FROM f_plain JOIN cust ON k_cust = c_id GROUP BY c_city ORDER BY 1"
    for (how, stmts) in (("simple query", [sql]),
                         ("PREPARE + EXECUTE", ["PREPARE pn_notice AS " + sql, "EXECUTE pn_notice"])):
        del kp.notices[:]
        res = [run(kp, x) for x in stmts]
        n = sum("computed from the source tables" in x for x in kp.notices)
        tap.check(all(r[0] == "ok" for r in res) and n == 1, "pushdown, %s: one NOTICE for one query (%d)" % (how, n),
                  kp.notices[-4:] + [show(r)[0] for r in res])


def fixed_checks(tap, k, kp, p, ready):
    """Shapes the generator may miss, each answered from a cube with PostgreSQL's rows."""
    names = {d["name"] for d in ready}
    qs = []
    # the queries the conditions below are tried in, per design
    on_cube = "SELECT ch, count(*), sum(units) FROM f_cube JOIN cal ON k_date = d_date WHERE %s GROUP BY ch ORDER BY 1"
    on_types = ("SELECT flag, count(*), sum(qty) FROM f_types LEFT JOIN cust ON k_cust = c_id "
                "JOIN cal ON k_date = d_date WHERE %s GROUP BY flag ORDER BY 1")
    # a boolean column as the condition, bare or tested (IS NOT TRUE takes the NULLs in)
    for form in ("flag", "NOT flag", "flag IS TRUE", "flag IS NOT TRUE", "flag IS FALSE", "flag IS NOT FALSE",
                 "flag IS UNKNOWN", "flag IS NOT UNKNOWN", "NOT (flag IS NOT TRUE)", "(flag OR ch = 'web')",
                 "NOT (flag IS FALSE OR d_month < 2)"):
        qs.append(("cube", on_cube % form))
    for form in ("c_vip", "c_vip IS NOT TRUE", "NOT c_vip AND d_hol IS NOT FALSE", "d_hol IS UNKNOWN"):
        qs.append(("types", "SELECT c_vip, d_hol, count(*) FROM f_types LEFT JOIN cust ON k_cust = c_id "
                            "JOIN cal ON k_date = d_date WHERE %s GROUP BY c_vip, d_hol ORDER BY 1, 2" % form))
    # values known when the statement runs (stable calls: current_date, now()) compared with a
    # dimension; "+ (current_date - current_date)" keeps the rows the same whatever the date
    for form in ("k_date >= date '2024-02-01' + (current_date - current_date)",
                 "k_date BETWEEN current_date - (current_date - date '2024-01-10') AND date '2024-03-01'",
                 "ts >= localtimestamp - (localtimestamp - timestamp '2024-02-01 12:00')",
                 "k_date < current_date AND c_since <= current_date",
                 "extract(year FROM k_date) >= extract(year FROM current_date) - "
                 "(extract(year FROM current_date) - 2024)"):
        qs.append(("types", on_types % form))
    # uncorrelated subqueries compared with a dimension (scalar, IN): run once when the scan opens
    for form in ("d_year = (SELECT max(d_year) FROM cal)",
                 "d_month >= (SELECT min(d_month) + 1 FROM cal) AND ch <> (SELECT min(ch) FROM f_cube)",
                 "d_year = (SELECT d_year FROM cal WHERE d_year < 0)",
                 # IN (subquery): its rows, NULLs included, are the list; NOT IN an empty one holds for NULL too
                 "ch IN (SELECT ch FROM f_cube WHERE units > 5)",
                 "NOT (ch IN (SELECT ch FROM f_cube WHERE units > 5))",
                 "k_prod IN (SELECT p_id FROM prod WHERE p_id % 3 = 0) AND d_year IN (SELECT 2024::int8)",
                 "NOT (ch IN (SELECT ch FROM f_cube WHERE units < -100))",
                 "ch NOT IN (SELECT ch FROM f_cube WHERE units > 5)",
                 "ch NOT IN (SELECT ch FROM f_cube WHERE units < -100)",
                 "NOT (ch NOT IN (SELECT 'web'::text UNION ALL SELECT 'store'))"):
        qs.append(("cube", on_cube % form))
    qs = [(d, sql, True, "") for (d, sql) in qs]
    # a LEFT join made inner by a later INNER join on its table's column (cube_roll joins both INNER,
    # and fact rows without a customer exist): answered; the shapes that keep other rows: refused
    agg = "SELECT n_region, c_city, count(*), sum(units) FROM "
    tail = " GROUP BY n_region, c_city ORDER BY 1, 2"
    for (frm, ok, why) in (
            ("f_roll LEFT JOIN cust ON k_cust = c_id JOIN nation ON c_nkey = n_id", True, ""),
            ("cust RIGHT JOIN f_roll ON k_cust = c_id JOIN nation ON n_id = c_nkey", True, ""),
            ("f_roll LEFT JOIN cust ON k_cust = c_id, nation WHERE c_nkey = n_id", True, ""),
            ("f_roll LEFT JOIN cust ON k_cust = c_id LEFT JOIN nation ON c_nkey = n_id", False,
             "LEFT joins keep fact rows without a customer"),
            ("f_roll LEFT JOIN (cust JOIN nation ON c_nkey = n_id) ON k_cust = c_id", False,
             "the INNER join is inside the LEFT join's optional side"),
            ("f_roll JOIN cust ON k_cust = c_id LEFT JOIN nation ON c_nkey = n_id", False,
             "LEFT JOIN nation keeps customers without a nation")):
        qs.append(("roll", agg + frm + tail, ok, why))
    for (i, (design, sql, ok, why)) in enumerate(qs):
        if design not in names:
            continue
        run_query(tap, k, kp, p, "fixed%d %s" % (i + 1, design), Query(design, sql, ok, why, set()), design)
    # the view itself of a design with a column in two ROLLUPs: PostgreSQL's matview rows, repeated sets included
    for d in ready:
        if d["name"] != "rr":
            continue
        run(p, "DROP MATERIALIZED VIEW IF EXISTS cube_rr")
        ref = run(p, design_sql(d))
        sql = "SELECT * FROM cube_rr ORDER BY 1, 2, 3, 4, 5, 6"
        got, ref = run(k, sql), run(p, sql)
        tap.check(got[0] == "ok" and len(got[3]) > 0 and same(got, ref), "the view cube_rr (ROLLUP (d_year, d_month), ROLLUP (d_year, ch)) reads as "
                  "PostgreSQL's matview", [first_diff(ref, got) or ""] + show(got) + ["PostgreSQL:"] + show(ref))
    # the views with min/max measures over dates, timestamps, timestamptz (infinities too) and times,
    # NULL in the groups whose inputs are all NULL (LEFT-joined customers)
    for d in ready:
        if d["name"] not in ("cube", "left"):
            continue
        run(p, "DROP MATERIALIZED VIEW IF EXISTS cube_%s" % d["name"])
        ref = run(p, design_sql(d))
        n = len(design_dims(d)) + len(d["measures"])
        sql = "SELECT * FROM cube_%s ORDER BY %s" % (d["name"], ", ".join(str(i + 1) for i in range(n)))
        got, ref = run(k, sql), run(p, sql)
        tap.check(got[0] == "ok" and len(got[3]) > 0 and same(got, ref), "the view cube_%s (%s) reads as "
                  "PostgreSQL's matview" % (d["name"], d["group"]),
                  [first_diff(ref, got) or ""] + show(got) + ["PostgreSQL:"] + show(ref))


def filter_checks(tap, k, kp, p, args):
    """Model filters: CREATE and REFRESH a filtered design, its view's rows as PostgreSQL's
    matview holds them, and fixed queries over its fact table: those whose WHERE includes every
    conjunct of the filter are answered from the cube (EXPLAIN shows the Cube Filter), the others
    are refused with 0A000 naming the filter; every one's rows equal PostgreSQL's (with
    kylin.query.pushdown = on for the refused)."""
    designs = [d for d in FILTERED if not args.only or re.search(args.only, d["name"])]
    ready = set()
    for d in designs:
        sql = design_sql(d)
        res = run(k, sql)
        if tap.check(res[0] == "ok", "CREATE MATERIALIZED VIEW cube_%s WHERE %s" % (d["name"], d["where"]),
                     show(res) + [sql]):
            ready.add(d["name"])
        # the view itself: the rows PostgreSQL's materialized view of the same definition holds
        run(p, "DROP MATERIALIZED VIEW IF EXISTS cube_%s" % d["name"])
        ref = run(p, sql)
        n = len(design_dims(d)) + len(d["measures"])
        vsql = "SELECT * FROM cube_%s ORDER BY %s" % (d["name"], ", ".join(str(i + 1) for i in range(n)))
        got, ref = run(k, vsql), run(p, vsql)
        tap.check(got[0] == "ok" and ref[0] == "ok" and len(got[3]) > 0 and same(got, ref),
                  "the view cube_%s holds the filtered rows of PostgreSQL's matview (%d)" % (
                      d["name"], len(ref[3]) if ref[0] == "ok" else -1),
                  [first_diff(ref, got) or ""] + show(got)[:5] + ["PostgreSQL:"] + show(ref)[:5])
    b1 = "FROM f_filt JOIN cust ON k_cust = c_id JOIN prod ON k_prod = p_id"
    w1 = "qty > 10 AND ch IN ('web', 'store', 'phone') AND (flag OR c_region = 'EAST')"
    b2 = "FROM f_filt2 JOIN cal ON k_date = d_date"
    qs = [
        # routed: the filter's conjuncts as written, reordered, in other forms, with more conditions
        ("filt", "SELECT ch, count(*), sum(units) %s WHERE %s GROUP BY ch ORDER BY 1" % (b1, w1), True, ""),
        ("filt", "SELECT c_region, p_cat, count(*), sum(price), max(qty) %s WHERE (c_region = 'EAST' OR flag) "
                 "AND p_cat <> 'toys' AND ch IN ('phone', 'web', 'store') AND 10 < qty "
                 "GROUP BY c_region, p_cat ORDER BY 1, 2" % b1, True, ""),
        ("filt", "SELECT count(*), sum(units), count(price) %s WHERE NOT (qty <= 10) AND "
                 "ch IN ('web', 'store', 'phone') AND (flag OR c_region = 'EAST')" % b1, True, ""),
        ("filt", "SELECT p_cat, count(*) FROM f_filt, cust, prod WHERE k_cust = c_id AND k_prod = p_id AND %s "
                 "AND c_region IS NOT NULL GROUP BY p_cat ORDER BY 1" % w1, True, ""),
        ("filt", "SELECT ch, avg(units) %s WHERE %s AND ch = 'web' GROUP BY ch ORDER BY 1" % (b1, w1), True, ""),
        # refused: a conjunct missing, a different constant, a stronger or weaker form, no WHERE
        ("filt", "SELECT ch, count(*) %s WHERE qty > 10 AND ch IN ('web', 'store', 'phone') GROUP BY ch "
                 "ORDER BY 1" % b1, False, "the WHERE lacks (flag OR c_region = 'EAST')"),
        ("filt", "SELECT ch, count(*) %s WHERE qty > 11 AND ch IN ('web', 'store', 'phone') AND "
                 "(flag OR c_region = 'EAST') GROUP BY ch ORDER BY 1" % b1, False, "qty > 11 is not qty > 10"),
        ("filt", "SELECT ch, count(*) %s WHERE qty > 10 AND ch IN ('web', 'store') AND "
                 "(flag OR c_region = 'EAST') GROUP BY ch ORDER BY 1" % b1, False, "a shorter IN list"),
        ("filt", "SELECT ch, count(*) %s WHERE (%s) OR ch = 'Web' GROUP BY ch ORDER BY 1" % (b1, w1), False,
         "the filter ORed with more"),
        ("filt", "SELECT c_region, count(*), sum(units) %s GROUP BY c_region ORDER BY 1" % b1, False, "no WHERE"),
        # a filter on fact and calendar columns, dates, BETWEEN, IS NOT NULL, NOT over a boolean
        ("filt2", "SELECT d_month, ch, count(*), sum(rate), min(w) %s WHERE k_date BETWEEN '2024-01-01' AND "
                  "'2024-01-20' AND rate IS NOT NULL AND NOT flag GROUP BY d_month, ch ORDER BY 1, 2" % b2, True, ""),
        ("filt2", "SELECT ch, count(*), sum(units) %s WHERE NOT flag AND k_date <= DATE '2024-01-20' AND "
                  "rate IS NOT NULL AND k_date >= '2024-01-01' AND d_year = 2024 GROUP BY ch ORDER BY 1" % b2,
         True, ""),
        ("filt2", "SELECT count(*), sum(rate) %s WHERE k_date BETWEEN '2024-01-01' AND '2024-01-21' AND "
                  "rate IS NOT NULL AND NOT flag" % b2, False, "another date range"),
        ("filt2", "SELECT count(*), sum(rate) %s WHERE k_date BETWEEN '2024-01-01' AND '2024-01-20' AND "
                  "rate IS NOT NULL AND flag IS FALSE" % b2, False, "flag IS FALSE is not written NOT flag"),
        ("filt2", "SELECT d_year, count(*) %s WHERE rate IS NOT NULL AND NOT flag GROUP BY d_year ORDER BY 1" % b2,
         False, "no date range"),
        # IS [NOT] TRUE, a timestamp, a boolean lookup column
        ("filt3", "SELECT c_region, count(*), sum(units) FROM f_filt3 JOIN cust ON k_cust = c_id WHERE c_vip AND "
                  "ts >= TIMESTAMP '2024-01-01 01:30:00' AND flag IS NOT TRUE GROUP BY c_region ORDER BY 1", True, ""),
        ("filt3", "SELECT ch, count(*) FROM f_filt3 JOIN cust ON k_cust = c_id WHERE flag IS NOT TRUE AND "
                  "ts >= '2024-01-01 01:30' AND c_vip IS NOT FALSE GROUP BY ch ORDER BY 1", False,
         "c_vip IS NOT FALSE takes NULLs in"),
    ]
    for (i, (design, sql, ok, why)) in enumerate(qs):
        if design not in ready:
            continue
        q = Query(design, sql, ok, why, set())
        label = "filter%d %s" % (i + 1, design)
        run_query(tap, k, kp, p, label, q, design)
        if ok:
            explain = run(k, "EXPLAIN " + sql)
            plan = "\n".join(r[0] for r in explain[3]) if explain[0] == "ok" else ""
            tap.check("Cube Filter: " in plan and "cube_%s" % design in plan,
                      "%s: EXPLAIN names cube_%s and its Cube Filter" % (label, design), plan.splitlines()[:8])
        else:
            got = run(k, sql)
            tap.check(got[0] == "err" and "holds only the rows where" in got[2],
                      "%s: the refusal names the filter" % label, show(got)[:3])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dir", required=True)
    ap.add_argument("--kiln", required=True)
    ap.add_argument("--ref", required=True)
    ap.add_argument("--seed", type=int, default=20240611)
    ap.add_argument("--queries", type=int, default=30, help="queries per design and round")
    ap.add_argument("--only", default=None, help="designs matching this regex")
    ap.add_argument("--show", action="store_true", help="print every query as a diagnostic")
    args = ap.parse_args()
    random.seed(args.seed)
    tap = Tap()
    data = gen_data(args.seed)
    k, p = load(args, data, tap)
    kp = in_zone(connect(args.kiln))
    run(kp, "SET kylin.query.pushdown = on")
    designs = [d for d in DESIGNS if not args.only or re.search(args.only, d["name"])]
    # the cubes: CREATE builds, REFRESH builds again
    ready = []
    for des in designs:
        sql = design_sql(des)
        res = run(k, sql)
        if des.get("error"):
            tap.check(res[0] == "err" and res[1] == des["error"], "CREATE MATERIALIZED VIEW cube_%s fails with %s"
                      % (des["name"], des["error"]), show(res) + [sql])
            continue
        if not tap.check(res[0] == "ok", "CREATE MATERIALIZED VIEW cube_%s (%s)" % (des["name"], des["group"]),
                         show(res) + [sql]):
            continue
        res = run(k, "REFRESH MATERIALIZED VIEW cube_%s" % des["name"])
        if tap.check(res[0] == "ok", "REFRESH MATERIALIZED VIEW cube_%s" % des["name"], show(res)):
            ready.append(des)
    # a numeric column is not a dimension type: refused with the hint, not built wrong
    bad = "CREATE MATERIALIZED VIEW cube_bad AS SELECT p_weight, count(*) FROM f_cube JOIN prod ON k_prod = p_id GROUP BY p_weight"
    res = run(k, bad)
    tap.check(res[0] == "err" and res[1] == "0A000", "a numeric(6,1) dimension is refused with 0A000", show(res))
    t0 = time.time()
    nq = 0
    for rnd in (1, 2):
        if rnd == 2:
            data = change_data(data, args.seed + 7)
            reload_fact(args, p, data)
            for des in ready:
                res = run(k, "REFRESH MATERIALIZED VIEW cube_%s" % des["name"])
                tap.check(res[0] == "ok", "round 2: REFRESH MATERIALIZED VIEW cube_%s over the rewritten fact file"
                          % des["name"], show(res))
        model = Model(data)
        gen = Gen(data, model, args.seed + rnd, ready)
        for des in ready:
            for qi, (sql, need) in enumerate(edge_queries(des)):
                q = Query(des["name"], sql, True, "", set())
                cols = set(re.findall(r"\b[a-z_]+\b", sql.split(" FROM ")[0])) & set(design_dims(des))
                reasons = [gen.answer(D, des["joins"], cols, need) for D in ready if D["fact"] == des["fact"]]
                q.answerable = any(x is None for x in reasons)
                q.why = "; ".join(x for x in reasons if x)
                run_query(tap, k, kp, p, "r%d %s edge%d" % (rnd, des["name"], qi + 1), q, des["name"])
            for qi, q in enumerate(gen.gen(des, args.queries)):
                nq += 1
                label = "r%d %s q%d" % (rnd, des["name"], qi + 1)
                if args.show:
                    print("# %s: %s" % (label, q.sql))
                run_query(tap, k, kp, p, label, q, des["name"])
    fixed_checks(tap, k, kp, p, ready)
    filter_checks(tap, k, kp, p, args)
    notice_checks(tap, kp)
    param_checks(tap, k, p, args)
    if not args.only or re.search(args.only, "cube") or re.search(args.only, "left"):
        binary_checks(tap, args)
    print("# %d generated queries in %.1f s" % (nq, time.time() - t0))
    res = run(k, "SELECT 1")
    tap.check(res[0] == "ok", "kilnd still answers after the queries", show(res))
    print("1..%d" % tap.n)
    return 1 if tap.failed else 0


if __name__ == "__main__":
    sys.exit(main())
