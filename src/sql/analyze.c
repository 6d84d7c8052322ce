/*
 * analyze.c - expressions: libpg_query parse nodes to typed exec_expr_t
 * trees, with PostgreSQL's type rules.
 *
 * Literals: integers are int4 (int8, then numeric when larger), decimals
 * numeric, strings "unknown" until context gives them a type (then parsed by
 * the type's input function at analysis time, so a bad literal fails with
 * its own position, as in PostgreSQL). Functions and operators are resolved
 * by signature: exact matches first, then the cheapest implicit coercions,
 * preferring PostgreSQL's preferred types and the string category for
 * unknown arguments. Parameters without a declared type take the type their
 * first context demands; the ones still open at the end become text.
 *
 * Column references resolve through the scope chain (select.c) into slots
 * of the current input (EXPR_VAR) or of an outer query's row (EXPR_OUTER).
 * Constant subtrees without volatile or stable functions are folded here
 * unless folding raises an error (then the error happens at execution, as
 * it would in PostgreSQL for a prepared statement).
 */
#include "analyze_int.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "types/array.h"
#include "types/numeric.h"
#include "types/record.h"
#include "types/value.h"

/* ---- positions and errors ---- */

int sql__position(const sql_analyze_t *an, int loc)
{
    if (loc < 0)
        return 0;
    int chars = 0;
    for (int i = 0; i < loc && an->sql[i]; i++)
        if (((unsigned char)an->sql[i] & 0xC0) != 0x80)
            chars++;
    return chars + 1 + an->offset;
}

int sql__err_at(sql_analyze_t *an, int loc)
{
    if (an->err->set && an->err->position == 0 && loc >= 0)
        an->err->position = sql__position(an, loc);
    return -1;
}

const char *sql__type_name(type_oid_t t)
{
    const type_info_t *ti = type_lookup(t);
    return ti ? ti->name : "unknown";
}

/* ---- node helpers ---- */

exec_expr_t *sql__const(sql_analyze_t *an, type_oid_t t, value_t v, int loc)
{
    exec_expr_t *e = exec_expr_new(an->a, EXPR_CONST, t, 0);
    e->u.cval = v;
    e->location = loc;
    return e;
}

exec_expr_t *sql__const_null(sql_analyze_t *an, type_oid_t t, int loc)
{
    return sql__const(an, t, value_null(), loc);
}

static exec_expr_t *func_node(sql_analyze_t *an, const exec_func_t *fn, type_oid_t ret, int nargs, exec_expr_t **args,
                              int loc)
{
    exec_expr_t *e = exec_expr_new(an->a, EXPR_FUNC, ret, nargs);
    e->u.fn = fn;
    for (int i = 0; i < nargs; i++)
        e->args[i] = args[i];
    e->location = loc;
    return e;
}

/* fold - evaluates e now when it is constant; on error keeps e as is. */
exec_expr_t *sql__fold(sql_analyze_t *an, exec_expr_t *e)
{
    if (e->kind == EXPR_CONST || !exec_expr_foldable(e))
        return e;
    err_t ferr = { 0 };
    exec_ectx_t ec = { 0 };
    ec.arena = an->a;
    ec.sess = &an->ctx->sess;
    ec.err = &ferr;
    value_t v;
    if (exec_eval_const(&ec, e, &v) < 0)
        return e;
    exec_expr_t *c = sql__const(an, e->type, v, e->location);
    c->typmod = e->typmod;
    return c;
}

/* ---- parameters ---- */

static exec_expr_t *param_node(sql_analyze_t *an, int n, int loc)
{
    if (n < 1 || n > 65535 || (an->ctx && an->ctx->fixed_params)) {
        err_set(an->err, ERRCODE_UNDEFINED_PARAMETER, "there is no parameter $%d", n);
        sql__err_at(an, loc);
        return NULL;
    }
    if (n > an->cap_params) {
        int nc = n < 16 ? 16 : n * 2;
        type_oid_t *nt = mem_alloc0(an->a, sizeof(type_oid_t) * (size_t)nc);
        exec_expr_t **nn = mem_alloc0(an->a, sizeof(exec_expr_t *) * (size_t)nc);
        if (an->cap_params) {
            memcpy(nt, an->param_types, sizeof(type_oid_t) * (size_t)an->cap_params);
            memcpy(nn, an->param_nodes, sizeof(exec_expr_t *) * (size_t)an->cap_params);
        }
        an->param_types = nt;
        an->param_nodes = nn;
        an->cap_params = nc;
    }
    if (n > an->nparams)
        an->nparams = n;
    if (!an->param_nodes[n - 1]) {
        exec_expr_t *e = exec_expr_new(an->a, EXPR_PARAM, an->param_types[n - 1] ? an->param_types[n - 1] : TYPE_UNKNOWN, 0);
        e->u.param = n - 1;
        e->location = loc;
        an->param_nodes[n - 1] = e;
    }
    return an->param_nodes[n - 1];
}

static bool is_unknown(const exec_expr_t *e)
{
    return e->type == TYPE_UNKNOWN;
}

/* ---- coercion ---- */

/* coerce - converts e to type t (typmod tm) in the given cast context;
 * NULL with an error when impossible. */
exec_expr_t *sql__coerce(sql_analyze_t *an, exec_expr_t *e, type_oid_t t, int32_t tm, int context, int loc)
{
    if (t == TYPE_ANY || t == TYPE_ANYELEMENT || t == 0)
        return e;
    if (e->type == t && (tm < 0 || e->typmod == tm))
        return e;
    if (e->kind == EXPR_PARAM && e->type == TYPE_UNKNOWN) {
        e->type = t;
        an->param_types[e->u.param] = t;
        if (tm < 0)
            return e;
    }
    if (e->kind == EXPR_CONST && e->type == TYPE_UNKNOWN) {
        value_t v;
        if (e->u.cval.isnull) {
            v = value_null();
        } else {
            const type_info_t *ti = type_lookup(t);
            int32_t intm = tm;
            /* An explicit cast truncates strings; implicit input uses the type's rules. */
            if (ti && ti->category == 'S' && context == EXEC_CAST_EXPLICIT)
                intm = -1;
            if (type_in_text(t, intm, e->u.cval.u.s.p, e->u.cval.u.s.len, an->a, &v, an->err) < 0) {
                sql__err_at(an, e->location >= 0 ? e->location : loc);
                return NULL;
            }
            if (intm != tm) {
                exec_expr_t *c = sql__const(an, t, v, e->location);
                return sql__coerce(an, c, t, tm, context, loc);
            }
        }
        exec_expr_t *c = sql__const(an, t, v, e->location);
        c->typmod = tm;
        return c;
    }
    type_oid_t from = e->type;
    if (from == TYPE_UNKNOWN)
        from = TYPE_TEXT; /* an unknown-typed expression (e.g. a NULL CASE) behaves as text */
    int cctx = EXEC_CAST_EXPLICIT;
    const exec_func_t *fn = NULL;
    if (from == t) {
        /* same type, different typmod: length / precision coercion */
        if (t == TYPE_NUMERIC || exec_type_category(t) == 'S' || t == TYPE_TIMESTAMP || t == TYPE_TIMESTAMPTZ) {
            fn = exec_cast_find(from, t, &cctx);
            if (!fn)
                fn = &exec_cast_via_text;
            cctx = EXEC_CAST_IMPLICIT;
        } else {
            return e;
        }
    } else {
        fn = exec_cast_find(from, t, &cctx);
        const type_info_t *fi = type_lookup(from), *ti = type_lookup(t);
        if (!fn && fi && ti && fi->category == 'A' && ti->category == 'A') {
            fn = &exec_cast_via_text; /* array to array: element by element through text */
            cctx = EXEC_CAST_EXPLICIT;
        }
    }
    if (!fn || cctx > context) {
        if (context == EXEC_CAST_EXPLICIT)
            err_set(an->err, ERRCODE_CANNOT_COERCE, "cannot cast type %s to %s", sql__type_name(from),
                    sql__type_name(t));
        else
            err_set(an->err, ERRCODE_DATATYPE_MISMATCH, "cannot cast type %s to %s", sql__type_name(from),
                    sql__type_name(t));
        sql__err_at(an, loc);
        return NULL;
    }
    exec_expr_t *arg = e;
    if (e->type == TYPE_UNKNOWN) {
        arg = sql__coerce(an, e, TYPE_TEXT, -1, EXEC_CAST_IMPLICIT, loc);
        if (!arg)
            return NULL;
    }
    exec_expr_t *c = func_node(an, fn, t, 1, &arg, loc);
    c->typmod = tm;
    c->ival2 = context == EXEC_CAST_EXPLICIT ? 1 : 0;
    return sql__fold(an, c);
}

