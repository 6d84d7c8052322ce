// IntrospectTest.java - prints what pgjdbc's DatabaseMetaData lists for the SSB source
// tables, one canonical line per row, so that tests/e2e/introspect_jdbc.sh can compare
// kilnd's answers with PostgreSQL 15's for the same DDL.
//   java -cp postgresql.jar:. IntrospectTest HOST PORT DB USER PASSWORD SECTION
// SECTION: schemas | tables | columns | pkeys | typeinfo
import java.sql.*;
import java.util.*;

public class IntrospectTest {
    public static void main(String[] a) throws Exception {
        String url = "jdbc:postgresql://" + a[0] + ":" + a[1] + "/" + a[2];
        Properties p = new Properties();
        p.setProperty("user", a[3]);
        p.setProperty("password", a[4]);
        try (Connection c = DriverManager.getConnection(url, p)) {
            DatabaseMetaData md = c.getMetaData();
            List<String> out = new ArrayList<>();
            switch (a[5]) {
            case "schemas":
                try (ResultSet r = md.getSchemas()) {
                    while (r.next())
                        out.add(r.getString("TABLE_SCHEM"));
                }
                break;
            case "tables":
                try (ResultSet r = md.getTables(null, "public", "%", new String[] { "TABLE", "FOREIGN TABLE", "VIEW" })) {
                    while (r.next())
                        out.add(r.getString("TABLE_SCHEM") + "|" + r.getString("TABLE_NAME") + "|" + r.getString("TABLE_TYPE")
                                + "|" + r.getString("REMARKS"));
                }
                break;
            case "columns":
                try (ResultSet r = md.getColumns(null, "public", "%", "%")) {
                    while (r.next())
                        out.add(r.getString("TABLE_NAME") + "|" + r.getInt("ORDINAL_POSITION") + "|"
                                + r.getString("COLUMN_NAME") + "|" + r.getInt("DATA_TYPE") + "|" + r.getString("TYPE_NAME")
                                + "|" + r.getInt("COLUMN_SIZE") + "|" + r.getInt("DECIMAL_DIGITS") + "|"
                                + r.getInt("NULLABLE") + "|" + r.getString("IS_NULLABLE") + "|" + r.getString("COLUMN_DEF")
                                + "|" + r.getString("IS_AUTOINCREMENT"));
                }
                break;
            case "pkeys":
                for (String t : new String[] { "lineorder", "customer", "dates" })
                    try (ResultSet r = md.getPrimaryKeys(null, "public", t)) {
                        out.add(t + ":");
                        while (r.next())
                            out.add(r.getString("TABLE_NAME") + "|" + r.getString("COLUMN_NAME") + "|" + r.getInt("KEY_SEQ"));
                    }
                break;
            case "typeinfo":
                try (ResultSet r = md.getTypeInfo()) {
                    while (r.next())
                        out.add(r.getString("TYPE_NAME") + "|" + r.getInt("DATA_TYPE") + "|" + r.getInt("PRECISION") + "|"
                                + r.getShort("NULLABLE") + "|" + r.getBoolean("CASE_SENSITIVE") + "|"
                                + r.getShort("SEARCHABLE") + "|" + r.getBoolean("UNSIGNED_ATTRIBUTE"));
                }
                break;
            default:
                throw new IllegalArgumentException(a[5]);
            }
            for (String s : out)
                System.out.println(s);
        }
    }
}
