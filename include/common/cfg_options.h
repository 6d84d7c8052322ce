/*
 * cfg_options.h - the one declarative table of kiln's options.
 *
 * This table drives conf/kylin.properties parsing, SET / SHOW / RESET, the
 * ParameterStatus messages sent to clients (CFG_F_REPORT) and docs/CONFIG.md
 * (`kilnd --describe-config` prints it; tests/unit/test_cfg checks the docs and
 * the sample in conf/ against it).
 *
 * CFG_OPTION(id, name, type, default, min, max, context, flags, enum values, doc)
 *   type:    CFG_BOOL, CFG_INT, CFG_REAL, CFG_STRING, CFG_ENUM
 *   context: CFG_C_INTERNAL (read-only, shown), CFG_C_STARTUP (file only),
 *            CFG_C_SIGHUP (file, reloadable), CFG_C_SESSION (file default, SET per session)
 *   flags:   CFG_F_REPORT (ParameterStatus), CFG_F_UNIT_MS / CFG_F_UNIT_KB (the
 *            base unit of a CFG_INT; min, max and the value are in it)
 *   enum values: "a|b|c" for CFG_ENUM, NULL otherwise.
 * Kylin's keys keep Kylin's names and defaults (shared reference kylin.md s.11);
 * PostgreSQL session parameters keep PostgreSQL's names.
 */
/* ---- node and network ---- */
CFG_OPTION(PG_LISTEN, "kiln.pg.listen-address", CFG_STRING, "127.0.0.1", 0, 0, CFG_C_STARTUP, 0, NULL,
           "Address the PostgreSQL-protocol listener binds (0.0.0.0 for all).")
CFG_OPTION(PG_PORT, "kiln.pg.port", CFG_INT, "5433", 0, 65535, CFG_C_STARTUP, 0, NULL,
           "TCP port of the PostgreSQL-protocol listener (0 picks a free port, logged at start).")
CFG_OPTION(MAX_CONNECTIONS, "kiln.pg.max-connections", CFG_INT, "1000", 1, 100000, CFG_C_STARTUP, 0, NULL,
           "Client connections accepted at once; past it a client gets 53300.")
CFG_OPTION(MAX_MESSAGE, "kiln.pg.max-message-bytes", CFG_INT, "67108864", 1024, 1073741823, CFG_C_STARTUP, 0, NULL,
           "Largest client message accepted; a longer one is a protocol violation (08P01) and closes the connection.")
CFG_OPTION(OUTPUT_HIGH_WATER, "kiln.pg.output-high-water-bytes", CFG_INT, "1048576", 4096, 1073741823, CFG_C_STARTUP, 0, NULL,
           "Pending output past which a connection stops producing rows until the client reads (back-pressure).")
CFG_OPTION(AUTH_METHOD, "kiln.auth.method", CFG_ENUM, "trust", 0, 0, CFG_C_SIGHUP, 0, "trust|password|md5|scram-sha-256",
           "How clients authenticate: trust, cleartext password, md5 or scram-sha-256.")
CFG_OPTION(AUTH_USERS, "kiln.auth.users", CFG_STRING, "", 0, 0, CFG_C_SIGHUP, 0, NULL,
           "Users and passwords, `user:password` separated by commas. Empty with trust accepts any user.")
CFG_OPTION(DATABASE, "kiln.database", CFG_STRING, "kiln", 0, 0, CFG_C_STARTUP, 0, NULL,
           "Name of the one database a node serves; clients may connect to any name and see this one.")
CFG_OPTION(DATA_DIR, "kiln.data-dir", CFG_STRING, "data", 0, 0, CFG_C_STARTUP, 0, NULL,
           "Node data directory: the embedded metastore and, unless kiln.storage.root says otherwise, cube storage.")
CFG_OPTION(STORAGE_ROOT, "kiln.storage.root", CFG_STRING, "", 0, 0, CFG_C_STARTUP, 0, NULL,
           "Root of cube storage; in a cluster a path every node mounts. Empty means <kiln.data-dir>/storage.")
CFG_OPTION(LOG_LEVEL, "kiln.log.level", CFG_ENUM, "info", 0, 0, CFG_C_SIGHUP, 0, "debug|info|warn|error",
           "Least severity written to the server log (stderr).")
CFG_OPTION(WORKER_THREADS, "kiln.worker-threads", CFG_INT, "0", 0, 1024, CFG_C_STARTUP, 0, NULL,
           "Threads for scans and builds (libuv pool); 0 means one per core.")