/* can_coerce_implicit - whether from -> to is allowed implicitly. */
bool sql__can_implicit(type_oid_t from, type_oid_t to)
{
    if (from == to || from == TYPE_UNKNOWN)
        return true;
    int ctx;
    const exec_func_t *fn = exec_cast_find(from, to, &ctx);
    return fn && ctx == EXEC_CAST_IMPLICIT;
}

/* sql__common_type - PostgreSQL's select_common_type for CASE, COALESCE,
 * UNION, VALUES, IN lists and ARRAY[]. */
int sql__common_type(sql_analyze_t *an, exec_expr_t **es, int n, const char *what, type_oid_t *out)
{
    type_oid_t cand = 0;
    int cand_loc = -1;
    for (int i = 0; i < n; i++) {
        if (!es[i] || is_unknown(es[i]))
            continue;
        type_oid_t t = es[i]->type;
        if (!cand) {
            cand = t;
            cand_loc = es[i]->location;
            continue;
        }
        if (t == cand)
            continue;
        char cc = exec_type_category(cand), tc = exec_type_category(t);
        if (cc != tc) {
            err_set(an->err, ERRCODE_DATATYPE_MISMATCH, "%s types %s and %s cannot be matched", what,
                    sql__type_name(cand), sql__type_name(t));
            return sql__err_at(an, es[i]->location >= 0 ? es[i]->location : cand_loc);
        }
        if (!exec_type_is_preferred(cand) && sql__can_implicit(cand, t) && !sql__can_implicit(t, cand))
            cand = t;
    }
    *out = cand ? cand : TYPE_TEXT;
    return 0;
}

/* ---- function and operator resolution ---- */

typedef struct cand_score {
    int cost;
    int pref;
} cand_score_t;

static bool is_array_type(type_oid_t t)
{
    const type_info_t *ti = type_lookup(t);
    return ti && ti->category == 'A' && ti->elem;
}

/* match - cost of calling fn with argument types at; -1 when impossible. */
static int match(const exec_func_t *fn, int nargs, exec_expr_t **args, cand_score_t *sc)
{
    bool variadic = (fn->flags & EXEC_FN_VARIADIC) != 0;
    if (variadic ? nargs < fn->nargs : nargs != fn->nargs)
        return -1;
    sc->cost = 0;
    sc->pref = 0;
    type_oid_t anyelem = 0;
    for (int i = 0; i < nargs; i++) {
        type_oid_t want = fn->args[i < fn->nargs ? i : fn->nargs - 1];
        type_oid_t have = args[i]->type;
        if (want == TYPE_ANY) {
            sc->cost += 3;
            continue;
        }
        if (want == TYPE_ANYARRAY) {
            if (have == TYPE_UNKNOWN) {
                /* PostgreSQL resolves unknown literals to the string
                 * category when a candidate takes one there: 'a' || 1 is
                 * text || anynonarray, not anyarray || anyelement */
                sc->cost += 4;
                continue;
            }
            if (!is_array_type(have))
                return -1;
            type_oid_t el = type_lookup(have)->elem;
            if (anyelem && anyelem != el)
                return -1;
            anyelem = el;
            sc->cost += 1;
            continue;
        }
        if (want == TYPE_ANYELEMENT) {
            if (have != TYPE_UNKNOWN) {
                if (anyelem && anyelem != have)
                    return -1;
                anyelem = have;
            }
            sc->cost += 1;
            continue;
        }
        if (have == want) {
            if (exec_type_is_preferred(want))
                sc->pref++;
            continue;
        }
        if (have == TYPE_UNKNOWN) {
            sc->cost += 1;
            if (exec_type_category(want) == 'S')
                sc->pref += want == TYPE_TEXT ? 3 : 2;
            continue;
        }
        if (!sql__can_implicit(have, want))
            return -1;
        sc->cost += 2;
        if (exec_type_is_preferred(want))
            sc->pref++;
    }
    return sc->cost;
}

static void describe_args(buf_t *b, int nargs, exec_expr_t **args)
{
    for (int i = 0; i < nargs; i++) {
        if (i)
            buf_puts(b, ", ");
        buf_puts(b, sql__type_name(args[i]->type));
    }
}

/* sql__resolve_call - picks the best function or operator named name for
 * args, coerces the arguments and returns the call node (NULL + error). */
exec_expr_t *sql__resolve_call(sql_analyze_t *an, const char *name, bool is_op, int nargs, exec_expr_t **args,
                               int loc)
{
    const exec_func_t *cands[128];
    int nc = exec_func_candidates(name, cands, 128);
    const exec_func_t *best = NULL;
    cand_score_t bs = { 1 << 30, -1 };
    /* Operators with one unknown side: PostgreSQL first tries the other side's type for both. */
    if (is_op && nargs == 2 && (is_unknown(args[0]) != is_unknown(args[1]))) {
        type_oid_t known = is_unknown(args[0]) ? args[1]->type : args[0]->type;
        for (int i = 0; i < nc; i++)
            if (((cands[i]->flags & EXEC_FN_OPERATOR) != 0) && cands[i]->nargs == 2 && cands[i]->args[0] == known &&
                cands[i]->args[1] == known) {
                best = cands[i];
                break;
            }
    }
    bool settled = best != NULL;
    for (int i = 0; !settled && i < nc; i++) {
        bool fop = (cands[i]->flags & EXEC_FN_OPERATOR) != 0;
        if (fop != is_op)
            continue;
        cand_score_t sc;
        if (match(cands[i], nargs, args, &sc) < 0)
            continue;
        if (sc.cost < bs.cost || (sc.cost == bs.cost && sc.pref > bs.pref)) {
            best = cands[i];
            bs = sc;
        }
    }
    if (!best) {
        buf_t b = BUF_INIT;
        if (is_op) {
            if (nargs == 2)
                buf_printf(&b, "operator does not exist: %s %s %s", sql__type_name(args[0]->type), name,
                           sql__type_name(args[1]->type));
            else
                buf_printf(&b, "operator does not exist: %s %s", name, sql__type_name(args[0]->type));
        } else {
            buf_printf(&b, "function %s(", name);
            describe_args(&b, nargs, args);
            buf_puts(&b, ") does not exist");
        }
        err_set(an->err, ERRCODE_UNDEFINED_FUNCTION, "%s", buf_cstr(&b));
        buf_free(&b);
        err_hint(an->err, "No %s matches the given name and argument types. You might need to add explicit type casts.",
                 is_op ? "operator" : "function");
        sql__err_at(an, loc);
        return NULL;
    }
    /* Coerce arguments; resolve polymorphic types. */
    type_oid_t anyelem = 0;
    for (int i = 0; i < nargs; i++) {
        type_oid_t want = best->args[i < best->nargs ? i : best->nargs - 1];
        if (want == TYPE_ANYARRAY && is_array_type(args[i]->type))
            anyelem = type_lookup(args[i]->type)->elem;
        if (want == TYPE_ANYELEMENT && !is_unknown(args[i]))
            anyelem = args[i]->type;
    }
    exec_expr_t **cargs = mem_alloc(an->a, sizeof(exec_expr_t *) * (size_t)(nargs > 0 ? nargs : 1));
    for (int i = 0; i < nargs; i++) {
        type_oid_t want = best->args[i < best->nargs ? i : best->nargs - 1];
        exec_expr_t *x = args[i];
        if (want == TYPE_ANY) {
            if (is_unknown(x))
                x = sql__coerce(an, x, TYPE_TEXT, -1, EXEC_CAST_IMPLICIT, loc);
        } else if (want == TYPE_ANYELEMENT) {
            x = sql__coerce(an, x, anyelem ? anyelem : TYPE_TEXT, -1, EXEC_CAST_IMPLICIT, loc);
        } else if (want == TYPE_ANYARRAY) {
            if (is_unknown(x)) {
                const type_info_t *ti = type_lookup(anyelem ? anyelem : TYPE_TEXT);
                x = sql__coerce(an, x, ti && ti->array ? ti->array : TYPE_TEXT_ARRAY, -1, EXEC_CAST_IMPLICIT, loc);
            }
        } else {
            x = sql__coerce(an, x, want, -1, EXEC_CAST_IMPLICIT, x->location >= 0 ? x->location : loc);
        }
        if (!x)
            return NULL;
        cargs[i] = x;
    }
    type_oid_t ret = best->ret;
    if (ret == TYPE_ANYELEMENT)
        ret = anyelem ? anyelem : TYPE_TEXT;
    else if (ret == TYPE_ANYARRAY) {
        const type_info_t *ti = type_lookup(anyelem ? anyelem : TYPE_TEXT);
        ret = ti && ti->array ? ti->array : TYPE_TEXT_ARRAY;
    }
    exec_expr_t *e = func_node(an, best, ret, nargs, cargs, loc);
    const exec_func_ext_t *ext = exec_func_ext(best);
    if (ret == TYPE_RECORD && ext && ext->nout > 0) {
        /* OUT parameters: the record's fields, polymorphic ones resolved like ret */
        type_rowdesc_t *d = type_rowdesc_new(an->a, ext->nout);
        for (int k = 0; k < ext->nout; k++) {
            type_oid_t t = ext->outtypes[k];
            if (t == TYPE_ANYELEMENT)
                t = anyelem ? anyelem : TYPE_TEXT;
            else if (t == TYPE_ANYARRAY) {
                const type_info_t *ti = type_lookup(anyelem ? anyelem : TYPE_TEXT);
                t = ti && ti->array ? ti->array : TYPE_TEXT_ARRAY;
            }
            d->names[k] = ext->outnames[k];
            d->types[k] = t;
        }
        e->rowdesc = d;
        e->typmod = sql__record_typmod(an, d);
    }
    return sql__fold(an, e);
}

