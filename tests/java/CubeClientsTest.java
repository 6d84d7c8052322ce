// CubeClientsTest.java - pgjdbc on cube queries and on a cube's materialized view, each
// result compared with what pgjdbc gets from PostgreSQL 15 on the same data (loaded by
// tests/e2e/cube_clients.py); prints TAP lines.
//
//   java -cp DIR:/usr/share/java/postgresql.jar CubeClientsTest KILN_URL PG_URL USER PASSWORD
//
// Every PreparedStatement runs 7 times (pgjdbc switches to a named server statement and
// binary results from run 5), with setInt, setShort, setLong, setString, setBoolean,
// setBigDecimal, setDate, setTimestamp and setObject(LocalDate / OffsetDateTime) parameters.
// DatabaseMetaData.getTables / getColumns of the view must list what they list against
// PostgreSQL (TABLE_TYPE "MATERIALIZED VIEW", the columns with types, sizes, nullability).
import java.math.BigDecimal;
import java.sql.*;
import java.time.*;
import java.util.*;

public class CubeClientsTest {
    static int n = 0, failed = 0;

    static void ok(boolean cond, String desc, String todo) {
        n++;
        if (!cond && todo == null) failed++;
        System.out.println((cond ? "ok " : "not ok ") + n + " - " + desc + (!cond && todo != null ? " # TODO " + todo : ""));
    }

    static void diag(String s) {
        for (String line : s.split("\n")) System.out.println("#   " + line);
    }

    interface Binder { void bind(PreparedStatement ps) throws SQLException; }

    static String render(ResultSet rs) throws SQLException {
        StringBuilder b = new StringBuilder();
        ResultSetMetaData md = rs.getMetaData();
        int nc = md.getColumnCount();
        for (int i = 1; i <= nc; i++)
            b.append(i > 1 ? "|" : "").append(md.getColumnLabel(i)).append(':').append(md.getColumnTypeName(i));
        b.append('\n');
        while (rs.next()) {
            for (int i = 1; i <= nc; i++) {
                String t = md.getColumnTypeName(i);
                String v;
                if (t.equals("numeric")) {
                    BigDecimal d = rs.getBigDecimal(i);
                    v = d == null ? "NULL" : d.toPlainString();
                } else if (t.equals("date")) {
                    java.sql.Date d = rs.getDate(i);
                    v = d == null ? "NULL" : d.toString() + "/" + rs.getObject(i, LocalDate.class);
                } else if (t.equals("timestamptz")) {
                    OffsetDateTime d = rs.getObject(i, OffsetDateTime.class);
                    v = d == null ? "NULL" : d.toString() + "/" + rs.getString(i);
                } else if (t.equals("timestamp")) {
                    Timestamp d = rs.getTimestamp(i);
                    v = d == null ? "NULL" : d.toString();
                } else if (t.startsWith("int")) {
                    long x = rs.getLong(i);
                    v = rs.wasNull() ? "NULL" : Long.toString(x);
                } else if (t.equals("bool")) {
                    boolean x = rs.getBoolean(i);
                    v = rs.wasNull() ? "NULL" : Boolean.toString(x);
                } else {
                    Object o = rs.getObject(i);
                    v = o == null ? "NULL" : o.toString();
                }
                b.append(i > 1 ? "|" : "").append(v);
            }
            b.append('\n');
        }
        return b.toString();
    }