CFG_OPTION(QUERY_MEMORY, "kiln.query.memory-limit-bytes", CFG_INT, "1073741824", 1048576, 9223372036854775807, CFG_C_SESSION, 0, NULL,
           "Memory one query may use; past it the query fails with 53200 and the server goes on.")
CFG_OPTION(BUILD_MEMORY, "kiln.build.memory-limit-bytes", CFG_INT, "0", 0, 9223372036854775807, CFG_C_STARTUP, 0, NULL,
           "Memory one cube build may use for the fact rows it holds; past it the REFRESH fails with 53200, the old segment keeps answering and the server goes on. 0: three quarters of physical memory.")
CFG_OPTION(BUILD_SKIP_RATIO, "kiln.build.cuboid-skip-ratio", CFG_REAL, "2", 0, 1000000, CFG_C_STARTUP, 0, NULL,
           "A cuboid of the aggregation groups is not stored when its nearest stored ancestor has at most this many times its rows: that ancestor answers its queries by a rollup over at most that many times the rows (Kylin's cube planner likewise leaves out cuboids that save few rows). Below 1: store every cuboid. The base cuboid is always stored.")
CFG_OPTION(REST_PORT, "kiln.rest.port", CFG_INT, "7070", 0, 65535, CFG_C_STARTUP, 0, NULL,
           "TCP port of the REST API (health, cluster events, jobs); Kylin's default 7070.")
/* ---- Kylin: metadata and cluster ---- */
CFG_OPTION(METADATA_URL, "kylin.metadata.url", CFG_STRING, "", 0, 0, CFG_C_STARTUP, 0, NULL,
           "Metastore. Empty: embedded SQLite under kiln.data-dir. MySQL: `name@jdbc,url=jdbc:mysql://host:port/db,username=u,password=p` or `mysql://u:p@host:port/db`.")
CFG_OPTION(SERVER_MODE, "kylin.server.mode", CFG_ENUM, "all", 0, 0, CFG_C_STARTUP, 0, "all|job|query",
           "What the node does: all (queries and jobs), job (builds only), query (queries only).")
CFG_OPTION(CLUSTER_SERVERS, "kylin.server.cluster-servers", CFG_STRING, "localhost:7070", 0, 0, CFG_C_SIGHUP, 0, NULL,
           "REST addresses (host:port, comma separated) of every node, this one included, notified of metadata changes.")
CFG_OPTION(CLUSTER_PG_SERVERS, "kiln.cluster.pg-servers", CFG_STRING, "", 0, 0, CFG_C_STARTUP, 0, NULL,
           "PostgreSQL-protocol addresses (host:port, comma separated) of the cluster's nodes; a CancelRequest for a query this node does not run is forwarded to them. Empty: no forwarding.")
CFG_OPTION(HOST_ADDRESS, "kylin.server.host-address", CFG_STRING, "localhost:7070", 0, 0, CFG_C_STARTUP, 0, NULL,
           "This node's REST address as other nodes reach it.")
CFG_OPTION(SELF_DISCOVERY, "kylin.server.self-discovery-enabled", CFG_BOOL, "false", 0, 0, CFG_C_STARTUP, 0, NULL,
           "Register this node in ZooKeeper and take the cluster-servers list from there.")
CFG_OPTION(ZK_CONNECT, "kylin.env.zookeeper-connect-string", CFG_STRING, "", 0, 0, CFG_C_STARTUP, 0, NULL,
           "ZooKeeper ensemble, host:port comma separated. Empty: no ZooKeeper.")
CFG_OPTION(ZK_BASE_PATH, "kylin.env.zookeeper-base-path", CFG_STRING, "/kylin", 0, 0, CFG_C_STARTUP, 0, NULL,
           "Root znode under which kiln keeps locks, elections and node registrations.")
CFG_OPTION(ZK_SESSION_TIMEOUT, "kiln.zookeeper.session-timeout-ms", CFG_INT, "10000", 1000, 120000, CFG_C_STARTUP, 0, NULL,
           "ZooKeeper session timeout; a dead node's locks vanish after it.")
CFG_OPTION(METADATA_SYNC_INTERVAL, "kiln.metadata.sync-interval-ms", CFG_INT, "2000", 100, 3600000, CFG_C_SIGHUP, 0, NULL,
           "How often a node replays the metadata event log, healing lost notifications.")
/* ---- Kylin: jobs ---- */
CFG_OPTION(JOB_SCHEDULER, "kylin.job.scheduler.default", CFG_ENUM, "0", 0, 0, CFG_C_STARTUP, 0, "0|2|100",
           "Job scheduler: 0 one job node (enforced), 2 distributed with a ZooKeeper lock per job, 100 leader/follower.")
