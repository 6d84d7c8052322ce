/*
 * node.h - one kiln node: opens the metastore, starts the listeners and the
 * job scheduler as kylin.server.mode says, runs the loop until SIGTERM/SIGINT.
 */
#ifndef MAIN_NODE_H
#define MAIN_NODE_H

#include "common/cfg.h"

/* node_run - runs the node to completion; returns 0 on a clean shutdown. */
int node_run(cfg_t *cfg);

#endif
