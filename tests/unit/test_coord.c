/*
 * test_coord.c - unit tests of src/coord that need no ZooKeeper: the path
 * scheme (where a job's lock lives is a contract with operators and with
 * every other node), cluster names from kylin.metadata.url, registration
 * names, sequence suffixes, and coord_new's validation. The primitives
 * against a real ensemble are in tests/e2e/coord_zk.sh.
 */
#include <stdint.h>
#include <string.h>
#include <uv.h>

#include "common/cfg.h"
#include "coord/coord.h"
#include "coord/path.h"
#include "tap.h"

static void test_base_path(void)
{
    char b[256];
    ASSERT_EQ(coord_path_base(b, sizeof b, "/kylin"), 0);
    ASSERT_STREQ(b, "/kylin");
    ASSERT_EQ(coord_path_base(b, sizeof b, "kylin/"), 0);
    ASSERT_STREQ(b, "/kylin");
    ASSERT_EQ(coord_path_base(b, sizeof b, "//a//b/"), 0);
    ASSERT_STREQ(b, "/a/b");
    ASSERT_EQ(coord_path_base(b, sizeof b, "/"), 0);
    ASSERT_STREQ(b, "");
    ASSERT_EQ(coord_path_base(b, sizeof b, ""), 0);
    ASSERT_STREQ(b, "");
    ASSERT_EQ(coord_path_base(b, sizeof b, "/a/../b"), -1);
    ASSERT_EQ(coord_path_base(b, sizeof b, "/a/./b"), -1);
    ASSERT_EQ(coord_path_base(b, sizeof b, "/a\nb"), -1);
    ASSERT_EQ(coord_path_base(b, 4, "/kylin"), -1); /* too small, never truncated */
}

static void test_root_and_locks(void)
{
    char root[256], p[256];
    ASSERT_EQ(coord_path_root(root, sizeof root, "/kylin", "kylin_metadata"), 0);
    ASSERT_STREQ(root, "/kylin/kylin_metadata");
    ASSERT_EQ(coord_path_root(p, sizeof p, "/", "c1"), 0);
    ASSERT_STREQ(p, "/c1");
    ASSERT_EQ(coord_path_root(p, sizeof p, "/kylin", "a/b"), -1);
    ASSERT_EQ(coord_path_root(p, sizeof p, "/kylin", ""), -1);

    ASSERT_EQ(coord_path_job_lock(p, sizeof p, root, "3f1c2a9e-0b7d-4c55-9a41-5e7d2b1a0c11"), 0);
    ASSERT_STREQ(p, "/kylin/kylin_metadata/job_engine/lock/3f1c2a9e-0b7d-4c55-9a41-5e7d2b1a0c11");
    ASSERT_EQ(coord_path_job_lock(p, sizeof p, root, "../x"), -1);
    ASSERT_EQ(coord_path_job_lock(p, sizeof p, root, ".."), -1);
    ASSERT_EQ(coord_path_job_lock(p, sizeof p, root, ""), -1);
    ASSERT_EQ(coord_path_job_lock(p, sizeof p, root, "a/b"), -1);
    ASSERT_EQ(coord_path_job_lock(p, sizeof p, root, "tab\there"), -1);
    ASSERT_EQ(coord_path_job_lock(p, 20, root, "job"), -1);

    ASSERT_EQ(coord_path_join(p, sizeof p, root, COORD_SCHEDULER_LOCK, NULL), 0);
    ASSERT_STREQ(p, "/kylin/kylin_metadata/job_engine/global_job_engine_lock");
    ASSERT_EQ(coord_path_join(p, sizeof p, root, COORD_DIR_LEADER, NULL), 0);
    ASSERT_STREQ(p, "/kylin/kylin_metadata/job_engine/leader");
    ASSERT_EQ(coord_path_join(p, sizeof p, root, COORD_DIR_MEMBERS, "10.0.0.5:7070|query"), 0);
    ASSERT_STREQ(p, "/kylin/kylin_metadata/service/cluster_servers/10.0.0.5:7070|query");
}

