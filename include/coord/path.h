/*
 * path.h - the ZooKeeper path scheme of a kiln cluster, as pure string
 * functions (no ZooKeeper calls), so the layout is defined and tested in one
 * place.
 *
 * Every znode of one cluster lives under a root:
 *
 *   <kylin.env.zookeeper-base-path>/<cluster>          persistent
 *     job_engine/lock/<job>                   ephemeral  one per running job (scheduler 2);
 *                                                        data = owner; czxid = fencing token
 *     job_engine/global_job_engine_lock       ephemeral  the one scheduler of mode 0 (Kylin's name)
 *     job_engine/leader/n_<sid>_<serial>_<seq10>  ephemeral sequential, mode 100 candidates;
 *                                                        lowest <seq10> leads; data = node id
 *     service/cluster_servers/<host:port>|<mode>  ephemeral  node self-registration
 *                                                        (self-discovery); data = JSON
 *
 * <cluster> is Kylin's kylin.server.cluster-name default: the identifier
 * before '@' in kylin.metadata.url, "kylin_metadata" when there is none, so
 * two clusters on one ensemble (or a test next to a real cluster) never meet.
 * Names (cluster, job id, address) must be single znode components: not
 * empty, at most COORD_NAME_MAX bytes, no '/', no control characters, not
 * "." or "..".
 *
 * All functions write NUL-terminated strings into caller buffers and return
 * 0, or -1 when an input is invalid or the buffer is too small.
 */
#ifndef COORD_PATH_H
#define COORD_PATH_H

#include <stddef.h>
#include <stdint.h>

#define COORD_NAME_MAX 200
#define COORD_PATH_MAX 1024

#define COORD_DEFAULT_CLUSTER "kylin_metadata"
#define COORD_DIR_JOB_ENGINE "job_engine"
#define COORD_DIR_JOB_LOCKS "job_engine/lock"
#define COORD_DIR_LEADER "job_engine/leader"
#define COORD_SCHEDULER_LOCK "job_engine/global_job_engine_lock"
#define COORD_DIR_SERVICE "service"
#define COORD_DIR_MEMBERS "service/cluster_servers"

/* coord_name_valid - 1 when s may be one znode name component, else 0. */
int coord_name_valid(const char *s);

/* coord_path_base - normalises kylin.env.zookeeper-base-path: adds the
 * leading '/', drops trailing ones; "/" or "" give "" (the ZooKeeper root).
 * Each component must be a valid name. */
int coord_path_base(char *out, size_t n, const char *base);

/* coord_path_root - "<base>/<cluster>" with base normalised. */
int coord_path_root(char *out, size_t n, const char *base, const char *cluster);

/* coord_path_join - "<root>/<rel>" (rel may hold '/', e.g. COORD_DIR_LEADER);
 * with name non-NULL, "<root>/<rel>/<name>" and name must be valid. */
int coord_path_join(char *out, size_t n, const char *root, const char *rel, const char *name);

/* coord_path_job_lock - "<root>/job_engine/lock/<job>". */
int coord_path_job_lock(char *out, size_t n, const char *root, const char *job);

/* coord_cluster_name - the cluster component from kylin.metadata.url:
 * "name@jdbc,url=..." gives "name"; empty, "mysql://..." or no '@' give
 * "kylin_metadata". The result is checked with coord_name_valid. */
int coord_cluster_name(char *out, size_t n, const char *metadata_url);

/* coord_member_name - "<addr>|<mode>", the registration znode name. */
int coord_member_name(char *out, size_t n, const char *addr, const char *mode);

/* coord_member_parse - splits a registration name at its last '|' into addr
 * and mode; a name without '|' is all addr with mode "". */
int coord_member_parse(const char *name, char *addr, size_t addr_n, char *mode, size_t mode_n);

/* coord_seq_of - the 10-digit sequence suffix ZooKeeper appends to
 * sequential znodes, or -1 when name has none. */
int64_t coord_seq_of(const char *name);

/* coord_dirname - the parent of a path into out ("/a/b" -> "/a", "/a" -> "/"). */
int coord_dirname(char *out, size_t n, const char *path);

#endif
