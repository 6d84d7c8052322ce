/*
 * main.c - kilnd: command line, configuration, start and stop of a node.
 *
 * kilnd [--config FILE] [-c key=value]... [--describe-config] [--version]
 * Without --config it reads conf/kylin.properties when that file exists,
 * otherwise runs on defaults: one node, embedded metastore, no ZooKeeper.
 * The node itself (listeners, metastore, scheduler) is started by node_run().
 */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/cfg.h"
#include "common/log.h"
#include "common/mem.h"
#include "main/node.h"

static void usage(FILE *out)
{
    fprintf(out,
            "kilnd - the kiln OLAP cube server (PostgreSQL protocol)\n\n"
            "usage: kilnd [--config FILE] [-c key=value]... [--describe-config] [--version]\n\n"
            "  --config FILE       read options from FILE (default conf/kylin.properties if present)\n"
            "  -c key=value        set an option, after the file (repeatable)\n"
            "  --describe-config   print the option table as Markdown and exit\n"
            "  --version           print the version and exit\n");
}

int main(int argc, char **argv)
{
    static const struct option longopts[] = {
        { "config", required_argument, NULL, 'f' },
        { "describe-config", no_argument, NULL, 'd' },
        { "version", no_argument, NULL, 'V' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    const char *config = NULL;
    char **overrides = mem_calloc((size_t)argc + 1, sizeof(char *));
    int noverrides = 0;
    int c;
    while ((c = getopt_long(argc, argv, "c:f:hV", longopts, NULL)) != -1) {
        switch (c) {
        case 'f': config = optarg; break;
        case 'c': overrides[noverrides++] = optarg; break;
        case 'd': cfg_describe_markdown(stdout); return 0;
        case 'V': printf("kilnd (kiln) %s\n", PACKAGE_VERSION); return 0;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (optind < argc) {
        usage(stderr);
        return 2;
    }
    cfg_t *cfg = cfg_new();
    err_t err = { 0 };
    if (!config && access("conf/kylin.properties", R_OK) == 0)
        config = "conf/kylin.properties";
    if (config && cfg_load_file(cfg, config, &err) < 0) {
        log_error("%s", err.message);
        return 1;
    }
    for (int i = 0; i < noverrides; i++) {
        char *eq = strchr(overrides[i], '=');
        if (!eq) {
            log_error("-c %s: expected key=value", overrides[i]);
            return 2;
        }
        *eq = '\0';
        int id = cfg_find(overrides[i]);
        if (id < 0) {
            log_error("-c: unknown option \"%s\"", overrides[i]);
            return 2;
        }
        if (cfg_set(cfg, (cfg_id_t)id, eq + 1, CFG_C_STARTUP, &err) < 0) {
            log_error("%s", err.message);
            return 2;
        }
    }
    mem_free(overrides);
    log_set_level((log_level_t)log_parse_level(cfg_str(cfg, CFG_LOG_LEVEL)));
    int rc = node_run(cfg);
    cfg_free(cfg);
    return rc == 0 ? 0 : 1;
}
