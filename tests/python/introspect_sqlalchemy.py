"""introspect_sqlalchemy.py - what SQLAlchemy's inspector (Debian's python3-sqlalchemy,
psycopg2 dialect) lists for a server: schema names, table and foreign-table names of
public, and each table's columns (name, type, nullable, default), one canonical line per
item, so that tests/e2e/introspect_sqlalchemy.sh can compare kilnd with PostgreSQL 15.

    /usr/bin/python3 introspect_sqlalchemy.py DSN
"""
import sys

import sqlalchemy


def main():
    import psycopg2

    eng = sqlalchemy.create_engine("postgresql+psycopg2://", creator=lambda: psycopg2.connect(sys.argv[1]))
    insp = sqlalchemy.inspect(eng)
    for s in insp.get_schema_names():
        print("schema|%s" % s)
    tables = insp.get_table_names(schema="public")
    for t in tables:
        print("table|%s" % t)
    foreign = insp.get_foreign_table_names(schema="public")
    for t in foreign:
        print("foreign|%s" % t)
    for t in sorted(set(tables) | set(foreign)):
        for c in insp.get_columns(t, schema="public"):
            print("column|%s|%s|%s|%s|%s" % (t, c["name"], c["type"], c["nullable"], c["default"]))
        print("pk|%s|%s" % (t, insp.get_pk_constraint(t, schema="public")))
    print("views|%s" % insp.get_view_names(schema="public"))


if __name__ == "__main__":
    main()
