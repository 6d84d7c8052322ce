"""auth_check.py HOST PORT USER PASSWORD [DATABASE]

Logs in with pgwire.py and prints one line:
  auth=<cleartext|md5|scram-sha-256|ok> result=ok status=<I|T|E>
  auth=<...> result=error severity=<V> sqlstate=<C> message=<M>
so a shell test can check both the method the server asked for and its answer.
"""
import sys
sys.path.insert(0, __file__.rsplit("/", 1)[0])
import pgwire  # noqa: E402

host, port, user, password = sys.argv[1:5]
db = sys.argv[5] if len(sys.argv) > 5 else "kiln"
c = pgwire.Conn(host, port)
c.startup(user=user, database=db, application_name="auth_check")
try:
    status = c.authenticate(password)
    res, status = c.simple_query("SELECT 1")
    print("auth=%s result=ok status=%s" % (c.auth_kind, status.decode()))
except pgwire.PgError as e:
    f = e.fields
    print("auth=%s result=error severity=%s sqlstate=%s message=%s" % (c.auth_kind, f.get("V", f.get("S")), f.get("C"), f.get("M")))
    # after a FATAL error the server must close the connection
    rest = c.recv_all()
    print("closed_after_error=%s" % ("yes" if not rest else "no (%d more messages)" % len(rest)))
c.close()
