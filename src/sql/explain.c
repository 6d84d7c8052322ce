/*
 * explain.c - EXPLAIN: the plan of a query as PostgreSQL-style text lines
 * ("Hash Join  (cost=0.00..12.50 rows=100 width=8)", children indented with
 * "->"), one row per line in a column named "QUERY PLAN".
 *
 * Costs are the planner's row estimates turned into a monotone number (a
 * unit per row processed), enough for tools that parse `cost=a..b` (Superset)
 * and for a reader to see where the rows go. EXPLAIN ANALYZE is refused.
 */
#include "sql_int.h"

#include <stdio.h>
#include <string.h>

#include "cube_route_int.h"

/* Weak: programs linking src/sql without src/cube have no cube scans. */
#pragma weak sql__cube_route_explain

typedef struct lines {
    char **l;
    int n, cap;
    mem_arena_t *a;
} lines_t;

/* add_line - PostgreSQL's layout: a node at depth d > 0 starts with
 * 2 + 6(d-1) spaces and "->  "; detail lines of that node are indented to
 * its name. */
static void add_line(lines_t *ls, int depth, bool detail, const char *text)
{
    ls->l = mem_agrow(ls->a, ls->l, ls->n, &ls->cap, sizeof *ls->l);
    buf_t b = BUF_INIT;
    int indent = depth == 0 ? 0 : 2 + 6 * (depth - 1);
    if (detail)
        indent = depth == 0 ? 2 : indent + 6;
    for (int i = 0; i < indent; i++)
        buf_putc(&b, ' ');
    if (depth > 0 && !detail)
        buf_puts(&b, "->  ");
    buf_puts(&b, text);
    ls->l[ls->n++] = mem_astrdup(ls->a, buf_cstr(&b));
    buf_free(&b);
}

static int width_of(const exec_plan_t *p)
{
    int w = 0;
    for (int i = 0; i < p->ncols; i++) {
        const type_info_t *ti = type_lookup(p->types[i]);
        w += ti && ti->typlen > 0 ? ti->typlen : 32;
    }
    return w;
}

static double total_cost(const exec_plan_t *p)
{
    if (!p)
        return 0;
    double c = p->est_rows * 0.01 + total_cost(p->left) + total_cost(p->right);
    if (p->kind == PLAN_SCAN)
        c += p->est_rows * 0.01;
    if (p->kind == PLAN_SORT)
        c += p->est_rows * 0.02;
    return c;
}

static const char *join_name(const exec_plan_t *p)
{
    bool hash = p->u.join.nkeys > 0;
    switch (p->u.join.type) {
    case JOIN_LEFT: return hash ? "Hash Left Join" : "Nested Loop Left Join";
    case JOIN_RIGHT: return hash ? "Hash Right Join" : "Nested Loop Right Join";
    case JOIN_FULL: return hash ? "Hash Full Join" : "Nested Loop Full Join";
    case JOIN_SEMI: return hash ? "Hash Semi Join" : "Nested Loop Semi Join";
    case JOIN_ANTI: return hash ? "Hash Anti Join" : "Nested Loop Anti Join";
    default: return hash ? "Hash Join" : "Nested Loop";
    }
}

static void walk(lines_t *ls, const exec_plan_t *p, int depth, bool filtered)
{
    char head[512];
    const char *name;
    char extra[300] = "";
    switch (p->kind) {
    case PLAN_RESULT: name = p->u.result.nrows > 1 ? "Values Scan" : "Result"; break;
    case PLAN_SCAN:
        name = p->u.scan.rel->kind == 'f' ? "Foreign Scan" : p->u.scan.rel->kind == 'm' ? "Cube Scan" : "Seq Scan";
        snprintf(extra, sizeof extra, " on %s", p->u.scan.rel->name);
        break;
    case PLAN_FILTER: name = "Filter"; break;
    case PLAN_PROJECT: name = NULL; break;
    case PLAN_PROJECT_SRF: name = "ProjectSet"; break;
    case PLAN_AGG:
        name = p->u.agg.ngsets > 0 ? "MixedAggregate" : p->u.agg.ngroup > 0 ? "HashAggregate" : "Aggregate";
        break;
    case PLAN_SORT: name = "Sort"; break;
    case PLAN_LIMIT: name = "Limit"; break;
    case PLAN_DISTINCT: name = "HashAggregate"; break;
    case PLAN_JOIN: name = join_name(p); break;
    case PLAN_SETOP:
        name = p->u.setop.op == SETOP_UNION ? (p->u.setop.all ? "Append" : "HashAggregate") : "HashSetOp";
        if (p->u.setop.op != SETOP_UNION)
            snprintf(extra, sizeof extra, " %s%s", p->u.setop.op == SETOP_INTERSECT ? "Intersect" : "Except",
                     p->u.setop.all ? " All" : "");
        break;
    case PLAN_FUNCSCAN:
        name = "Function Scan";
        snprintf(extra, sizeof extra, " on %s", p->u.func.call->u.fn->name);
        break;
    case PLAN_WINDOW: name = "WindowAgg"; break;
    case PLAN_RECURSIVE: name = "Recursive Union"; break;
    case PLAN_WORKTABLE: name = "WorkTable Scan"; break;
    case PLAN_LATERAL: name = p->u.lateral.type == JOIN_LEFT ? "Nested Loop Left Join" : "Nested Loop"; break;
    default: name = "Materialize"; break;
    }
    if (!name) {
        /* projections are folded into their child, as PostgreSQL shows them */
        walk(ls, p->left, depth, filtered);
        return;
    }
    if (p->kind == PLAN_FILTER) {
        /* a filter shows as its child with a Filter line */
        walk(ls, p->left, depth, true);
        return;
    }
    snprintf(head, sizeof head, "%s%s  (cost=0.00..%.2f rows=%.0f width=%d)", name, extra, total_cost(p),
             p->est_rows < 1 ? 1 : p->est_rows, width_of(p));
    add_line(ls, depth, false, head);
    if (p->kind == PLAN_JOIN && p->u.join.nkeys > 0)
        add_line(ls, depth, true, "Hash Cond: (equality)");
    if (p->kind == PLAN_JOIN && p->u.join.qual)
        add_line(ls, depth, true, "Join Filter: (condition)");
    if (filtered)
        add_line(ls, depth, true, "Filter: (condition)");
    if (p->kind == PLAN_SCAN && p->u.scan.rel->kind == 'm' && sql__cube_route_explain) {
        /* which cube, segment and cuboid, the rows it touches, filters and derivations */
        char **cl;
        int ncl;
        sql__cube_route_explain(p->u.scan.rel, ls->a, &cl, &ncl);
        for (int i = 0; i < ncl; i++)
            add_line(ls, depth, true, cl[i]);
    }
    if (p->left)
        walk(ls, p->left, depth + 1, false);
    if (p->right)
        walk(ls, p->right, depth + 1, false);
}

int sql__explain_lines(mem_arena_t *a, const exec_plan_t *plan, char ***lines, int *n)
{
    lines_t ls = { NULL, 0, 0, a };
    walk(&ls, plan, 0, false);
    *lines = ls.l;
    *n = ls.n;
    return 0;
}
