// JdbcTest.java - pgjdbc (Debian libpostgresql-jdbc-java) against the server; prints TAP lines.
//
//   javac -d /tmp/x tests/java/JdbcTest.java
//   java -cp /tmp/x:/usr/share/java/postgresql.jar JdbcTest HOST PORT DB USER PASSWORD
//
// The heart of it: one PreparedStatement with parameters executed 10 times. pgjdbc sends
// runs 1-4 as unnamed Parse/Bind/Describe/Execute; from run 5 (prepareThreshold=5) it
// parses a named server statement S_n, and then binds it with binary result formats and
// no Describe, reusing the RowDescription it cached. Every run checks every value. The
// driver's own log (java.util.logging at FINEST) is captured to prove that the named
// statement and the binary results really were used.
import java.math.BigDecimal;
import java.sql.*;
import java.util.*;
import java.util.logging.*;

public class JdbcTest {
    static int n = 0, failed = 0;

    static void ok(boolean cond, String desc) {
        n++;
        if (!cond) failed++;
        System.out.println((cond ? "ok " : "not ok ") + n + " - " + desc);
    }

    static void diag(String s) {
        for (String line : s.split("\n")) System.out.println("# " + line);
    }

    static <T> void is(T got, T want, String desc) {
        boolean same = Objects.equals(got, want);
        ok(same, desc);
        if (!same) diag("got: " + got + "\nexpected: " + want);
    }

    interface Check { void run() throws Exception; }

    static void attempt(String desc, Check c) {
        try {
            c.run();
        } catch (Throwable e) {
            ok(false, desc + " (threw " + e + ")");
            if (e instanceof SQLException) diag("SQLState " + ((SQLException) e).getSQLState());
        }
    }

    static final List<String> driverLog = Collections.synchronizedList(new ArrayList<>());