/* ---- anonymous records ---- */

int32_t sql__record_typmod(sql_analyze_t *an, const type_rowdesc_t *desc)
{
    for (int i = 0; i < an->nrowdescs; i++)
        if (an->rowdescs[i] == desc)
            return i;
    an->rowdescs = mem_agrow(an->a, an->rowdescs, an->nrowdescs, &an->caprowdescs, sizeof *an->rowdescs);
    an->rowdescs[an->nrowdescs] = desc;
    return an->nrowdescs++;
}

const type_rowdesc_t *sql__rowdesc(const sql_analyze_t *an, type_oid_t t, int32_t typmod)
{
    if (t != TYPE_RECORD || typmod < 0 || typmod >= an->nrowdescs)
        return NULL;
    return an->rowdescs[typmod];
}

/* sql__make_op - resolves a binary (or prefix when l is NULL) operator. */
exec_expr_t *sql__make_op(sql_analyze_t *an, const char *op, exec_expr_t *l, exec_expr_t *r, int loc)
{
    exec_expr_t *args[2];
    int n = 0;
    if (l)
        args[n++] = l;
    args[n++] = r;
    return sql__resolve_call(an, op, true, n, args, loc);
}

/* ---- type names ---- */

int sql__typename(sql_analyze_t *an, const PgQuery__TypeName *tn, type_oid_t *oid, int32_t *typmod)
{
    const char *name = NULL, *schema = NULL;
    if (tn->n_names == 0)
        return err_set(an->err, ERRCODE_SYNTAX_ERROR, "empty type name");
    const PgQuery__Node *last = tn->names[tn->n_names - 1];
    name = last->node_case == PG_QUERY__NODE__NODE_STRING ? last->string->sval : "";
    if (tn->n_names > 1 && tn->names[tn->n_names - 2]->node_case == PG_QUERY__NODE__NODE_STRING)
        schema = tn->names[tn->n_names - 2]->string->sval;
    const type_info_t *ti = NULL;
    if (schema && strcmp(schema, "pg_catalog") == 0)
        ti = type_lookup_name(name);
    else if (strcmp(name, "char") == 0)
        ti = type_lookup(TYPE_CHAR);
    else if (!schema || strcmp(schema, "public") == 0)
        ti = type_lookup_name(name);
    if (ti && strcmp(name, "bpchar") == 0 && schema && tn->n_typmods == 0)
        ti = type_lookup(TYPE_BPCHAR);
    if (!ti) {
        if (schema)
            err_set(an->err, ERRCODE_UNDEFINED_OBJECT, "type \"%s.%s\" does not exist", schema, name);
        else
            err_set(an->err, ERRCODE_UNDEFINED_OBJECT, "type \"%s\" does not exist", name);
        return sql__err_at(an, tn->location);
    }
    *oid = ti->oid;
    *typmod = -1;
    if (tn->n_typmods > 0) {
        int mods[2] = { 0, 0 }, nm = 0;
        for (size_t i = 0; i < tn->n_typmods && nm < 2; i++) {
            const PgQuery__Node *m = tn->typmods[i];
            if (m->node_case == PG_QUERY__NODE__NODE_A_CONST && m->a_const->val_case == PG_QUERY__A__CONST__VAL_IVAL)
                mods[nm++] = m->a_const->ival->ival;
            else if (m->node_case == PG_QUERY__NODE__NODE_A_CONST && m->a_const->val_case == PG_QUERY__A__CONST__VAL_SVAL)
                mods[nm++] = atoi(m->a_const->sval->sval);
        }
        switch (ti->oid) {
        case TYPE_VARCHAR:
        case TYPE_BPCHAR:
            if (mods[0] < 1) {
                err_set(an->err, ERRCODE_INVALID_PARAMETER_VALUE, "length for type %s must be at least 1",
                        ti->oid == TYPE_VARCHAR ? "varchar" : "char");
                return sql__err_at(an, tn->location);
            }
            *typmod = mods[0] + 4;
            break;
        case TYPE_NUMERIC:
            if (mods[0] < 1 || mods[0] > 1000) {
                err_set(an->err, ERRCODE_INVALID_PARAMETER_VALUE, "NUMERIC precision %d must be between 1 and 1000",
                        mods[0]);
                return sql__err_at(an, tn->location);
            }
            *typmod = ((mods[0] << 16) | (mods[1] & 0x7ff)) + 4;
            break;
        case TYPE_TIMESTAMP:
        case TYPE_TIMESTAMPTZ:
        case TYPE_TIME:
            *typmod = mods[0] > 6 ? 6 : mods[0];
            break;
        default:
            break;
        }
    } else if (ti->oid == TYPE_BPCHAR && schema && strcmp(schema, "pg_catalog") == 0) {
        /* CHARACTER without a length is char(1) */
        *typmod = 5;
    }
    if (tn->n_array_bounds > 0) {
        if (!ti->array) {
            err_set(an->err, ERRCODE_UNDEFINED_OBJECT, "could not find array type for data type %s", ti->name);
            return sql__err_at(an, tn->location);
        }
        *oid = ti->array;
        *typmod = -1;
    }
    return 0;
}

/* ---- expressions ---- */

static exec_expr_t *analyze_list_in(sql_analyze_t *an, sql_escope_t *es, exec_expr_t *lhs, const PgQuery__Node *list,
                                    bool negate, int loc);

static const char *strval(const PgQuery__Node *n)
{
    return n && n->node_case == PG_QUERY__NODE__NODE_STRING ? n->string->sval : "";
}

