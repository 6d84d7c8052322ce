/*
 * analyze_int.h - the analyzer's internal structures (subsystem-private):
 * scopes (FROM namespaces), per-query state and the entry points shared by
 * analyze.c (expressions), select.c (queries) and special.c (functions the
 * analyzer treats specially).
 */
#ifndef SQL_ANALYZE_INT_H
#define SQL_ANALYZE_INT_H

#include "sql_int.h"

/* One FROM item visible by name: its columns occupy slots offset.. of the layout. */
typedef struct sql_rte {
    const char *alias;    /* name it is referenced by */
    const char *schema;   /* for schema.table.column references (base tables) */
    int ncols;
    const char **names;
    type_oid_t *types;
    int32_t *typmods;
    int offset;
    uint32_t table_oid;
    bool *hidden;         /* USING/NATURAL right-side duplicates */
    bool *needed;         /* scan column flags to set on reference (base tables) */
    int item;             /* index of the top-level FROM item it belongs to */
} sql_rte_t;

typedef struct sql_cte {
    struct sql_cte *next;
    const char *name;
    const PgQuery__CommonTableExpr *def;
    struct sql_scope *scope; /* where it was defined (for its own outer references) */
    bool recursive;          /* declared under WITH RECURSIVE */
    bool planning;           /* its query is being planned: a reference now is to itself */
    /* WITH RECURSIVE being planned as such: self-references in the
     * recursive term read work table work_id, shaped by the non-recursive term */
    bool in_left;            /* planning the non-recursive term */
    int work_id;             /* -1 when none */
    int nrefs;
    int work_ncols;
    const char **work_names;
    type_oid_t *work_types;
    int32_t *work_typmods;
} sql_cte_t;

typedef struct sql_qstate sql_qstate_t;

typedef struct sql_scope {
    struct sql_scope *parent;
    sql_rte_t **rtes;
    int nrtes, cap;
    int width;
    int outer_refs;       /* deepest outer level referenced from inside (for correlation) */
    sql_cte_t *ctes;
    struct sql_scope *cte_next; /* where CTE names are looked up after ctes (else parent) */
    int *refd;            /* input slots inner queries read as outer references, in order */
    int nrefd, caprefd;
    sql_qstate_t *q;
} sql_scope_t;

struct sql_qstate {
    sql_analyze_t *an;
    sql_scope_t *scope;
    int naggs, capaggs;
    exec_expr_t **aggrefs;
    int nwins, capwins;
    exec_expr_t **winrefs;
    const PgQuery__SelectStmt *stmt;
    int ngroup;
    exec_expr_t **group;  /* for GROUPING() */
};

/* Where an expression appears: what it may reference. */
typedef struct sql_escope {
    sql_scope_t *scope;
    sql_qstate_t *q;
    const char *clause;   /* "WHERE", "JOIN conditions", ... for messages */
    bool allow_agg;
    bool allow_window;
    bool in_agg;          /* inside an aggregate's arguments */
} sql_escope_t;

exec_expr_t *sql__analyze_expr(sql_analyze_t *an, sql_escope_t *es, const PgQuery__Node *n);
exec_expr_t *sql__analyze_colref(sql_analyze_t *an, sql_escope_t *es, const PgQuery__ColumnRef *c);
exec_expr_t *sql__analyze_agg(sql_analyze_t *an, sql_escope_t *es, const PgQuery__FuncCall *f, const char *name);
exec_expr_t *sql__analyze_sublink(sql_analyze_t *an, sql_escope_t *es, const PgQuery__SubLink *s);
exec_expr_t *sql__analyze_grouping(sql_analyze_t *an, sql_escope_t *es, const PgQuery__GroupingFunc *g);
/* special functions (special.c): NULL without error when name is not special. */
exec_expr_t *sql__special_func(sql_analyze_t *an, sql_escope_t *es, const char *name, int nargs, exec_expr_t **args,
                               int loc);
exec_expr_t *sql__special_cast(sql_analyze_t *an, exec_expr_t *arg, type_oid_t t, int loc);

exec_expr_t *sql__coerce(sql_analyze_t *an, exec_expr_t *e, type_oid_t t, int32_t tm, int context, int loc);
bool sql__can_implicit(type_oid_t from, type_oid_t to);
int sql__common_type(sql_analyze_t *an, exec_expr_t **es, int n, const char *what, type_oid_t *out);
exec_expr_t *sql__resolve_call(sql_analyze_t *an, const char *name, bool is_op, int nargs, exec_expr_t **args,
                               int loc);
exec_expr_t *sql__make_op(sql_analyze_t *an, const char *op, exec_expr_t *l, exec_expr_t *r, int loc);
exec_expr_t *sql__fold(sql_analyze_t *an, exec_expr_t *e);
exec_expr_t *sql__const(sql_analyze_t *an, type_oid_t t, value_t v, int loc);
exec_expr_t *sql__const_null(sql_analyze_t *an, type_oid_t t, int loc);
int sql__typename(sql_analyze_t *an, const PgQuery__TypeName *tn, type_oid_t *oid, int32_t *typmod);
const char *sql__figure_colname(const PgQuery__Node *n);
/* sql__record_typmod - the typmod naming desc (a record type of this statement). */
int32_t sql__record_typmod(sql_analyze_t *an, const struct type_rowdesc *desc);
exec_expr_t *sql__field_select(sql_analyze_t *an, exec_expr_t *e, const char *name, int loc);
/* sql__rowdesc - the fields of record type (t, typmod); NULL when not a known record. */
const struct type_rowdesc *sql__rowdesc(const sql_analyze_t *an, type_oid_t t, int32_t typmod);
const char *sql__type_name(type_oid_t t);

/* Planning of a query block (select.c). */
typedef struct sql_planned {
    exec_plan_t *plan;
    int ncols;            /* visible columns */
    const char **names;
    uint32_t *table_oids;
    int16_t *attnums;
    int outer_refs;       /* correlation depth */
    /* columns that were untyped literals (NULL, 'x') made text at the end:
     * a set operation resolves them against the other side, as PostgreSQL
     * resolves unknown-typed leaf columns (NULL when none) */
    bool *unknown;
} sql_planned_t;

int sql__plan_query(sql_analyze_t *an, sql_scope_t *parent, const PgQuery__Node *stmt, sql_planned_t *out);

#endif