static void test_name_rules(void)
{
    char longname[COORD_NAME_MAX + 2];
    memset(longname, 'a', sizeof longname - 1);
    longname[sizeof longname - 1] = '\0';
    ASSERT_EQ(coord_name_valid(longname), 0);
    longname[COORD_NAME_MAX] = '\0';
    ASSERT_EQ(coord_name_valid(longname), 1);
    ASSERT_EQ(coord_name_valid("job-1.build"), 1);
    ASSERT_EQ(coord_name_valid("é-unicode"), 1);
    ASSERT_EQ(coord_name_valid("."), 0);
    ASSERT_EQ(coord_name_valid("a\x7f"), 0);
    ASSERT_EQ(coord_name_valid(NULL), 0);
}

static void test_cluster_name(void)
{
    char c[128];
    ASSERT_EQ(coord_cluster_name(c, sizeof c, ""), 0);
    ASSERT_STREQ(c, "kylin_metadata");
    ASSERT_EQ(coord_cluster_name(c, sizeof c, NULL), 0);
    ASSERT_STREQ(c, "kylin_metadata");
    ASSERT_EQ(coord_cluster_name(c, sizeof c, "prod_meta@jdbc,url=jdbc:mysql://db:3306/kylin,username=u,password=p"), 0);
    ASSERT_STREQ(c, "prod_meta");
    ASSERT_EQ(coord_cluster_name(c, sizeof c, " spaced @jdbc,url=x"), 0);
    ASSERT_STREQ(c, "spaced");
    /* a URL's user@host is not an identifier */
    ASSERT_EQ(coord_cluster_name(c, sizeof c, "mysql://kiln:secret@127.0.0.1:3306/kiln"), 0);
    ASSERT_STREQ(c, "kylin_metadata");
    ASSERT_EQ(coord_cluster_name(c, sizeof c, "@jdbc"), 0);
    ASSERT_STREQ(c, "kylin_metadata");
    ASSERT_EQ(coord_cluster_name(c, sizeof c, "a/b@jdbc"), -1);
}

static void test_member_names(void)
{
    char n[256], addr[256], mode[32];
    ASSERT_EQ(coord_member_name(n, sizeof n, "127.0.0.1:7070", "all"), 0);
    ASSERT_STREQ(n, "127.0.0.1:7070|all");
    ASSERT_EQ(coord_member_parse(n, addr, sizeof addr, mode, sizeof mode), 0);
    ASSERT_STREQ(addr, "127.0.0.1:7070");
    ASSERT_STREQ(mode, "all");
    ASSERT_EQ(coord_member_name(n, sizeof n, "[::1]:7070", "query"), 0);
    ASSERT_EQ(coord_member_parse(n, addr, sizeof addr, mode, sizeof mode), 0);
    ASSERT_STREQ(addr, "[::1]:7070");
    ASSERT_STREQ(mode, "query");
    ASSERT_EQ(coord_member_parse("host:1", addr, sizeof addr, mode, sizeof mode), 0);
    ASSERT_STREQ(addr, "host:1");
    ASSERT_STREQ(mode, "");
    ASSERT_EQ(coord_member_name(n, sizeof n, "a|b", "all"), -1);
    ASSERT_EQ(coord_member_name(n, sizeof n, "a/b", "all"), -1);
    ASSERT_EQ(coord_member_parse("|all", addr, sizeof addr, mode, sizeof mode), -1);
}

static void test_seq_and_dirname(void)
{
    ASSERT_EQ(coord_seq_of("n_0000abcd_1_0000000042"), 42);
    ASSERT_EQ(coord_seq_of("n_x_2147483648"), 2147483648LL);
    ASSERT_EQ(coord_seq_of("short"), -1);
    ASSERT_EQ(coord_seq_of("n_00000000x1"), -1);
    char d[64];
    ASSERT_EQ(coord_dirname(d, sizeof d, "/a/b/c"), 0);
    ASSERT_STREQ(d, "/a/b");
    ASSERT_EQ(coord_dirname(d, sizeof d, "/a"), 0);
    ASSERT_STREQ(d, "/");
    ASSERT_EQ(coord_dirname(d, sizeof d, "a"), -1);
}