CFG_OPTION(JOB_LOCK, "kylin.job.lock", CFG_STRING, "org.apache.kylin.storage.hbase.util.ZookeeperJobLock", 0, 0, CFG_C_STARTUP, 0, NULL,
           "Job lock implementation; any ZooKeeper lock class name selects kiln's ZooKeeper job lock.")
CFG_OPTION(JOB_MAX_CONCURRENT, "kylin.job.max-concurrent-jobs", CFG_INT, "10", 1, 1000, CFG_C_SIGHUP, 0, NULL,
           "Jobs one node runs at once.")
CFG_OPTION(JOB_RETRY, "kylin.job.retry", CFG_INT, "0", 0, 100, CFG_C_SIGHUP, 0, NULL,
           "Times a failed job step is retried before the job goes to ERROR.")
CFG_OPTION(JOB_POLL, "kylin.job.scheduler.poll-interval-second", CFG_INT, "30", 1, 3600, CFG_C_SIGHUP, 0, NULL,
           "Seconds between scheduler scans for ready jobs (notifications wake it sooner).")
/* ---- Kylin: cubes and queries ---- */
CFG_OPTION(MAX_COMBINATION, "kylin.cube.aggrgroup.max-combination", CFG_INT, "32768", 1, 1073741823, CFG_C_SIGHUP, 0, NULL,
           "Most cuboids one aggregation group may produce.")
CFG_OPTION(QUERY_PUSHDOWN, "kylin.query.pushdown", CFG_BOOL, "false", 0, 0, CFG_C_SESSION, 0, NULL,
           "Answer queries no cube covers from the raw sources (with a NOTICE) instead of failing.")
CFG_OPTION(QUERY_TIMEOUT, "kylin.query.timeout-seconds", CFG_INT, "0", 0, 86400, CFG_C_SESSION, 0, NULL,
           "Cancel a query after this many seconds (0: no limit).")
/* ---- PostgreSQL session parameters (names as PostgreSQL has them) ---- */
CFG_OPTION(SERVER_VERSION, "server_version", CFG_STRING, "15.0 (kiln 0.1.0)", 0, 0, CFG_C_INTERNAL, CFG_F_REPORT, NULL,
           "PostgreSQL version kiln answers as.")
CFG_OPTION(SERVER_VERSION_NUM, "server_version_num", CFG_STRING, "150000", 0, 0, CFG_C_INTERNAL, 0, NULL,
           "server_version as a number.")
CFG_OPTION(SERVER_ENCODING, "server_encoding", CFG_STRING, "UTF8", 0, 0, CFG_C_INTERNAL, CFG_F_REPORT, NULL,
           "Encoding of stored text.")
CFG_OPTION(CLIENT_ENCODING, "client_encoding", CFG_STRING, "UTF8", 0, 0, CFG_C_SESSION, CFG_F_REPORT, NULL,
           "Encoding of text to and from the client; only UTF8 (and its aliases) is accepted.")
CFG_OPTION(APPLICATION_NAME, "application_name", CFG_STRING, "", 0, 0, CFG_C_SESSION, CFG_F_REPORT, NULL,
           "Name the client gives itself.")
CFG_OPTION(DATESTYLE, "DateStyle", CFG_STRING, "ISO, MDY", 0, 0, CFG_C_SESSION, CFG_F_REPORT, NULL,
           "Output format of dates; kiln writes ISO.")
CFG_OPTION(INTERVALSTYLE, "IntervalStyle", CFG_ENUM, "postgres", 0, 0, CFG_C_SESSION, CFG_F_REPORT, "postgres|postgres_verbose|sql_standard|iso_8601",
           "Output format of intervals.")
CFG_OPTION(TIMEZONE, "TimeZone", CFG_STRING, "UTC", 0, 0, CFG_C_SESSION, CFG_F_REPORT, NULL,
           "Time zone for timestamptz.")
CFG_OPTION(INTEGER_DATETIMES, "integer_datetimes", CFG_BOOL, "on", 0, 0, CFG_C_INTERNAL, CFG_F_REPORT, NULL,
           "Timestamps are 64-bit integers of microseconds.")
CFG_OPTION(STANDARD_STRINGS, "standard_conforming_strings", CFG_BOOL, "on", 0, 0, CFG_C_SESSION, CFG_F_REPORT, NULL,
           "Backslashes in ordinary string literals are literal.")