static exec_expr_t *analyze_const(sql_analyze_t *an, const PgQuery__AConst *c)
{
    if (c->isnull)
        return sql__const_null(an, TYPE_UNKNOWN, c->location);
    switch (c->val_case) {
    case PG_QUERY__A__CONST__VAL_IVAL:
        return sql__const(an, TYPE_INT4, value_int(c->ival->ival), c->location);
    case PG_QUERY__A__CONST__VAL_FVAL: {
        const char *s = c->fval->fval;
        bool integral = strpbrk(s, ".eE") == NULL;
        if (integral) {
            value_t v;
            err_t e = { 0 };
            if (type_in_text(TYPE_INT8, -1, s, strlen(s), an->a, &v, &e) == 0)
                return sql__const(an, TYPE_INT8, v, c->location);
        }
        value_t v;
        if (type_in_text(TYPE_NUMERIC, -1, s, strlen(s), an->a, &v, an->err) < 0) {
            sql__err_at(an, c->location);
            return NULL;
        }
        return sql__const(an, TYPE_NUMERIC, v, c->location);
    }
    case PG_QUERY__A__CONST__VAL_BOOLVAL:
        return sql__const(an, TYPE_BOOL, value_int(c->boolval->boolval ? 1 : 0), c->location);
    case PG_QUERY__A__CONST__VAL_SVAL: {
        const char *s = c->sval->sval;
        return sql__const(an, TYPE_UNKNOWN, value_text(mem_astrdup(an->a, s), strlen(s)), c->location);
    }
    default:
        err_set(an->err, ERRCODE_FEATURE_NOT_SUPPORTED, "bit string constants are not supported");
        sql__err_at(an, c->location);
        return NULL;
    }
}

static exec_expr_t *to_bool(sql_analyze_t *an, exec_expr_t *e, const char *what, int loc)
{
    if (!e)
        return NULL;
    if (e->type == TYPE_BOOL)
        return e;
    if (is_unknown(e))
        return sql__coerce(an, e, TYPE_BOOL, -1, EXEC_CAST_IMPLICIT, loc);
    err_set(an->err, ERRCODE_DATATYPE_MISMATCH, "argument of %s must be type boolean, not type %s", what,
            sql__type_name(e->type));
    sql__err_at(an, e->location >= 0 ? e->location : loc);
    return NULL;
}

static exec_expr_t *analyze_bool(sql_analyze_t *an, sql_escope_t *es, const PgQuery__BoolExpr *b)
{
    exec_expr_kind_t k = b->boolop == PG_QUERY__BOOL_EXPR_TYPE__AND_EXPR ? EXPR_AND
                         : b->boolop == PG_QUERY__BOOL_EXPR_TYPE__OR_EXPR ? EXPR_OR
                                                                          : EXPR_NOT;
    const char *what = k == EXPR_AND ? "AND" : k == EXPR_OR ? "OR" : "NOT";
    exec_expr_t *e = exec_expr_new(an->a, k, TYPE_BOOL, (int)b->n_args);
    e->location = b->location;
    for (size_t i = 0; i < b->n_args; i++) {
        e->args[i] = to_bool(an, sql__analyze_expr(an, es, b->args[i]), what, b->location);
        if (!e->args[i])
            return NULL;
    }
    return sql__fold(an, e);
}

exec_expr_t *sql__make_cmp(sql_analyze_t *an, const char *op, exec_expr_t *l, exec_expr_t *r, int loc)
{
    return sql__make_op(an, op, l, r, loc);
}

static exec_expr_t *analyze_case(sql_analyze_t *an, sql_escope_t *es, const PgQuery__CaseExpr *c)
{
    exec_expr_t *arg = NULL;
    if (c->arg) {
        arg = sql__analyze_expr(an, es, c->arg);
        if (!arg)
            return NULL;
    }
    int nw = (int)c->n_args;
    exec_expr_t **conds = mem_alloc(an->a, sizeof(exec_expr_t *) * (size_t)(nw + 1));
    exec_expr_t **res = mem_alloc(an->a, sizeof(exec_expr_t *) * (size_t)(nw + 1));
    for (int i = 0; i < nw; i++) {
        const PgQuery__CaseWhen *w = c->args[i]->case_when;
        exec_expr_t *cond = sql__analyze_expr(an, es, w->expr);
        if (!cond)
            return NULL;
        if (arg)
            cond = sql__make_op(an, "=", arg, cond, w->location);
        else
            cond = to_bool(an, cond, "CASE/WHEN", w->location);
        if (!cond)
            return NULL;
        conds[i] = cond;
        res[i] = sql__analyze_expr(an, es, w->result);
        if (!res[i])
            return NULL;
    }
    res[nw] = c->defresult ? sql__analyze_expr(an, es, c->defresult) : sql__const_null(an, TYPE_UNKNOWN, -1);
    if (!res[nw])
        return NULL;
    type_oid_t t;
    if (sql__common_type(an, res, nw + 1, "CASE", &t) < 0)
        return NULL;
    exec_expr_t *e = exec_expr_new(an->a, EXPR_CASE, t, 2 * nw + 1);
    e->location = c->location;
    for (int i = 0; i < nw; i++) {
        e->args[2 * i] = conds[i];
        e->args[2 * i + 1] = sql__coerce(an, res[i], t, -1, EXEC_CAST_IMPLICIT, c->location);
        if (!e->args[2 * i + 1])
            return NULL;
    }
    e->args[2 * nw] = sql__coerce(an, res[nw], t, -1, EXEC_CAST_IMPLICIT, c->location);
    if (!e->args[2 * nw])
        return NULL;
    return sql__fold(an, e);
}

static exec_expr_t *analyze_nary_common(sql_analyze_t *an, sql_escope_t *es, exec_expr_kind_t kind,
                                        PgQuery__Node **nodes, size_t n, const char *what, int loc)
{
    exec_expr_t **xs = mem_alloc(an->a, sizeof(exec_expr_t *) * (n ? n : 1));
    for (size_t i = 0; i < n; i++) {
        xs[i] = sql__analyze_expr(an, es, nodes[i]);
        if (!xs[i])
            return NULL;
    }
    type_oid_t t;
    if (sql__common_type(an, xs, (int)n, what, &t) < 0)
        return NULL;
    exec_expr_t *e = exec_expr_new(an->a, kind, t, (int)n);
    e->location = loc;
    for (size_t i = 0; i < n; i++) {
        e->args[i] = sql__coerce(an, xs[i], t, -1, EXEC_CAST_IMPLICIT, loc);
        if (!e->args[i])
            return NULL;
    }
    return e;
}

/* equality function for two expressions (IN lists, NULLIF, DISTINCT). */
static const exec_func_t *eq_func(sql_analyze_t *an, exec_expr_t **l, exec_expr_t **r, const char *op, int loc)
{
    exec_expr_t *c = sql__make_op(an, op, *l, *r, loc);
    if (!c)
        return NULL;
    if (c->kind != EXPR_FUNC) {
        /* folded to a constant: re-resolve without folding through the args' types */
        exec_expr_t *args[2] = { *l, *r };
        const exec_func_t *cands[64];
        int nc = exec_func_candidates(op, cands, 64);
        type_oid_t t = !is_unknown(*l) ? (*l)->type : !is_unknown(*r) ? (*r)->type : TYPE_TEXT;
        for (int i = 0; i < nc; i++)
            if (cands[i]->nargs == 2 && cands[i]->args[0] == t && cands[i]->args[1] == t) {
                *l = sql__coerce(an, args[0], t, -1, EXEC_CAST_IMPLICIT, loc);
                *r = sql__coerce(an, args[1], t, -1, EXEC_CAST_IMPLICIT, loc);
                return (*l && *r) ? cands[i] : NULL;
            }
        err_set(an->err, ERRCODE_UNDEFINED_FUNCTION, "operator does not exist: %s %s %s", sql__type_name(t), op,
                sql__type_name(t));
        sql__err_at(an, loc);
        return NULL;
    }
    *l = c->args[0];
    *r = c->args[1];
    return c->u.fn;
}

