/*
 * node.c - start and stop of one node (placeholder until src/net lands:
 * it only validates the configuration and exits).
 */
#include "main/node.h"

#include "common/log.h"

int node_run(cfg_t *cfg)
{
    log_info("kilnd: configuration loaded (mode %s); no listener yet", cfg_str(cfg, CFG_SERVER_MODE));
    return 0;
}