static void test_config_from_cfg(void)
{
    cfg_t *cfg = cfg_new();
    coord_config_t cc;
    char cluster[128];
    err_t err;
    memset(&err, 0, sizeof err);
    /* No connect string: ZooKeeper is off. */
    ASSERT_EQ(coord_config_from_cfg(cfg, &cc, cluster, sizeof cluster), COORD_EINVAL);
    ASSERT_EQ(cfg_set(cfg, CFG_ZK_CONNECT, "127.0.0.1:2181,127.0.0.1:2182", CFG_C_STARTUP, &err), 0);
    ASSERT_EQ(cfg_set(cfg, CFG_METADATA_URL, "c7@jdbc,url=jdbc:mysql://h/db", CFG_C_STARTUP, &err), 0);
    ASSERT_EQ(coord_config_from_cfg(cfg, &cc, cluster, sizeof cluster), COORD_OK);
    ASSERT_STREQ(cc.connect, "127.0.0.1:2181,127.0.0.1:2182");
    ASSERT_STREQ(cc.base_path, "/kylin");
    ASSERT_STREQ(cc.cluster, "c7");
    ASSERT_EQ(cc.session_timeout_ms, 10000);
    cfg_free(cfg);
}

static void test_new_rejects_bad_config(void)
{
    uv_loop_t loop;
    uv_loop_init(&loop);
    int err = 0;
    coord_config_t cc = { "127.0.0.1:1", "/a/../b", "kylin_metadata", 2000, NULL };
    ASSERT(coord_new(&loop, &cc, NULL, NULL, &err) == NULL);
    ASSERT_EQ(err, COORD_EINVAL);
    coord_config_t none = { "", "/kylin", "kylin_metadata", 2000, NULL };
    ASSERT(coord_new(&loop, &none, NULL, NULL, &err) == NULL);
    ASSERT_EQ(err, COORD_EINVAL);
    uv_loop_close(&loop);
}

/* No server on the port: coord_new must not block, the state stays
 * CONNECTING, and coord_close completes on the loop. */
static int closed_flag;
static void on_closed(void *arg)
{
    closed_flag = 1;
}
static void close_timer(uv_timer_t *t)
{
    coord_t *c = t->data;
    ASSERT_EQ(coord_state(c), COORD_S_CONNECTING);
    ASSERT_EQ(coord_session_id(c), 0);
    coord_close(c, on_closed, NULL);
    uv_close((uv_handle_t *)t, NULL);
}

static void test_close_without_server(void)
{
    uv_loop_t loop;
    uv_loop_init(&loop);
    int err = 0;
    coord_config_t cc = { "127.0.0.1:1", "/kylin", "kylin_metadata", 2000, "test@unit" };
    coord_t *c = coord_new(&loop, &cc, NULL, NULL, &err);
    ASSERT(c != NULL);
    ASSERT_STREQ(coord_root(c), "/kylin/kylin_metadata");
    int e2 = 0;
    ASSERT(coord_lock_job(c, "bad/job", false, NULL, NULL, &e2) == NULL);
    ASSERT_EQ(e2, COORD_EINVAL);
    coord_lock_t *l = coord_lock_job(c, "job-1", true, NULL, NULL, &e2);
    ASSERT(l != NULL);
    ASSERT_EQ(coord_lock_token(l), 0);
    uv_timer_t t;
    uv_timer_init(&loop, &t);
    t.data = c;
    uv_timer_start(&t, close_timer, 200, 0);
    uv_run(&loop, UV_RUN_DEFAULT);
    ASSERT_EQ(closed_flag, 1);
    ASSERT_EQ(uv_loop_close(&loop), 0);
}

int main(void)
{
    static const tap_test_t tests[] = {
        { "path: base path normalisation", test_base_path },
        { "path: root, job locks, scheduler lock, leader, members", test_root_and_locks },
        { "path: znode name rules", test_name_rules },
        { "path: cluster name from kylin.metadata.url", test_cluster_name },
        { "path: registration names", test_member_names },
        { "path: sequence suffix and dirname", test_seq_and_dirname },
        { "coord: configuration from kiln options", test_config_from_cfg },
        { "coord: coord_new rejects invalid configuration", test_new_rejects_bad_config },
        { "coord: start and close without a reachable server", test_close_without_server },
    };
    return TAP_RUN(tests);
}