static exec_expr_t *analyze_list_in(sql_analyze_t *an, sql_escope_t *es, exec_expr_t *lhs, const PgQuery__Node *list,
                                    bool negate, int loc)
{
    const PgQuery__List *l = list->list;
    int n = (int)l->n_items;
    exec_expr_t **xs = mem_alloc(an->a, sizeof(exec_expr_t *) * (size_t)(n + 1));
    xs[0] = lhs;
    for (int i = 0; i < n; i++) {
        xs[i + 1] = sql__analyze_expr(an, es, l->items[i]);
        if (!xs[i + 1])
            return NULL;
    }
    type_oid_t t;
    if (sql__common_type(an, xs, n + 1, "IN", &t) < 0)
        return NULL;
    exec_expr_t *e = exec_expr_new(an->a, EXPR_IN_LIST, TYPE_BOOL, n + 1);
    e->location = loc;
    for (int i = 0; i <= n; i++) {
        e->args[i] = sql__coerce(an, xs[i], t, -1, EXEC_CAST_IMPLICIT, loc);
        if (!e->args[i])
            return NULL;
    }
    exec_expr_t *a0 = e->args[0], *a1 = e->args[1];
    e->u.fn = eq_func(an, &a0, &a1, "=", loc);
    if (!e->u.fn)
        return NULL;
    e->ival2 = negate ? 1 : 0;
    return sql__fold(an, e);
}

static exec_expr_t *bool_node(sql_analyze_t *an, exec_expr_kind_t k, exec_expr_t *a, exec_expr_t *b)
{
    exec_expr_t *e = exec_expr_new(an->a, k, TYPE_BOOL, 2);
    e->args[0] = a;
    e->args[1] = b;
    return e;
}

/* row_compare - (l1, l2, ...) op (r1, r2, ...) as PostgreSQL's
 * make_row_comparison_op: = and <> pairwise (AND / OR), the orderings
 * lexicographic (l1 < r1 OR (l1 = r1 AND (l2, ...) < (r2, ...))), which
 * gives NULL where a NULL column decides, as PostgreSQL's RowCompareExpr. */
static exec_expr_t *row_compare(sql_analyze_t *an, const char *op, exec_expr_t **l, int nl, exec_expr_t **r, int nr,
                                int loc)
{
    if (nl != nr) {
        err_set(an->err, ERRCODE_SYNTAX_ERROR, "unequal number of entries in row expressions");
        sql__err_at(an, loc);
        return NULL;
    }
    if (nl == 0) {
        err_set(an->err, ERRCODE_FEATURE_NOT_SUPPORTED, "cannot compare rows of zero length");
        sql__err_at(an, loc);
        return NULL;
    }
    bool eq = strcmp(op, "=") == 0, ne = strcmp(op, "<>") == 0;
    bool lt = strcmp(op, "<") == 0 || strcmp(op, "<=") == 0, gt = strcmp(op, ">") == 0 || strcmp(op, ">=") == 0;
    if (!eq && !ne && !lt && !gt) {
        err_set(an->err, ERRCODE_UNDEFINED_FUNCTION, "could not determine interpretation of row comparison operator %s",
                op);
        sql__err_at(an, loc);
        return NULL;
    }
    exec_expr_t *res = sql__make_op(an, op, l[nl - 1], r[nl - 1], loc);
    for (int i = nl - 2; res && i >= 0; i--) {
        exec_expr_t *c = sql__make_op(an, eq || ne ? op : lt ? "<" : ">", l[i], r[i], loc);
        if (!c)
            return NULL;
        if (eq)
            res = bool_node(an, EXPR_AND, c, res);
        else if (ne)
            res = bool_node(an, EXPR_OR, c, res);
        else {
            exec_expr_t *same = sql__make_op(an, "=", l[i], r[i], loc);
            if (!same)
                return NULL;
            res = bool_node(an, EXPR_OR, c, bool_node(an, EXPR_AND, same, res));
        }
    }
    return res ? sql__fold(an, res) : NULL;
}

/* row_items - the analyzed elements of a ROW(...) parse node. */
static exec_expr_t **row_items(sql_analyze_t *an, sql_escope_t *es, const PgQuery__RowExpr *r)
{
    exec_expr_t **xs = mem_alloc(an->a, sizeof(exec_expr_t *) * (r->n_args + 1));
    for (size_t i = 0; i < r->n_args; i++)
        if (!(xs[i] = sql__analyze_expr(an, es, r->args[i])))
            return NULL;
    return xs;
}

static bool is_row(const PgQuery__Node *n)
{
    return n && n->node_case == PG_QUERY__NODE__NODE_ROW_EXPR;
}