CFG_OPTION(IS_SUPERUSER, "is_superuser", CFG_BOOL, "on", 0, 0, CFG_C_INTERNAL, CFG_F_REPORT, NULL,
           "Whether the session user is a superuser.")
CFG_OPTION(SESSION_AUTH, "session_authorization", CFG_STRING, "", 0, 0, CFG_C_INTERNAL, CFG_F_REPORT, NULL,
           "The session user.")
CFG_OPTION(SEARCH_PATH, "search_path", CFG_STRING, "\"$user\", public", 0, 0, CFG_C_SESSION, 0, NULL,
           "Schemas searched for unqualified names.")
CFG_OPTION(EXTRA_FLOAT_DIGITS, "extra_float_digits", CFG_INT, "1", -15, 3, CFG_C_SESSION, 0, NULL,
           "Digits of float output; 1 or more gives the shortest exact form.")
CFG_OPTION(STATEMENT_TIMEOUT, "statement_timeout", CFG_INT, "0", 0, 2147483647, CFG_C_SESSION, CFG_F_UNIT_MS, NULL,
           "Cancel a statement after this many milliseconds (0: no limit).")
CFG_OPTION(LOCK_TIMEOUT, "lock_timeout", CFG_INT, "0", 0, 2147483647, CFG_C_SESSION, CFG_F_UNIT_MS, NULL,
           "Accepted for compatibility; kiln takes no row locks.")
CFG_OPTION(IDLE_TX_TIMEOUT, "idle_in_transaction_session_timeout", CFG_INT, "0", 0, 2147483647, CFG_C_SESSION, CFG_F_UNIT_MS, NULL,
           "End a session left idle inside a transaction block this long (FATAL 25P03); 0: no limit.")
CFG_OPTION(TX_ISOLATION, "transaction_isolation", CFG_STRING, "read committed", 0, 0, CFG_C_SESSION, 0, NULL,
           "Isolation level of the current transaction (kiln reads immutable snapshots).")
CFG_OPTION(DEFAULT_TX_ISOLATION, "default_transaction_isolation", CFG_STRING, "read committed", 0, 0, CFG_C_SESSION, 0, NULL,
           "Isolation level of new transactions.")
CFG_OPTION(TX_READ_ONLY, "transaction_read_only", CFG_BOOL, "off", 0, 0, CFG_C_SESSION, 0, NULL,
           "Whether the current transaction is read-only.")
CFG_OPTION(DEFAULT_TX_READ_ONLY, "default_transaction_read_only", CFG_BOOL, "off", 0, 0, CFG_C_SESSION, CFG_F_REPORT, NULL,
           "Whether new transactions are read-only.")
CFG_OPTION(CLIENT_MIN_MESSAGES, "client_min_messages", CFG_ENUM, "notice", 0, 0, CFG_C_SESSION, 0, "debug5|debug4|debug3|debug2|debug1|log|notice|warning|error",
           "Least severity of messages sent to the client.")
CFG_OPTION(MAX_IDENT_LEN, "max_identifier_length", CFG_INT, "63", 63, 63, CFG_C_INTERNAL, 0, NULL,
           "Longest identifier, in bytes.")
CFG_OPTION(BYTEA_OUTPUT, "bytea_output", CFG_ENUM, "hex", 0, 0, CFG_C_SESSION, 0, "hex|escape",
           "Output format of bytea.")
CFG_OPTION(IN_HOT_STANDBY, "in_hot_standby", CFG_BOOL, "off", 0, 0, CFG_C_INTERNAL, CFG_F_REPORT, NULL,
           "Whether the server is a standby.")
CFG_OPTION(SSL, "ssl", CFG_BOOL, "off", 0, 0, CFG_C_INTERNAL, 0, NULL,
           "Whether TLS is enabled (not yet: SSLRequest is answered N).")
CFG_OPTION(JIT, "jit", CFG_BOOL, "off", 0, 0, CFG_C_SESSION, 0, NULL,
           "Accepted for compatibility.")
CFG_OPTION(WORK_MEM, "work_mem", CFG_INT, "4MB", 64, 2147483647, CFG_C_SESSION, CFG_F_UNIT_KB, NULL,
           "Accepted for compatibility; see kiln.query.memory-limit-bytes.")
CFG_OPTION(SYNC_COMMIT, "synchronous_commit", CFG_STRING, "on", 0, 0, CFG_C_SESSION, 0, NULL,
           "Accepted for compatibility.")
CFG_OPTION(ROW_SECURITY, "row_security", CFG_BOOL, "on", 0, 0, CFG_C_SESSION, 0, NULL,
           "Accepted for compatibility.")
