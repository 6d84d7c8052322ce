/*
 * cfg.h - options: the table in cfg_options.h, a loaded configuration, and
 * per-session copies for SET / SHOW / RESET.
 *
 * A cfg_t holds one value per option. The server's cfg_t is loaded once from
 * conf/kylin.properties (`key = value`, `#` comments); each session takes a
 * cfg_clone() so SET changes only that session; RESET copies the server
 * value back. Values are kept as strings (what SHOW prints) and parsed forms.
 * Unknown keys in the file are warnings (Kylin has hundreds we ignore); bad
 * values of known keys are errors. Not thread-safe: one owner per cfg_t.
 */
#ifndef COMMON_CFG_H
#define COMMON_CFG_H

#include <stdbool.h>
#include <stdio.h>
#include <stdint.h>
#include "common/err.h"

typedef enum cfg_type { CFG_BOOL, CFG_INT, CFG_REAL, CFG_STRING, CFG_ENUM } cfg_type_t;
typedef enum cfg_context { CFG_C_INTERNAL, CFG_C_STARTUP, CFG_C_SIGHUP, CFG_C_SESSION } cfg_context_t;
#define CFG_F_REPORT 0x1 /* sent to clients as ParameterStatus when it changes */
/* The unit of a CFG_INT option, as PostgreSQL's GUC_UNIT_MS / GUC_UNIT_KB:
 * values may carry a unit ('5s', '1MB'), are stored in this base unit, and
 * SHOW prints the largest unit that divides the value evenly. */
#define CFG_F_UNIT_MS 0x2
#define CFG_F_UNIT_KB 0x4

typedef enum cfg_id {
#define CFG_OPTION(id, name, type, def, min, max, ctx, flags, enums, doc) CFG_##id,
#include "common/cfg_options.h"
#undef CFG_OPTION
    CFG__COUNT
} cfg_id_t;

typedef struct cfg_def {
    const char *name;
    cfg_type_t type;
    const char *def;
    int64_t min, max;
    cfg_context_t context;
    int flags;
    const char *enums;
    const char *doc;
} cfg_def_t;

typedef struct cfg cfg_t;

const cfg_def_t *cfg_def(cfg_id_t id);
/* cfg_find - option id by name, case-insensitive; -1 when unknown. */
int cfg_find(const char *name);

cfg_t *cfg_new(void);                 /* every option at its default */
cfg_t *cfg_clone(const cfg_t *c);
void cfg_free(cfg_t *c);
void cfg_copy_value(cfg_t *dst, const cfg_t *src, cfg_id_t id);

/* cfg_load_file - reads `key = value` lines; unknown keys are logged and
 * skipped; a bad value is an error naming file and line (F0000). */
int cfg_load_file(cfg_t *c, const char *path, err_t *err);
/* cfg_set - validates and stores value; SET uses ctx=CFG_C_SESSION and gets
 * 55P02 for options that cannot change then, 22023 for a bad value. */
int cfg_set(cfg_t *c, cfg_id_t id, const char *value, cfg_context_t ctx, err_t *err);

const char *cfg_str(const cfg_t *c, cfg_id_t id); /* the value as SHOW prints it */
int64_t cfg_int(const cfg_t *c, cfg_id_t id);    /* CFG_INT, CFG_BOOL (0/1), CFG_ENUM (index) */
double cfg_real(const cfg_t *c, cfg_id_t id);
bool cfg_bool(const cfg_t *c, cfg_id_t id);

/* cfg_describe_markdown - writes the option table as docs/CONFIG.md has it. */
void cfg_describe_markdown(FILE *out);

#endif