static exec_expr_t *analyze_aexpr(sql_analyze_t *an, sql_escope_t *es, const PgQuery__AExpr *x)
{
    const char *op = x->n_name > 0 ? strval(x->name[x->n_name - 1]) : "";
    if (x->n_name > 1 && strcmp(strval(x->name[0]), "pg_catalog") != 0) {
        err_set(an->err, ERRCODE_UNDEFINED_FUNCTION, "operator does not exist: %s.%s", strval(x->name[0]), op);
        sql__err_at(an, x->location);
        return NULL;
    }
    switch (x->kind) {
    case PG_QUERY__A__EXPR__KIND__AEXPR_OP:
    case PG_QUERY__A__EXPR__KIND__AEXPR_LIKE:
    case PG_QUERY__A__EXPR__KIND__AEXPR_ILIKE: {
        exec_expr_t *l = NULL, *r;
        if (x->kind == PG_QUERY__A__EXPR__KIND__AEXPR_OP && is_row(x->lexpr) && is_row(x->rexpr)) {
            exec_expr_t **lx = row_items(an, es, x->lexpr->row_expr);
            exec_expr_t **rx = lx ? row_items(an, es, x->rexpr->row_expr) : NULL;
            if (!rx)
                return NULL;
            return row_compare(an, op, lx, (int)x->lexpr->row_expr->n_args, rx, (int)x->rexpr->row_expr->n_args,
                               x->location);
        }
        if (x->lexpr) {
            l = sql__analyze_expr(an, es, x->lexpr);
            if (!l)
                return NULL;
        }
        r = sql__analyze_expr(an, es, x->rexpr);
        if (!r)
            return NULL;
        /* a folded unary minus of a literal stays a literal (so -2147483648 is int4) */
        return sql__make_op(an, op, l, r, x->location);
    }
    case PG_QUERY__A__EXPR__KIND__AEXPR_OP_ANY:
    case PG_QUERY__A__EXPR__KIND__AEXPR_OP_ALL: {
        exec_expr_t *l = sql__analyze_expr(an, es, x->lexpr), *r = l ? sql__analyze_expr(an, es, x->rexpr) : NULL;
        if (!r)
            return NULL;
        if (is_unknown(r)) {
            const type_info_t *ti = type_lookup(is_unknown(l) ? TYPE_TEXT : l->type);
            r = sql__coerce(an, r, ti && ti->array ? ti->array : TYPE_TEXT_ARRAY, -1, EXEC_CAST_IMPLICIT, x->location);
            if (!r)
                return NULL;
        }
        if (!is_array_type(r->type)) {
            err_set(an->err, ERRCODE_WRONG_OBJECT_TYPE, "op ANY/ALL (array) requires array on right side");
            sql__err_at(an, x->location);
            return NULL;
        }
        /* Resolve op between l and the element type with a placeholder element. */
        /* a placeholder for the element that cannot be folded away */
        exec_expr_t *elem = exec_expr_new(an->a, EXPR_VAR, type_lookup(r->type)->elem, 0);
        elem->u.slot = 0;
        exec_expr_t *c = sql__make_op(an, op, l, elem, x->location);
        if (!c)
            return NULL;
        if (c->kind != EXPR_FUNC || c->type != TYPE_BOOL) {
            err_set(an->err, ERRCODE_DATATYPE_MISMATCH, "op ANY/ALL (array) requires operator to yield boolean");
            sql__err_at(an, x->location);
            return NULL;
        }
        exec_expr_t *e = exec_expr_new(an->a, EXPR_IN_LIST, TYPE_BOOL, 2);
        e->args[0] = c->args[0];
        e->args[1] = r;
        e->u.fn = c->u.fn;
        e->ival2 = 4 | (x->kind == PG_QUERY__A__EXPR__KIND__AEXPR_OP_ALL ? 8 : 0);
        e->location = x->location;
        return sql__fold(an, e);
    }
    case PG_QUERY__A__EXPR__KIND__AEXPR_DISTINCT:
    case PG_QUERY__A__EXPR__KIND__AEXPR_NOT_DISTINCT: {
        exec_expr_t *l = sql__analyze_expr(an, es, x->lexpr), *r = l ? sql__analyze_expr(an, es, x->rexpr) : NULL;
        if (!r)
            return NULL;
        exec_expr_t *e = exec_expr_new(an->a, EXPR_DISTINCT, TYPE_BOOL, 2);
        e->u.fn = eq_func(an, &l, &r, "=", x->location);
        if (!e->u.fn)
            return NULL;
        e->args[0] = l;
        e->args[1] = r;
        e->ival2 = x->kind == PG_QUERY__A__EXPR__KIND__AEXPR_NOT_DISTINCT;
        e->location = x->location;
        return sql__fold(an, e);
    }
    case PG_QUERY__A__EXPR__KIND__AEXPR_NULLIF: {
        exec_expr_t *l = sql__analyze_expr(an, es, x->lexpr), *r = l ? sql__analyze_expr(an, es, x->rexpr) : NULL;
        if (!r)
            return NULL;
        exec_expr_t *e = exec_expr_new(an->a, EXPR_NULLIF, TYPE_BOOL, 2);
        e->u.fn = eq_func(an, &l, &r, "=", x->location);
        if (!e->u.fn)
            return NULL;
        e->args[0] = l;
        e->args[1] = r;
        e->type = l->type;
        e->location = x->location;
        return sql__fold(an, e);
    }
    case PG_QUERY__A__EXPR__KIND__AEXPR_IN: {
        if (is_row(x->lexpr)) {
            /* (a, b) IN ((1, 2), (3, 4)): OR of row equalities */
            const PgQuery__List *items = x->rexpr->list;
            exec_expr_t **lx = row_items(an, es, x->lexpr->row_expr);
            if (!lx)
                return NULL;
            exec_expr_t *res = NULL;
            for (size_t i = 0; i < items->n_items; i++) {
                const PgQuery__Node *it = items->items[i];
                exec_expr_t **rx = is_row(it) ? row_items(an, es, it->row_expr) : NULL;
                if (!is_row(it)) {
                    err_set(an->err, ERRCODE_SYNTAX_ERROR, "unequal number of entries in row expressions");
                    sql__err_at(an, x->location);
                    return NULL;
                }
                exec_expr_t *c = rx ? row_compare(an, "=", lx, (int)x->lexpr->row_expr->n_args, rx,
                                                  (int)it->row_expr->n_args, x->location)
                                    : NULL;
                if (!c)
                    return NULL;
                res = res ? bool_node(an, EXPR_OR, res, c) : c;
            }
            if (strcmp(op, "<>") == 0) {
                exec_expr_t *n = exec_expr_new(an->a, EXPR_NOT, TYPE_BOOL, 1);
                n->args[0] = res;
                res = n;
            }
            return sql__fold(an, res);
        }
        exec_expr_t *l = sql__analyze_expr(an, es, x->lexpr);
        if (!l)
            return NULL;
        return analyze_list_in(an, es, l, x->rexpr, strcmp(op, "<>") == 0, x->location);
    }
    case PG_QUERY__A__EXPR__KIND__AEXPR_BETWEEN:
    case PG_QUERY__A__EXPR__KIND__AEXPR_NOT_BETWEEN:
    case PG_QUERY__A__EXPR__KIND__AEXPR_BETWEEN_SYM:
    case PG_QUERY__A__EXPR__KIND__AEXPR_NOT_BETWEEN_SYM: {
        bool neg = x->kind == PG_QUERY__A__EXPR__KIND__AEXPR_NOT_BETWEEN ||
                   x->kind == PG_QUERY__A__EXPR__KIND__AEXPR_NOT_BETWEEN_SYM;
        bool sym = x->kind == PG_QUERY__A__EXPR__KIND__AEXPR_BETWEEN_SYM ||
                   x->kind == PG_QUERY__A__EXPR__KIND__AEXPR_NOT_BETWEEN_SYM;
        const PgQuery__List *bl = x->rexpr->list;
        exec_expr_t *a = sql__analyze_expr(an, es, x->lexpr);
        exec_expr_t *lo = a ? sql__analyze_expr(an, es, bl->items[0]) : NULL;
        exec_expr_t *hi = lo ? sql__analyze_expr(an, es, bl->items[1]) : NULL;
        if (!hi)
            return NULL;
        exec_expr_t *c1 = sql__make_op(an, neg ? "<" : ">=", a, lo, x->location);
        exec_expr_t *c2 = c1 ? sql__make_op(an, neg ? ">" : "<=", a, hi, x->location) : NULL;
        if (!c2)
            return NULL;
        exec_expr_t *e = exec_expr_new(an->a, neg ? EXPR_OR : EXPR_AND, TYPE_BOOL, 2);
        e->args[0] = c1;
        e->args[1] = c2;
        if (sym) {
            exec_expr_t *d1 = sql__make_op(an, neg ? "<" : ">=", a, hi, x->location);
            exec_expr_t *d2 = d1 ? sql__make_op(an, neg ? ">" : "<=", a, lo, x->location) : NULL;
            if (!d2)
                return NULL;
            exec_expr_t *f = exec_expr_new(an->a, neg ? EXPR_OR : EXPR_AND, TYPE_BOOL, 2);
            f->args[0] = d1;
            f->args[1] = d2;
            exec_expr_t *g = exec_expr_new(an->a, neg ? EXPR_AND : EXPR_OR, TYPE_BOOL, 2);
            g->args[0] = e;
            g->args[1] = f;
            e = g;
        }
        return sql__fold(an, e);
    }
    default:
        err_set(an->err, ERRCODE_FEATURE_NOT_SUPPORTED, "SIMILAR TO is not supported");
        sql__err_at(an, x->location);
        return NULL;
    }
}

static const char *svf_name(int op)
{
    switch (op) {
    case PG_QUERY__SQLVALUE_FUNCTION_OP__SVFOP_CURRENT_DATE: return "current_date";
    case PG_QUERY__SQLVALUE_FUNCTION_OP__SVFOP_CURRENT_TIMESTAMP:
    case PG_QUERY__SQLVALUE_FUNCTION_OP__SVFOP_CURRENT_TIMESTAMP_N: return "current_timestamp";
    case PG_QUERY__SQLVALUE_FUNCTION_OP__SVFOP_LOCALTIMESTAMP:
    case PG_QUERY__SQLVALUE_FUNCTION_OP__SVFOP_LOCALTIMESTAMP_N: return "localtimestamp";
    case PG_QUERY__SQLVALUE_FUNCTION_OP__SVFOP_CURRENT_ROLE: return "current_role";
    case PG_QUERY__SQLVALUE_FUNCTION_OP__SVFOP_CURRENT_USER: return "current_user";
    case PG_QUERY__SQLVALUE_FUNCTION_OP__SVFOP_USER: return "user";
    case PG_QUERY__SQLVALUE_FUNCTION_OP__SVFOP_SESSION_USER: return "session_user";
    case PG_QUERY__SQLVALUE_FUNCTION_OP__SVFOP_CURRENT_CATALOG: return "current_catalog";
    case PG_QUERY__SQLVALUE_FUNCTION_OP__SVFOP_CURRENT_SCHEMA: return "current_schema";
    default: return NULL;
    }
}