    public static void main(String[] args) throws Exception {
        String host = args[0], port = args[1], db = args[2], user = args[3], password = args[4];
        // args[5]: the server's auth method; args[6]: extra URL parameters, e.g. preferQueryMode=simple
        String extra = args.length > 6 ? args[6] : "";
        String url = "jdbc:postgresql://" + host + ":" + port + "/" + db + (extra.isEmpty() ? "" : "?" + extra);
        final boolean simpleMode = extra.contains("preferQueryMode=simple");
        if (!extra.isEmpty()) diag("URL parameters: " + extra);

        Logger pg = Logger.getLogger("org.postgresql");
        pg.setLevel(Level.FINEST);
        pg.setUseParentHandlers(false);
        pg.addHandler(new Handler() {
            public void publish(LogRecord r) {
                String m = r.getMessage();
                Object[] p = r.getParameters();
                if (p != null) {
                    try { m = java.text.MessageFormat.format(m, p); } catch (IllegalArgumentException e) { /* keep raw */ }
                }
                driverLog.add(m);
            }
            public void flush() {}
            public void close() {}
        });

        Properties props = new Properties();
        props.setProperty("user", user);
        props.setProperty("password", password);
        props.setProperty("connectTimeout", "10");
        props.setProperty("socketTimeout", "60");

        try (Connection c = DriverManager.getConnection(url, props)) {
            ok(true, "connect with pgjdbc " + c.getMetaData().getDriverVersion());
            DatabaseMetaData md = c.getMetaData();
            is(md.getDatabaseProductName(), "PostgreSQL", "DatabaseMetaData product name");
            is(md.getDatabaseMajorVersion(), 15, "DatabaseMetaData major version (from server_version)");

            attempt("Statement.executeQuery", () -> {
                try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT 1 AS one, 'two' AS two")) {
                    ok(rs.next(), "Statement: one row");
                    is(rs.getInt("one"), 1, "Statement: int column by name");
                    is(rs.getString(2), "two", "Statement: text column by index");
                    ok(!rs.next(), "Statement: no second row");
                    ResultSetMetaData rsmd = rs.getMetaData();
                    is(rsmd.getColumnCount() + " " + rsmd.getColumnLabel(1) + " " + rsmd.getColumnTypeName(1) + " " + rsmd.getColumnTypeName(2),
                       "2 one int4 text", "ResultSetMetaData: labels and type names");
                }
            });

            // ---- the prepared statement, run 10 times ----
            driverLog.clear();
            attempt("PreparedStatement runs", () -> {
                String sql = "SELECT ? + 1 AS next, ? AS label, ? * 2 AS doubled, ? AS flag, ? * 1000 AS big, ? / 4 AS quarter, ? AS maybe";
                try (PreparedStatement ps = c.prepareStatement(sql)) {
                    int good = 0;
                    StringBuilder bad = new StringBuilder(), formats = new StringBuilder();
                    for (int i = 1; i <= 10; i++) {
                        ps.setInt(1, i);
                        ps.setString(2, "run " + i);
                        ps.setBigDecimal(3, new BigDecimal(i + ".25"));
                        ps.setBoolean(4, i % 2 == 0);
                        ps.setLong(5, 3_000_000_000L + i);
                        ps.setDouble(6, i);
                        if (i % 3 == 0) ps.setNull(7, Types.INTEGER); else ps.setInt(7, -i);
                        try (ResultSet rs = ps.executeQuery()) {
                            // 0 = text, 1 = binary, as the driver asked for them in Bind
                            org.postgresql.PGResultSetMetaData pmd = rs.getMetaData().unwrap(org.postgresql.PGResultSetMetaData.class);
                            formats.append(pmd.getFormat(1)).append(pmd.getFormat(3)).append(pmd.getFormat(5)).append(' ');
                            boolean row = rs.next();
                            String got = row ? (rs.getInt(1) + "|" + rs.getString(2) + "|" + rs.getBigDecimal(3) + "|" + rs.getBoolean(4)
                                + "|" + rs.getLong(5) + "|" + rs.getDouble(6) + "|" + rs.getObject(7)) : "no row";
                            String want = (i + 1) + "|run " + i + "|" + new BigDecimal(i + ".25").multiply(new BigDecimal(2)) + "|" + (i % 2 == 0)
                                + "|" + (3_000_000_000L + i) * 1000 + "|" + (i / 4.0) + "|" + (i % 3 == 0 ? null : -i);
                            if (got.equals(want) && !rs.next()) good++;
                            else bad.append("run ").append(i).append(": got ").append(got).append(", expected ").append(want).append("\n");
                        }
                    }
                    ok(good == 10, "PreparedStatement with 7 parameters: 10 runs, every value right");
                    if (good != 10) diag(bad.toString());
                    String f = formats.toString().trim();
                    if (simpleMode || extra.contains("binaryTransfer=false")) {
                        is(f, "000 000 000 000 000 000 000 000 000 000", "every result in text (" + extra + ")");
                    } else if (extra.isEmpty()) {
                        // runs 1-5 text; from run 6 on, int4, numeric and int8 results come back binary
                        is(f, "000 000 000 000 000 111 111 111 111 111",
                           "result formats per run (int4, numeric, int8): text, then binary once the statement is named");
                    } else {
                        ok(f.endsWith("111 111"), "results come back binary once the statement is named (" + f + ")");
                    }
                    if (!simpleMode)
                        ok(ps.unwrap(org.postgresql.PGStatement.class).isUseServerPrepare(),
                           "pgjdbc switched to a server-side prepared statement");
                }
            });
            boolean namedParse = false, namedBind = false, anyParse = false, simpleQuery = false;
            for (String m : driverLog) {
                if (m.contains("FE=> Parse(stmt=S_")) namedParse = true;
                if (m.contains("FE=> Bind(stmt=S_")) namedBind = true;
                if (m.contains("FE=> Parse(")) anyParse = true;
                if (m.contains("FE=> SimpleQuery(")) simpleQuery = true;
            }
            if (System.getenv("JDBC_TRACE") != null) for (String m : driverLog) diag(m);
            if (simpleMode) {
                ok(simpleQuery && !anyParse, "preferQueryMode=simple: the driver sent Query messages only (parameters inlined)");
            } else {
                ok(namedParse, "the driver sent Parse of a named statement (S_n) after 5 runs");
                ok(namedBind, "the driver bound the named statement on later runs");
            }
            if (!simpleMode && (!namedParse || !namedBind)) {
                diag("driver log (FE=> lines):");
                for (String m : driverLog) if (m.contains("FE=>")) diag(m);
            }

            // ---- binary results explicitly: prepareThreshold=-1 forces binary from the first run ----
            attempt("binary transfer", () -> {
                Properties p2 = new Properties(props);
                p2.setProperty("prepareThreshold", "-1");
                try (Connection c2 = DriverManager.getConnection(url, p2);
                     PreparedStatement ps = c2.prepareStatement("SELECT ?::int4 AS a, ?::int8 AS b, ?::int2 AS c, ?::float8 AS d, ?::float4 AS e, ?::bool AS f, ?::numeric AS g, ?::text AS h")) {
                    ps.setInt(1, -123456);
                    ps.setLong(2, 9_000_000_000_000_000_000L);
                    ps.setShort(3, (short) -32768);
                    ps.setDouble(4, 2.5e-300);
                    ps.setFloat(5, 1.5f);
                    ps.setBoolean(6, true);
                    ps.setBigDecimal(7, new BigDecimal("-12345678901234567890.000123"));
                    ps.setString(8, "héllo");
                    for (int i = 1; i <= 3; i++) {
                        try (ResultSet rs = ps.executeQuery()) {
                            rs.next();
                            is(rs.getInt(1) + "|" + rs.getLong(2) + "|" + rs.getShort(3) + "|" + rs.getDouble(4) + "|" + rs.getFloat(5)
                               + "|" + rs.getBoolean(6) + "|" + rs.getBigDecimal(7) + "|" + rs.getString(8),
                               "-123456|9000000000000000000|-32768|2.5E-300|1.5|true|-12345678901234567890.000123|héllo",
                               "binary transfer of core types (prepareThreshold=-1), run " + i);
                        }
                    }
                }
            });

            // ---- errors: SQLState, and the connection goes on ----
            attempt("errors", () -> {
                try (Statement st = c.createStatement()) {
                    String state = null;
                    try { st.executeQuery("SELEC 1"); } catch (SQLException e) { state = e.getSQLState(); }
                    is(state, "42601", "syntax error gives SQLState 42601");
                    state = null;
                    try (PreparedStatement ps = c.prepareStatement("SELECT no_such_function(?)")) {
                        ps.setInt(1, 1);
                        ps.executeQuery();
                    } catch (SQLException e) { state = e.getSQLState(); }
                    is(state, "42883", "unknown function in a PreparedStatement gives 42883");
                    try (ResultSet rs = st.executeQuery("SELECT 'alive'")) {
                        rs.next();
                        is(rs.getString(1), "alive", "the connection works after errors");
                    }
                }
            });

            // ---- transactions ----
            attempt("transactions", () -> {
                c.setAutoCommit(false);
                try (Statement st = c.createStatement()) {
                    try (ResultSet rs = st.executeQuery("SELECT 1")) { rs.next(); }
                    String state = null;
                    try { st.executeQuery("SELECT 1/0"); } catch (SQLException e) { state = e.getSQLState(); }
                    is(state, "22012", "division by zero inside a transaction gives 22012");
                    state = null;
                    try { st.executeQuery("SELECT 1"); } catch (SQLException e) { state = e.getSQLState(); }
                    is(state, "25P02", "the failed transaction refuses statements with 25P02");
                    c.rollback();
                    try (ResultSet rs = st.executeQuery("SELECT 2")) {
                        rs.next();
                        is(rs.getInt(1), 2, "after rollback the connection works");
                    }
                    c.commit();
                }
                c.setAutoCommit(true);
            });

            // ---- COPY ... TO STDOUT through pgjdbc's copy API (CopyOutResponse, CopyData, CopyDone) ----
            attempt("copy out", () -> {
                org.postgresql.copy.CopyManager cm = c.unwrap(org.postgresql.PGConnection.class).getCopyAPI();
                java.io.StringWriter w = new java.io.StringWriter();
                long rows = cm.copyOut("COPY (SELECT x, 'a,b' AS s, NULL::int AS z FROM (VALUES (1), (2)) AS v(x) ORDER BY x) "
                                       + "TO STDOUT WITH (FORMAT csv, HEADER)", w);
                is(rows + "|" + w, "2|x,s,z\n1,\"a,b\",\n2,\"a,b\",\n", "CopyManager.copyOut: csv with HEADER, a quoted field, a NULL");
                w = new java.io.StringWriter();
                rows = cm.copyOut("COPY (SELECT 'tab\there' AS t, NULL AS n) TO STDOUT", w);
                is(rows + "|" + w, "1|tab\\there\t\\N\n", "CopyManager.copyOut: text format escapes a tab, NULL as \\N");
                try (ResultSet rs = c.createStatement().executeQuery("SELECT 'after copy'")) {
                    rs.next();
                    is(rs.getString(1), "after copy", "the connection works after the copies");
                }
            });

            // ---- fetch size: Execute with a row limit, PortalSuspended ----
            attempt("fetch size", () -> {
                c.setAutoCommit(false);
                try (PreparedStatement ps = c.prepareStatement("SELECT x FROM (VALUES (1), (2), (3), (4), (5)) AS v(x) ORDER BY x")) {
                    ps.setFetchSize(2);
                    StringBuilder sb = new StringBuilder();
                    try (ResultSet rs = ps.executeQuery()) {
                        while (rs.next()) sb.append(rs.getInt(1));
                    }
                    is(sb.toString(), "12345", "setFetchSize(2): rows arrive in batches (Execute with a row limit)");
                }
                c.commit();
                c.setAutoCommit(true);
            });
        }

        // ---- wrong password ----
        try {
            Properties bad = new Properties();
            bad.setProperty("user", user);
            bad.setProperty("password", password + "-wrong");
            try (Connection c = DriverManager.getConnection(url, bad)) {
                ok(args.length > 5 && args[5].equals("trust"), "a wrong password is refused (server uses trust: accepted)");
            }
        } catch (SQLException e) {
            is(e.getSQLState() + " " + e.getMessage().split("\n")[0], "28P01 FATAL: password authentication failed for user \"" + user + "\"",
               "a wrong password gives 28P01 with PostgreSQL's message");
        }

        System.out.println("1.." + n);
        System.exit(failed == 0 ? 0 : 1);
    }
}