    static String runOn(Connection c, String sql, Binder bind, int times) {
        StringBuilder all = new StringBuilder();
        String first = null;
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            for (int k = 0; k < times; k++) {
                bind.bind(ps);
                try (ResultSet rs = ps.executeQuery()) {
                    String r = render(rs);
                    if (first == null) first = r;
                    else if (!r.equals(first)) return "run " + (k + 1) + " differs from run 1:\n" + r + "\nrun 1:\n" + first;
                }
            }
        } catch (SQLException e) {
            return "ERROR " + e.getSQLState() + ": " + e.getMessage();
        }
        return first;
    }

    static void compare(Connection k, Connection p, String label, String sql, Binder bind, String todo) {
        String want = runOn(p, sql, bind, 7);
        String got = runOn(k, sql, bind, 7);
        boolean same = want.equals(got);
        ok(same, label + ": 7 runs equal PostgreSQL's", todo);
        if (!same) {
            diag(sql);
            diag("kiln:\n" + (got.length() > 1500 ? got.substring(0, 1500) : got));
            diag("PostgreSQL:\n" + (want.length() > 1500 ? want.substring(0, 1500) : want));
        }
    }

    static String meta(ResultSet rs, String... cols) throws SQLException {
        StringBuilder b = new StringBuilder();
        while (rs.next()) {
            for (String c : cols) b.append(c).append('=').append(rs.getString(c)).append(' ');
            b.append('\n');
        }
        return b.toString();
    }

    static void compareMeta(Connection k, Connection p, String label, String table, String todo) {
        String[] tcols = {"TABLE_SCHEM", "TABLE_NAME", "TABLE_TYPE"};
        String[] ccols = {"TABLE_NAME", "COLUMN_NAME", "DATA_TYPE", "TYPE_NAME", "COLUMN_SIZE", "DECIMAL_DIGITS",
                          "NULLABLE", "ORDINAL_POSITION", "IS_NULLABLE", "IS_AUTOINCREMENT"};
        for (int pass = 0; pass < 3; pass++) {
            String want, got;
            try {
                want = pass == 0 ? meta(p.getMetaData().getTables(null, "public", table, null), tcols)
                     : pass == 1 ? meta(p.getMetaData().getTables(null, "public", "%", new String[]{"MATERIALIZED VIEW"}), tcols)
                     : meta(p.getMetaData().getColumns(null, "public", table, "%"), ccols);
            } catch (SQLException e) {
                want = "ERROR " + e.getSQLState() + ": " + e.getMessage();
            }
            try {
                got = pass == 0 ? meta(k.getMetaData().getTables(null, "public", table, null), tcols)
                    : pass == 1 ? meta(k.getMetaData().getTables(null, "public", "%", new String[]{"MATERIALIZED VIEW"}), tcols)
                    : meta(k.getMetaData().getColumns(null, "public", table, "%"), ccols);
            } catch (SQLException e) {
                got = "ERROR " + e.getSQLState() + ": " + e.getMessage();
            }
            String what = pass == 0 ? "getTables" : pass == 1 ? "getTables(types MATERIALIZED VIEW)" : "getColumns";
            boolean same = want.equals(got);
            ok(same, label + ": DatabaseMetaData." + what + " equals PostgreSQL's", todo);
            if (!same) diag("kiln:\n" + got + "PostgreSQL:\n" + want);
        }
    }

    public static void main(String[] a) throws Exception {
        Properties props = new Properties();
        props.setProperty("user", a[2]);
        props.setProperty("password", a[3]);
        String opts = a.length > 4 ? a[4] : "";
        Connection k = DriverManager.getConnection(a[0] + opts, props);
        Connection p = DriverManager.getConnection(a[1] + opts, props);
        String tag = opts.isEmpty() ? "" : "[" + opts.substring(1) + "] ";
        String j = "lineorder JOIN dates ON lo_datekey = d_key JOIN cust ON lo_custkey = c_key";
        for (Connection c : new Connection[]{k, p})
            try (Statement s = c.createStatement()) { s.execute("SET TimeZone = 'UTC'"); }

        compare(k, p, tag + "setInt + setString on a cube query",
                "SELECT d_month, sum(lo_revenue) AS rev, count(*) FROM " + j + " WHERE d_year = ? AND c_region = ? GROUP BY d_month ORDER BY 1",
                ps -> { ps.setInt(1, 2022); ps.setString(2, "EUROPE"); }, null);
        compare(k, p, tag + "setShort + setBoolean + setBigDecimal (HAVING) on a cube query",
                "SELECT c_city, sum(lo_price) AS price, avg(lo_price) AS avgp FROM " + j
                + " WHERE lo_small = ? OR lo_flag = ? GROUP BY c_city HAVING sum(lo_price) > ? ORDER BY 1",
                ps -> { ps.setShort(1, (short) 32767); ps.setBoolean(2, true); ps.setBigDecimal(3, new BigDecimal("1000.25")); }, null);
        compare(k, p, tag + "setDate range on a date dimension",
                "SELECT d_date, sum(lo_price), min(lo_qty), max(lo_qty) FROM " + j + " WHERE d_date BETWEEN ? AND ? GROUP BY 1 ORDER BY 1",
                ps -> { ps.setDate(1, java.sql.Date.valueOf("2022-05-01")); ps.setDate(2, java.sql.Date.valueOf("2022-06-10")); }, null);
        compare(k, p, tag + "setObject(LocalDate) + setString non-ASCII",
                "SELECT c_city, d_year, count(*) FROM " + j + " WHERE d_date >= ? AND c_city IN (?, ?) GROUP BY 1, 2 ORDER BY 1, 2",
                ps -> { ps.setObject(1, LocalDate.of(2023, 6, 1)); ps.setString(2, "東京"); ps.setString(3, "Zürich"); }, null);
        compare(k, p, tag + "setLong on a bigint measure in HAVING",
                "SELECT d_year, c_region, sum(lo_revenue) FROM " + j + " GROUP BY 1, 2 HAVING sum(lo_revenue) > ? ORDER BY 3 DESC LIMIT 5",
                ps -> ps.setLong(1, 500000000000L), null);
        compare(k, p, tag + "setTimestamp on a timestamp dimension",
                "SELECT lo_ts, count(*), sum(lo_price) FROM lineorder JOIN dates ON lo_datekey = d_key WHERE lo_ts >= ? AND lo_ts < ? GROUP BY 1 ORDER BY 1",
                ps -> { ps.setTimestamp(1, Timestamp.valueOf("2023-03-01 06:00:00")); ps.setTimestamp(2, Timestamp.valueOf("2023-03-09 00:00:00")); }, null);
        compare(k, p, tag + "setObject(OffsetDateTime) on a timestamptz dimension",
                "SELECT lo_tstz, count(*) FROM lineorder JOIN dates ON lo_datekey = d_key WHERE lo_tstz < ? GROUP BY 1 ORDER BY 1",
                ps -> ps.setObject(1, OffsetDateTime.of(2022, 1, 3, 0, 0, 0, 0, ZoneOffset.ofHours(2))), null);
        compare(k, p, tag + "a window function over a cube aggregate with a parameter",
                "SELECT d_year, c_region, sum(lo_revenue), rank() OVER (PARTITION BY d_year ORDER BY sum(lo_revenue) DESC) FROM " + j
                + " WHERE d_year >= ? GROUP BY 1, 2 ORDER BY 1, 4, 2",
                ps -> ps.setInt(1, 2023), null);
        compare(k, p, tag + "the view: setInt + setString",
                "SELECT d_year, c_region, lo_flag, rev, price, n, avg_price FROM cube_cube WHERE d_year = ? AND c_region = ? ORDER BY 3, 6",
                ps -> { ps.setInt(1, 2022); ps.setString(2, "ASIA"); }, null);
        compare(k, p, tag + "the view: setDate + setString non-ASCII",
                "SELECT d_date, c_city, lo_flag, lo_small, rev, price, disc, avg_price, n, n_disc, min_qty, max_qty FROM cube_star "
                + "WHERE d_date < ? AND c_city = ? ORDER BY 1, 3, 4, 5",
                ps -> { ps.setDate(1, java.sql.Date.valueOf("2022-02-01")); ps.setString(2, "Kraków"); }, null);
        compare(k, p, tag + "the view: setObject(Integer) + setBoolean, aggregated",
                "SELECT c_region, sum(rev), sum(n), max(max_price) FROM cube_star WHERE d_year = ? AND c_vip = ? GROUP BY 1 ORDER BY 1",
                ps -> { ps.setObject(1, 2023); ps.setBoolean(2, false); }, null);
        compare(k, p, tag + "the view joined with a source table, setString",
                "SELECT c.c_name, v.d_year, v.rev FROM cube_cube v JOIN cust c ON c.c_region = v.c_region "
                + "WHERE v.lo_flag IS NULL AND v.d_year IS NOT NULL AND c.c_name < ? ORDER BY 1, 2, 3",
                ps -> ps.setString(1, "Cliënt 004"), null);
        compare(k, p, tag + "the view: timestamps with a parameter",
                "SELECT lo_ts, lo_tstz, d_ts, price, n, rev FROM cube_time WHERE lo_ts > ? ORDER BY 1 LIMIT 6",
                ps -> ps.setTimestamp(1, Timestamp.valueOf("2024-01-01 00:00:00")), null);
        compareMeta(k, p, tag + "cube_star", "cube_star", null);
        compareMeta(k, p, tag + "cube_time", "cube_time", null);
        k.close();
        p.close();
        System.exit(failed > 0 ? 1 : 0);
    }
}