static exec_expr_t *analyze_func(sql_analyze_t *an, sql_escope_t *es, const PgQuery__FuncCall *f)
{
    const char *name = strval(f->funcname[f->n_funcname - 1]);
    const char *schema = f->n_funcname > 1 ? strval(f->funcname[f->n_funcname - 2]) : NULL;
    if (schema && strcmp(schema, "pg_catalog") != 0 && strcmp(schema, "information_schema") != 0) {
        err_set(an->err, ERRCODE_UNDEFINED_FUNCTION, "function %s.%s does not exist", schema, name);
        sql__err_at(an, f->location);
        return NULL;
    }
    char lname[64];
    snprintf(lname, sizeof lname, "%s", name);
    if (f->over || f->agg_star || f->agg_distinct || f->n_agg_order || f->agg_filter || exec_agg_exists(lname) ||
        exec_window_exists(lname))
        return sql__analyze_agg(an, es, f, lname);
    int nargs = (int)f->n_args;
    exec_expr_t **args = mem_alloc(an->a, sizeof(exec_expr_t *) * (size_t)(nargs > 0 ? nargs : 1));
    for (int i = 0; i < nargs; i++) {
        args[i] = sql__analyze_expr(an, es, f->args[i]);
        if (!args[i])
            return NULL;
    }
    exec_expr_t *special = sql__special_func(an, es, lname, nargs, args, f->location);
    if (special || an->err->set)
        return special;
    return sql__resolve_call(an, lname, false, nargs, args, f->location);
}

/* sql__field_select - field name of the record e ((f(x)).n, (t.rec).x), with
 * PostgreSQL's errors for a type without fields or an unknown field. */
exec_expr_t *sql__field_select(sql_analyze_t *an, exec_expr_t *e, const char *name, int loc)
{
    const type_rowdesc_t *d = sql__rowdesc(an, e->type, e->typmod);
    int k = -1;
    for (int i = 0; d && i < d->n && k < 0; i++)
        if (strcmp(d->names[i], name) == 0)
            k = i;
    if (k < 0) {
        if (e->type == TYPE_RECORD)
            err_set(an->err, ERRCODE_UNDEFINED_COLUMN, "could not identify column \"%s\" in record data type", name);
        else
            err_set(an->err, ERRCODE_WRONG_OBJECT_TYPE,
                    "column notation .%s applied to type %s, which is not a composite type", name,
                    sql__type_name(e->type));
        sql__err_at(an, loc);
        return NULL;
    }
    exec_expr_t *f = exec_expr_new(an->a, EXPR_FIELD, d->types[k], 1);
    f->args[0] = e;
    f->u.ival = k;
    f->typmod = d->typmods[k];
    f->location = loc;
    return sql__fold(an, f);
}

/* analyze_row - ROW(a, b, ...) or (a, b, ...): an anonymous record with
 * fields f1, f2 ... as PostgreSQL names them. */
static exec_expr_t *analyze_row(sql_analyze_t *an, sql_escope_t *es, const PgQuery__RowExpr *r)
{
    int n = (int)r->n_args;
    exec_expr_t *e = exec_expr_new(an->a, EXPR_ROW, TYPE_RECORD, n);
    type_rowdesc_t *d = type_rowdesc_new(an->a, n);
    for (int i = 0; i < n; i++) {
        exec_expr_t *x = sql__analyze_expr(an, es, r->args[i]);
        if (!x)
            return NULL;
        if (is_unknown(x) && !(x = sql__coerce(an, x, TYPE_TEXT, -1, EXEC_CAST_IMPLICIT, r->location)))
            return NULL;
        e->args[i] = x;
        d->names[i] = mem_asprintf(an->a, "f%d", i + 1);
        d->types[i] = x->type;
        d->typmods[i] = x->typmod;
    }
    e->rowdesc = d;
    e->typmod = sql__record_typmod(an, d);
    e->location = r->location;
    return sql__fold(an, e);
}

static exec_expr_t *analyze_indirection(sql_analyze_t *an, sql_escope_t *es, const PgQuery__AIndirection *ind)
{
    exec_expr_t *e = sql__analyze_expr(an, es, ind->arg);
    if (!e)
        return NULL;
    for (size_t i = 0; i < ind->n_indirection; i++) {
        const PgQuery__Node *n = ind->indirection[i];
        if (n->node_case == PG_QUERY__NODE__NODE_STRING) {
            e = sql__field_select(an, e, n->string->sval, e->location);
            if (!e)
                return NULL;
            continue;
        }
        if (n->node_case != PG_QUERY__NODE__NODE_A_INDICES) {
            err_set(an->err, ERRCODE_FEATURE_NOT_SUPPORTED, "(record).* is not supported here");
            return sql__err_at(an, e->location), NULL;
        }
        const PgQuery__AIndices *ix = n->a_indices;
        if (ix->is_slice) {
            err_set(an->err, ERRCODE_FEATURE_NOT_SUPPORTED, "array slices are not supported");
            return NULL;
        }
        if (!is_array_type(e->type)) {
            err_set(an->err, ERRCODE_DATATYPE_MISMATCH,
                    "cannot subscript type %s because it does not support subscripting", sql__type_name(e->type));
            return NULL;
        }
        exec_expr_t *idx = sql__analyze_expr(an, es, ix->uidx);
        if (!idx)
            return NULL;
        idx = sql__coerce(an, idx, TYPE_INT4, -1, EXEC_CAST_IMPLICIT, idx->location);
        if (!idx)
            return NULL;
        exec_expr_t *args[2] = { e, idx };
        e = sql__resolve_call(an, "array_subscript", false, 2, args, -1);
        if (!e)
            return NULL;
    }
    return e;
}

static exec_expr_t *analyze_array(sql_analyze_t *an, sql_escope_t *es, const PgQuery__AArrayExpr *ax)
{
    exec_expr_t *e = analyze_nary_common(an, es, EXPR_ARRAY, ax->elements, ax->n_elements, "ARRAY", ax->location);
    if (!e)
        return NULL;
    type_oid_t elem = e->type;
    const type_info_t *ti = type_lookup(elem);
    if (!ti || !ti->array) {
        err_set(an->err, ERRCODE_UNDEFINED_OBJECT, "could not find array type for data type %s", sql__type_name(elem));
        sql__err_at(an, ax->location);
        return NULL;
    }
    e->u.elem = elem;
    e->type = ti->array;
    return sql__fold(an, e);
}

exec_expr_t *sql__analyze_expr(sql_analyze_t *an, sql_escope_t *es, const PgQuery__Node *n)
{
    if (!n) {
        err_set(an->err, ERRCODE_INTERNAL_ERROR, "missing expression");
        return NULL;
    }
    switch (n->node_case) {
    case PG_QUERY__NODE__NODE_A_CONST:
        return analyze_const(an, n->a_const);
    case PG_QUERY__NODE__NODE_TYPE_CAST: {
        const PgQuery__TypeCast *tc = n->type_cast;
        exec_expr_t *arg = sql__analyze_expr(an, es, tc->arg);
        if (!arg)
            return NULL;
        type_oid_t t;
        int32_t tm;
        if (sql__typename(an, tc->type_name, &t, &tm) < 0)
            return NULL;
        exec_expr_t *r = sql__special_cast(an, arg, t, tc->location);
        if (r || an->err->set)
            return r;
        r = sql__coerce(an, arg, t, tm, EXEC_CAST_EXPLICIT, tc->location);
        if (r && r->kind == EXPR_CONST)
            r->location = arg->location >= 0 ? arg->location : tc->location;
        if (r && r == arg && arg->kind == EXPR_PARAM)
            return r;
        return r;
    }
    case PG_QUERY__NODE__NODE_COLUMN_REF:
        return sql__analyze_colref(an, es, n->column_ref);
    case PG_QUERY__NODE__NODE_PARAM_REF:
        return param_node(an, n->param_ref->number, n->param_ref->location);
    case PG_QUERY__NODE__NODE_A_EXPR:
        return analyze_aexpr(an, es, n->a_expr);
    case PG_QUERY__NODE__NODE_BOOL_EXPR:
        return analyze_bool(an, es, n->bool_expr);
    case PG_QUERY__NODE__NODE_CASE_EXPR:
        return analyze_case(an, es, n->case_expr);
    case PG_QUERY__NODE__NODE_COALESCE_EXPR: {
        exec_expr_t *e = analyze_nary_common(an, es, EXPR_COALESCE, n->coalesce_expr->args, n->coalesce_expr->n_args,
                                             "COALESCE", n->coalesce_expr->location);
        return e ? sql__fold(an, e) : NULL;
    }
    case PG_QUERY__NODE__NODE_MIN_MAX_EXPR: {
        const PgQuery__MinMaxExpr *m = n->min_max_expr;
        exec_expr_t *e = analyze_nary_common(an, es, EXPR_MINMAX, m->args, m->n_args,
                                             m->op == PG_QUERY__MIN_MAX_OP__IS_GREATEST ? "GREATEST" : "LEAST",
                                             m->location);
        if (!e)
            return NULL;
        e->u.ival = m->op == PG_QUERY__MIN_MAX_OP__IS_GREATEST;
        return sql__fold(an, e);
    }
    case PG_QUERY__NODE__NODE_NULL_TEST: {
        exec_expr_t *a = sql__analyze_expr(an, es, n->null_test->arg);
        if (!a)
            return NULL;
        exec_expr_t *e = exec_expr_new(an->a, EXPR_IS_NULL, TYPE_BOOL, 1);
        e->args[0] = a;
        e->u.ival = n->null_test->nulltesttype == PG_QUERY__NULL_TEST_TYPE__IS_NOT_NULL;
        e->location = n->null_test->location;
        return sql__fold(an, e);
    }
    case PG_QUERY__NODE__NODE_BOOLEAN_TEST: {
        exec_expr_t *a = to_bool(an, sql__analyze_expr(an, es, n->boolean_test->arg), "IS TRUE",
                                 n->boolean_test->location);
        if (!a)
            return NULL;
        exec_expr_t *e = exec_expr_new(an->a, EXPR_BOOLTEST, TYPE_BOOL, 1);
        e->args[0] = a;
        e->u.ival = (int)n->boolean_test->booltesttype - 1;
        e->location = n->boolean_test->location;
        return sql__fold(an, e);
    }
    case PG_QUERY__NODE__NODE_SQLVALUE_FUNCTION: {
        const char *fname = svf_name(n->sqlvalue_function->op);
        if (!fname) {
            err_set(an->err, ERRCODE_FEATURE_NOT_SUPPORTED, "time without date is not supported");
            sql__err_at(an, n->sqlvalue_function->location);
            return NULL;
        }
        return sql__resolve_call(an, fname, false, 0, NULL, n->sqlvalue_function->location);
    }
    case PG_QUERY__NODE__NODE_FUNC_CALL:
        return analyze_func(an, es, n->func_call);
    case PG_QUERY__NODE__NODE_A_INDIRECTION:
        return analyze_indirection(an, es, n->a_indirection);
    case PG_QUERY__NODE__NODE_A_ARRAY_EXPR:
        return analyze_array(an, es, n->a_array_expr);
    case PG_QUERY__NODE__NODE_SUB_LINK:
        return sql__analyze_sublink(an, es, n->sub_link);
    case PG_QUERY__NODE__NODE_COLLATE_CLAUSE:
        return sql__analyze_expr(an, es, n->collate_clause->arg);
    case PG_QUERY__NODE__NODE_GROUPING_FUNC:
        return sql__analyze_grouping(an, es, n->grouping_func);
    case PG_QUERY__NODE__NODE_ROW_EXPR:
        return analyze_row(an, es, n->row_expr);
    default:
        err_set(an->err, ERRCODE_FEATURE_NOT_SUPPORTED, "expression of this kind is not supported (node %d)",
                (int)n->node_case);
        return NULL;
    }
}

int sql__analyze_expr_noscope(sql_analyze_t *an, const PgQuery__Node *n, exec_expr_t **out)
{
    *out = sql__analyze_expr(an, NULL, n);
    return *out ? 0 : -1;
}

/* ---- output names (PostgreSQL's FigureColname) ---- */

static int figure(const PgQuery__Node *n, const char **name)
{
    if (!n)
        return 0;
    switch (n->node_case) {
    case PG_QUERY__NODE__NODE_COLUMN_REF: {
        const PgQuery__ColumnRef *c = n->column_ref;
        const PgQuery__Node *last = c->fields[c->n_fields - 1];
        if (last->node_case == PG_QUERY__NODE__NODE_STRING) {
            *name = last->string->sval;
            return 2;
        }
        return 0;
    }
    case PG_QUERY__NODE__NODE_A_INDIRECTION: {
        const PgQuery__AIndirection *ind = n->a_indirection;
        for (size_t i = ind->n_indirection; i > 0; i--)
            if (ind->indirection[i - 1]->node_case == PG_QUERY__NODE__NODE_STRING) {
                *name = ind->indirection[i - 1]->string->sval;
                return 2;
            }
        return figure(ind->arg, name);
    }
    case PG_QUERY__NODE__NODE_FUNC_CALL:
        *name = strval(n->func_call->funcname[n->func_call->n_funcname - 1]);
        return 2;
    case PG_QUERY__NODE__NODE_A_EXPR:
        if (n->a_expr->kind == PG_QUERY__A__EXPR__KIND__AEXPR_NULLIF) {
            *name = "nullif";
            return 2;
        }
        return 0;
    case PG_QUERY__NODE__NODE_TYPE_CAST: {
        int s = figure(n->type_cast->arg, name);
        if (s <= 1) {
            const PgQuery__TypeName *tn = n->type_cast->type_name;
            *name = strval(tn->names[tn->n_names - 1]);
            return 1;
        }
        return s;
    }
    case PG_QUERY__NODE__NODE_COLLATE_CLAUSE:
        return figure(n->collate_clause->arg, name);
    case PG_QUERY__NODE__NODE_SUB_LINK:
        switch (n->sub_link->sub_link_type) {
        case PG_QUERY__SUB_LINK_TYPE__EXISTS_SUBLINK:
            *name = "exists";
            return 2;
        case PG_QUERY__SUB_LINK_TYPE__ARRAY_SUBLINK:
            *name = "array";
            return 2;
        case PG_QUERY__SUB_LINK_TYPE__EXPR_SUBLINK: {
            const PgQuery__Node *q = n->sub_link->subselect;
            if (q && q->node_case == PG_QUERY__NODE__NODE_SELECT_STMT && q->select_stmt->n_target_list > 0) {
                const PgQuery__ResTarget *rt = q->select_stmt->target_list[0]->res_target;
                if (rt->name && *rt->name) {
                    *name = rt->name;
                    return 2;
                }
                return figure(rt->val, name);
            }
            return 0;
        }
        default:
            return 0;
        }
    case PG_QUERY__NODE__NODE_CASE_EXPR: {
        int s = figure(n->case_expr->defresult, name);
        if (s <= 1) {
            *name = "case";
            return 1;
        }
        return s;
    }
    case PG_QUERY__NODE__NODE_A_ARRAY_EXPR:
        *name = "array";
        return 2;
    case PG_QUERY__NODE__NODE_ROW_EXPR:
        *name = "row";
        return 2;
    case PG_QUERY__NODE__NODE_COALESCE_EXPR:
        *name = "coalesce";
        return 2;
    case PG_QUERY__NODE__NODE_MIN_MAX_EXPR:
        *name = n->min_max_expr->op == PG_QUERY__MIN_MAX_OP__IS_GREATEST ? "greatest" : "least";
        return 2;
    case PG_QUERY__NODE__NODE_SQLVALUE_FUNCTION:
        *name = svf_name(n->sqlvalue_function->op);
        if (!*name)
            *name = "?column?";
        return 2;
    case PG_QUERY__NODE__NODE_GROUPING_FUNC:
        *name = "grouping";
        return 2;
    default:
        return 0;
    }
}

const char *sql__figure_colname(const PgQuery__Node *n)
{
    const char *name = NULL;
    figure(n, &name);
    return name && *name ? name : "?column?";
}
