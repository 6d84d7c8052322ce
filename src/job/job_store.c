/*
 * job_store.c - the metastore side of the job engine: submit, list, show,
 * resume, stop and discard (the API any node may call), and for the engine
 * the claim of a job by a run, fenced writes (token checked in the same
 * transaction as the write), the scheduler-0 lease row, and the header line
 * that keeps a step's type, tries and progress at the top of its output.
 *
 * Everything here blocks on the metastore: worker or job threads only.
 * Not here: threads, scheduling, ZooKeeper (job_engine.c), HTTP (job_rest.c).
 */
#include "job/job.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "common/log.h"
#include "job_int.h"

/* ------------------------------------------------------------ states */

static const char *const stored_names[JOB__NSTATES] = { "ready", "running", "error", "stopped", "discarded",
                                                        "succeed" };
static const char *const kylin_names[JOB__NSTATES] = { "READY", "RUNNING", "ERROR", "STOPPED", "DISCARDED",
                                                       "SUCCEED" };
static const char *const api_names[JOB__NSTATES] = { "PENDING", "RUNNING", "ERROR", "STOPPED", "DISCARDED",
                                                     "FINISHED" };

const char *job__state_stored(job_state_t s) { return (unsigned)s < JOB__NSTATES ? stored_names[s] : "?"; }
const char *job_state_name(job_state_t s) { return (unsigned)s < JOB__NSTATES ? kylin_names[s] : "?"; }
const char *job_state_api_name(job_state_t s) { return (unsigned)s < JOB__NSTATES ? api_names[s] : "?"; }

int job_state_parse(const char *s)
{
    if (!s)
        return -1;
    for (int i = 0; i < JOB__NSTATES; i++)
        if (strcasecmp(s, stored_names[i]) == 0 || strcmp(s, api_names[i]) == 0)
            return i;
    if (strcasecmp(s, "finished") == 0)
        return JOB_SUCCEED;
    if (strcasecmp(s, "pending") == 0)
        return JOB_READY;
    return -1;
}

bool job_state_is_final(job_state_t s) { return s == JOB_SUCCEED || s == JOB_DISCARDED; }

/* Kylin's ExecutableState.VALID_STATE_TRANSFER (SUCCEED -> READY, the
 * rollback, is left out: kiln has no rollback yet). */
bool job_state_can(job_state_t from, job_state_t to)
{
    switch (from) {
    case JOB_READY:
        return to == JOB_RUNNING || to == JOB_ERROR || to == JOB_DISCARDED || to == JOB_STOPPED;
    case JOB_RUNNING:
        return to == JOB_READY || to == JOB_SUCCEED || to == JOB_DISCARDED || to == JOB_ERROR ||
               to == JOB_STOPPED;
    case JOB_STOPPED:
    case JOB_ERROR:
        return to == JOB_DISCARDED || to == JOB_READY;
    default:
        return false;
    }
}

int64_t job__now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ------------------------------------------------------------ header */

#define HDR_TAG "@kiln "

static void pct_encode(buf_t *b, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p <= ' ' || *p == '%' || *p == 0x7f) {
            buf_putc(b, '%');
            buf_putc(b, hex[*p >> 4]);
            buf_putc(b, hex[*p & 15]);
        } else {
            buf_putc(b, (char)*p);
        }
    }
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

/* copy_word - the value after "key=" up to a blank, %-decoded, into out. */
static void copy_word(const char *p, const char *end, char *out, size_t n)
{
    size_t k = 0;
    while (p < end && *p != ' ' && k + 1 < n) {
        if (*p == '%' && end - p >= 3 && hexval(p[1]) >= 0 && hexval(p[2]) >= 0) {
            out[k++] = (char)(hexval(p[1]) * 16 + hexval(p[2]));
            p += 3;
        } else {
            out[k++] = *p++;
        }
    }
    out[k] = '\0';
}

const char *job__hdr_parse(const char *output, job_hdr_t *h)
{
    memset(h, 0, sizeof *h);
    if (!output || strncmp(output, HDR_TAG, strlen(HDR_TAG)) != 0)
        return output ? output : "";
    const char *end = strchr(output, '\n');
    const char *next = end ? end + 1 : output + strlen(output);
    if (!end)
        end = next;
    for (const char *p = output + strlen(HDR_TAG); p < end;) {
        while (p < end && *p == ' ')
            p++;
        const char *eq = memchr(p, '=', (size_t)(end - p));
        if (!eq)
            break;
        size_t kl = (size_t)(eq - p);
        const char *v = eq + 1;
        char tmp[32];
        if (kl == 4 && memcmp(p, "type", 4) == 0) {
            copy_word(v, end, h->type, sizeof h->type);
        } else if (kl == 3 && memcmp(p, "msg", 3) == 0) {
            copy_word(v, end, h->msg, sizeof h->msg);
        } else {
            copy_word(v, end, tmp, sizeof tmp);
            long long x = strtoll(tmp, NULL, 10);
            if (kl == 7 && memcmp(p, "attempt", 7) == 0)
                h->attempt = (int)x;
            else if (kl == 4 && memcmp(p, "done", 4) == 0)
                h->done = x;
            else if (kl == 5 && memcmp(p, "total", 5) == 0)
                h->total = x;
        }
        const char *sp = memchr(v, ' ', (size_t)(end - v));
        p = sp ? sp : end;
    }
    return next;
}

void job__hdr_format(buf_t *b, const job_hdr_t *h, const char *log, size_t len)
{
    buf_puts(b, HDR_TAG "type=");
    pct_encode(b, h->type);
    buf_printf(b, " attempt=%d done=%lld total=%lld msg=", h->attempt, (long long)h->done, (long long)h->total);
    pct_encode(b, h->msg);
    buf_putc(b, '\n');
    if (log && len)
        buf_append(b, log, len);
}

/* ------------------------------------------------------------ infos */

void job__info_from(job_info_t *out, const meta_job_t *j)
{
    memset(out, 0, sizeof *out);
    out->id = j->h.id;
    out->name = j->name;
    out->kind = j->kind;
    out->cube_id = j->cube_id;
    out->segment_id = j->segment_id;
    int st = job_state_parse(j->status);
    out->state = st < 0 ? JOB_ERROR : (job_state_t)st;
    out->owner_node = j->owner_node;
    out->fencing_token = j->fencing_token;
    out->submitter = j->submitter;
    out->params = j->params;
    out->error = j->error;
    out->created = j->h.created;
    out->modified = j->h.modified;
    out->started = j->started;
    out->finished = j->finished;
}

void job__step_from(job_step_info_t *out, const meta_job_step_t *st, mem_arena_t *arena)
{
    job_hdr_t h;
    memset(out, 0, sizeof *out);
    out->id = st->h.id;
    out->job_id = st->job_id;
    out->step_no = st->step_no;
    out->name = st->name;
    out->log = job__hdr_parse(st->output, &h);
    out->type = mem_astrdup(arena, h.type);
    out->message = mem_astrdup(arena, h.msg);
    out->attempts = h.attempt;
    out->rows_done = h.done;
    out->rows_total = h.total;
    int s = job_state_parse(st->status);
    out->state = s < 0 ? JOB_ERROR : (job_state_t)s;
    out->started = st->started;
    out->finished = st->finished;
}

static bool is_lease(const meta_job_t *j) { return j->kind && strcmp(j->kind, JOB_LEASE_KIND) == 0; }

/* set_progress - steps done and the running step's fraction. */
static void set_progress(job_info_t *ji, const meta_job_step_t *steps, size_t n)
{
    ji->nsteps = (int)n;
    double p = 0;
    for (size_t i = 0; i < n; i++) {
        int s = job_state_parse(steps[i].status);
        if (s == JOB_SUCCEED) {
            ji->steps_done++;
            p += 1;
        } else if (s == JOB_RUNNING) {
            job_hdr_t h;
            job__hdr_parse(steps[i].output, &h);
            if (h.total > 0 && h.done > 0)
                p += h.done >= h.total ? 0.99 : (double)h.done / (double)h.total;
        }
    }
    ji->progress = n ? p / (double)n : 0;
}

/* ------------------------------------------------------------ submit */

static void make_uuid(char out[37])
{
    unsigned char r[16];
    if (getrandom(r, sizeof r, 0) != (ssize_t)sizeof r) {
        /* No entropy source: time and address still make names unique enough
         * here, and the UNIQUE constraint catches the rest. */
        int64_t t = job__now_ms();
        for (int i = 0; i < 16; i++)
            r[i] = (unsigned char)((t >> (i % 8 * 8)) ^ (uintptr_t)&r[i] ^ (i * 37));
    }
    r[6] = (unsigned char)((r[6] & 0x0f) | 0x40);
    r[8] = (unsigned char)((r[8] & 0x3f) | 0x80);
    snprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", r[0], r[1], r[2],
             r[3], r[4], r[5], r[6], r[7], r[8], r[9], r[10], r[11], r[12], r[13], r[14], r[15]);
}

typedef struct submit_arg {
    const job_spec_t *spec;
    const char *name;
    int64_t id;
} submit_arg_t;

static int submit_tx(meta_tx_t *tx, void *arg, err_t *err)
{
    submit_arg_t *a = arg;
    const job_spec_t *sp = a->spec;
    meta_job_t j = { 0 };
    j.cube_id = sp->cube_id;
    j.name = a->name;
    j.kind = sp->kind ? sp->kind : "build";
    j.segment_id = sp->segment_id;
    j.status = job__state_stored(JOB_READY);
    j.submitter = sp->submitter;
    j.params = sp->params;
    int rc = meta_put(tx, META_JOB, &j, err);
    if (rc != 0)
        return rc;
    for (size_t i = 0; i < sp->nsteps; i++) {
        job_hdr_t h = { 0 };
        snprintf(h.type, sizeof h.type, "%s", sp->steps[i].type);
        buf_t b = BUF_INIT;
        job__hdr_format(&b, &h, NULL, 0);
        meta_job_step_t st = { 0 };
        st.job_id = j.h.id;
        st.name = sp->steps[i].name ? sp->steps[i].name : sp->steps[i].type;
        st.step_no = (int32_t)i;
        st.status = job__state_stored(JOB_READY);
        st.output = buf_cstr(&b);
        rc = meta_put(tx, META_JOB_STEP, &st, err);
        buf_free(&b);
        if (rc != 0)
            return rc;
    }
    a->id = j.h.id;
    return 0;
}

int job_submit(meta_store_t *s, const job_spec_t *spec, int64_t *id, err_t *err)
{
    if (!spec || spec->nsteps == 0 || !spec->steps)
        return err_set(err, ERRCODE_INVALID_PARAMETER_VALUE, "a job needs at least one step");
    if (spec->kind && strcmp(spec->kind, JOB_LEASE_KIND) == 0)
        return err_set(err, ERRCODE_INVALID_PARAMETER_VALUE, "job kind \"%s\" is reserved", spec->kind);
    if (spec->name && strncmp(spec->name, "kiln:", 5) == 0)
        return err_set(err, ERRCODE_INVALID_PARAMETER_VALUE, "job names starting with \"kiln:\" are reserved");
    for (size_t i = 0; i < spec->nsteps; i++) {
        const job_step_spec_t *a = &spec->steps[i];
        if (!a->type || !*a->type || strlen(a->type) >= JOB_TYPE_MAX)
            return err_set(err, ERRCODE_INVALID_PARAMETER_VALUE, "step %zu has no valid type", i);
        const char *na = a->name ? a->name : a->type;
        for (size_t k = 0; k < i; k++) {
            const char *nb = spec->steps[k].name ? spec->steps[k].name : spec->steps[k].type;
            if (strcmp(na, nb) == 0)
                return err_set(err, ERRCODE_INVALID_PARAMETER_VALUE, "step name \"%s\" appears twice", na);
        }
    }
    char uuid[37];
    if (!spec->name)
        make_uuid(uuid);
    submit_arg_t a = { spec, spec->name ? spec->name : uuid, 0 };
    int rc = meta_run(s, 0, submit_tx, &a, err);
    if (rc == 0 && id)
        *id = a.id;
    if (rc == 0)
        log_info("job %lld (%s) submitted: %zu step(s)", (long long)a.id, a.name, spec->nsteps);
    return rc;
}

/* ------------------------------------------------------------ reads */

static int begin_read(meta_store_t *s, meta_tx_t **tx, err_t *err) { return meta_begin(s, META_TX_READ, tx, err); }

static int job_cmp_newest(const void *a, const void *b)
{
    const job_info_t *x = a, *y = b;
    return x->id < y->id ? 1 : x->id > y->id ? -1 : 0;
}

int job_list(meta_store_t *s, const job_filter_t *f, mem_arena_t *arena, job_info_t **out, size_t *n, err_t *err)
{
    job_filter_t all = { .state = -1 };
    if (!f)
        f = &all;
    meta_tx_t *tx;
    int rc = begin_read(s, &tx, err);
    if (rc != 0)
        return rc;
    meta_job_t *rows;
    size_t nr;
    rc = meta_list(tx, META_JOB, f->cube_id, arena, &rows, &nr, err);
    if (rc != 0) {
        meta_rollback(tx);
        return rc;
    }
    job_info_t *v = MEM_NEW_N(arena, job_info_t, nr ? nr : 1);
    size_t k = 0;
    for (size_t i = 0; i < nr; i++) {
        if (is_lease(&rows[i]))
            continue;
        job__info_from(&v[k], &rows[i]);
        if (f->state >= 0 && (int)v[k].state != f->state)
            continue;
        k++;
    }
    qsort(v, k, sizeof *v, job_cmp_newest);
    size_t from = f->offset < k ? f->offset : k;
    size_t cnt = k - from;
    if (f->limit && cnt > f->limit)
        cnt = f->limit;
    v += from;
    if (f->with_steps) {
        for (size_t i = 0; i < cnt && rc == 0; i++) {
            meta_job_step_t *st;
            size_t ns;
            rc = meta_list(tx, META_JOB_STEP, v[i].id, arena, &st, &ns, err);
            if (rc == 0)
                set_progress(&v[i], st, ns);
        }
    }
    meta_rollback(tx);
    if (rc != 0)
        return rc;
    *out = v;
    *n = cnt;
    return 0;
}

static int step_cmp(const void *a, const void *b)
{
    const job_step_info_t *x = a, *y = b;
    if (x->job_id != y->job_id)
        return x->job_id < y->job_id ? -1 : 1;
    return x->step_no - y->step_no;
}

int job_list_steps(meta_store_t *s, int64_t job_id, mem_arena_t *arena, job_step_info_t **out, size_t *n,
                   err_t *err)
{
    meta_tx_t *tx;
    int rc = begin_read(s, &tx, err);
    if (rc != 0)
        return rc;
    meta_job_step_t *rows;
    size_t nr;
    rc = meta_list(tx, META_JOB_STEP, job_id, arena, &rows, &nr, err);
    meta_rollback(tx);
    if (rc != 0)
        return rc;
    job_step_info_t *v = MEM_NEW_N(arena, job_step_info_t, nr ? nr : 1);
    for (size_t i = 0; i < nr; i++)
        job__step_from(&v[i], &rows[i], arena);
    qsort(v, nr, sizeof *v, step_cmp);
    *out = v;
    *n = nr;
    return 0;
}

/* find_job - by id, or by name (scan: names are unique over all cubes but
 * meta_find scopes them by cube). */
static int find_job(meta_tx_t *tx, int64_t id, const char *name, mem_arena_t *arena, meta_job_t **out, err_t *err)
{
    if (id) {
        int rc = meta_get(tx, META_JOB, id, arena, out, err);
        if (rc == 0 && is_lease(*out)) {
            err_clear(err);
            err_set(err, ERRCODE_UNDEFINED_OBJECT, "job %lld does not exist", (long long)id);
            return META_NOT_FOUND;
        }
        return rc;
    }
    meta_job_t *rows;
    size_t n;
    int rc = meta_list(tx, META_JOB, 0, arena, &rows, &n, err);
    if (rc != 0)
        return rc;
    for (size_t i = 0; i < n; i++) {
        if (!is_lease(&rows[i]) && name && strcmp(rows[i].name, name) == 0) {
            *out = &rows[i];
            return 0;
        }
    }
    err_set(err, ERRCODE_UNDEFINED_OBJECT, "job \"%s\" does not exist", name ? name : "");
    return META_NOT_FOUND;
}

int job_show(meta_store_t *s, int64_t id, const char *name, mem_arena_t *arena, job_info_t *out,
             job_step_info_t **steps, size_t *nsteps, err_t *err)
{
    meta_tx_t *tx;
    int rc = begin_read(s, &tx, err);
    if (rc != 0)
        return rc;
    meta_job_t *j;
    meta_job_step_t *st = NULL;
    size_t ns = 0;
    rc = find_job(tx, id, name, arena, &j, err);
    if (rc == 0)
        rc = meta_list(tx, META_JOB_STEP, j->h.id, arena, &st, &ns, err);
    meta_rollback(tx);
    if (rc != 0)
        return rc;
    job__info_from(out, j);
    set_progress(out, st, ns);
    if (steps) {
        job_step_info_t *v = MEM_NEW_N(arena, job_step_info_t, ns ? ns : 1);
        for (size_t i = 0; i < ns; i++)
            job__step_from(&v[i], &st[i], arena);
        qsort(v, ns, sizeof *v, step_cmp);
        *steps = v;
    }
    if (nsteps)
        *nsteps = ns;
    return 0;
}

/* ------------------------------------------------------------ user actions */

typedef struct action_arg {
    int64_t id;
    job_state_t to;
} action_arg_t;

static int put_step_state(meta_tx_t *tx, meta_job_step_t *st, job_state_t s, bool reset_tries, err_t *err)
{
    st->status = job__state_stored(s);
    if (reset_tries) {
        job_hdr_t h;
        const char *log = job__hdr_parse(st->output, &h);
        h.attempt = 0;
        buf_t b = BUF_INIT;
        job__hdr_format(&b, &h, log, strlen(log));
        st->output = mem_astrdup(meta_tx_arena(tx), buf_cstr(&b));
        buf_free(&b);
    }
    return meta_put(tx, META_JOB_STEP, st, err);
}

static int action_tx(meta_tx_t *tx, void *arg, err_t *err)
{
    action_arg_t *a = arg;
    mem_arena_t *ar = meta_tx_arena(tx);
    meta_job_t *j;
    int rc = find_job(tx, a->id, NULL, ar, &j, err);
    if (rc != 0)
        return rc;
    int cur = job_state_parse(j->status);
    if (cur < 0 || !job_state_can((job_state_t)cur, a->to)) {
        err_set(err, ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE, "job %lld is %s and cannot become %s",
                (long long)j->h.id, cur < 0 ? j->status : job_state_name((job_state_t)cur), job_state_name(a->to));
        if (cur == JOB_DISCARDED)
            err_hint(err, "A discarded job never runs again; submit a new one.");
        return JOB_ESTATE;
    }
    if (a->to == JOB_READY) { /* resume: failed and stopped steps run again from scratch */
        meta_job_step_t *st;
        size_t n;
        if ((rc = meta_list(tx, META_JOB_STEP, j->h.id, ar, &st, &n, err)) != 0)
            return rc;
        for (size_t i = 0; i < n; i++) {
            int ss = job_state_parse(st[i].status);
            if (ss == JOB_ERROR || ss == JOB_STOPPED || ss == JOB_RUNNING) {
                if ((rc = put_step_state(tx, &st[i], JOB_READY, true, err)) != 0)
                    return rc;
            }
        }
        j->error = NULL;
        j->finished = 0;
    }
    if (a->to == JOB_STOPPED && cur == JOB_READY)
        j->finished = 0;
    if (a->to == JOB_DISCARDED)
        j->finished = 0; /* cleanup pending: the next holder runs it and stamps finished */
    j->status = job__state_stored(a->to);
    return meta_put(tx, META_JOB, j, err);
}

static int user_action(meta_store_t *s, int64_t id, job_state_t to, err_t *err)
{
    action_arg_t a = { id, to };
    int rc = meta_run(s, 0, action_tx, &a, err);
    if (rc == 0)
        log_info("job %lld: %s", (long long)id, job_state_name(to));
    return rc;
}

int job_resume(meta_store_t *s, int64_t id, err_t *err) { return user_action(s, id, JOB_READY, err); }
int job_stop(meta_store_t *s, int64_t id, err_t *err) { return user_action(s, id, JOB_STOPPED, err); }
int job_discard(meta_store_t *s, int64_t id, err_t *err) { return user_action(s, id, JOB_DISCARDED, err); }

/* ------------------------------------------------------------ engine side */

typedef struct fenced_arg {
    const job_fence_t *f;
    job_fenced_fn fn;
    void *arg;
} fenced_arg_t;

static int fenced_tx(meta_tx_t *tx, void *arg, err_t *err)
{
    fenced_arg_t *a = arg;
    meta_job_t *j;
    int rc = meta_get(tx, META_JOB, a->f->job_id, meta_tx_arena(tx), &j, err);
    if (rc != 0)
        return rc;
    if (j->fencing_token != a->f->token || !j->owner_node || strcmp(j->owner_node, a->f->node) != 0) {
        err_set(err, ERRCODE_T_R_SERIALIZATION_FAILURE,
                "job %lld is now run by %s with fencing token %lld; this run (%s, token %lld) may not write",
                (long long)j->h.id, j->owner_node ? j->owner_node : "nobody", (long long)j->fencing_token,
                a->f->node, (long long)a->f->token);
        return JOB_EFENCED;
    }
    int st = job_state_parse(j->status);
    if (!(st == JOB_RUNNING || (st >= 0 && (a->f->allow & (1u << st))))) {
        err_set(err, ERRCODE_QUERY_CANCELED, "job %lld is %s", (long long)j->h.id,
                st < 0 ? j->status : job_state_name((job_state_t)st));
        return JOB_ECANCELLED;
    }
    return a->fn ? a->fn(tx, j, a->arg, err) : 0;
}

int job__fenced(meta_store_t *s, const job_fence_t *f, job_fenced_fn fn, void *arg, err_t *err)
{
    fenced_arg_t a = { f, fn, arg };
    return meta_run(s, 0, fenced_tx, &a, err);
}

typedef struct claim_arg {
    int64_t id;
    const char *node;
    int64_t token;
    job_state_t state;
    int from_step;
} claim_arg_t;

static int claim_tx(meta_tx_t *tx, void *arg, err_t *err)
{
    claim_arg_t *a = arg;
    mem_arena_t *ar = meta_tx_arena(tx);
    meta_job_t *j;
    int rc = meta_get(tx, META_JOB, a->id, ar, &j, err);
    if (rc != 0)
        return rc;
    int st = job_state_parse(j->status);
    bool ok = st == JOB_READY || st == JOB_RUNNING || (st == JOB_DISCARDED && j->finished == 0);
    if (!ok || is_lease(j)) {
        err_set(err, ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE, "job %lld is %s", (long long)a->id, j->status);
        return JOB_ESTATE;
    }
    if (j->fencing_token > a->token) {
        err_set(err, ERRCODE_T_R_SERIALIZATION_FAILURE,
                "job %lld holds fencing token %lld, newer than ours (%lld)", (long long)a->id,
                (long long)j->fencing_token, (long long)a->token);
        return JOB_EFENCED;
    }
    meta_job_step_t *steps;
    size_t n;
    if ((rc = meta_list(tx, META_JOB_STEP, a->id, ar, &steps, &n, err)) != 0)
        return rc;
    a->from_step = (int)n;
    for (size_t i = 0; i < n; i++) {
        if (job_state_parse(steps[i].status) != JOB_SUCCEED && steps[i].step_no < a->from_step)
            a->from_step = steps[i].step_no;
    }
    if (st == JOB_READY) {
        j->status = job__state_stored(JOB_RUNNING);
        if (!j->started)
            j->started = job__now_ms();
    }
    j->owner_node = a->node;
    j->fencing_token = a->token;
    a->state = st == JOB_DISCARDED ? JOB_DISCARDED : JOB_RUNNING;
    return meta_put(tx, META_JOB, j, err);
}

int job__claim(meta_store_t *s, int64_t id, const char *node, int64_t token, job_state_t *state, int *from_step,
               err_t *err)
{
    claim_arg_t a = { id, node, token, JOB_READY, 0 };
    int rc = meta_run(s, 0, claim_tx, &a, err);
    if (rc == 0) {
        *state = a.state;
        *from_step = a.from_step;
    }
    return rc;
}

int job__candidates(meta_store_t *s, mem_arena_t *arena, int64_t **ids, job_state_t **states, size_t *n,
                    err_t *err)
{
    meta_tx_t *tx;
    int rc = begin_read(s, &tx, err);
    if (rc != 0)
        return rc;
    meta_job_t *rows;
    size_t nr;
    rc = meta_list(tx, META_JOB, 0, arena, &rows, &nr, err);
    meta_rollback(tx);
    if (rc != 0)
        return rc;
    *ids = MEM_NEW_N(arena, int64_t, nr ? nr : 1);
    *states = MEM_NEW_N(arena, job_state_t, nr ? nr : 1);
    size_t k = 0;
    for (size_t i = 0; i < nr; i++) { /* meta_list returns rows by id: oldest first */
        if (is_lease(&rows[i]))
            continue;
        int st = job_state_parse(rows[i].status);
        if (st == JOB_READY || st == JOB_RUNNING || (st == JOB_DISCARDED && rows[i].finished == 0)) {
            (*ids)[k] = rows[i].h.id;
            (*states)[k] = (job_state_t)st;
            k++;
        }
    }
    *n = k;
    return 0;
}

/* ------------------------------------------------------------ lease */

typedef struct lease_arg {
    const char *node;
    int64_t lease_ms;
    int64_t epoch;     /* in: ours (renew/release); out: the new one (acquire) */
    int op;            /* 0 acquire, 1 renew, 2 release */
    char holder[JOB_NODE_MAX];
    int64_t expiry;
} lease_arg_t;

static int lease_tx(meta_tx_t *tx, void *arg, err_t *err)
{
    lease_arg_t *a = arg;
    meta_job_t *j = NULL;
    int64_t now = job__now_ms();
    err_t e = { 0 };
    int rc = meta_find(tx, META_JOB, 0, JOB_LEASE_NAME, meta_tx_arena(tx), &j, &e);
    if (rc == META_NOT_FOUND) {
        if (a->op != 0) {
            err_set(err, ERRCODE_T_R_SERIALIZATION_FAILURE, "the scheduler lease is gone");
            return JOB_EFENCED;
        }
        meta_job_t n = { 0 };
        n.name = JOB_LEASE_NAME;
        n.kind = JOB_LEASE_KIND;
        n.status = JOB_LEASE_KIND;
        n.owner_node = a->node;
        n.fencing_token = 1;
        n.started = now;
        n.finished = now + a->lease_ms;
        if ((rc = meta_put(tx, META_JOB, &n, err)) != 0)
            return rc;
        a->epoch = 1;
        a->expiry = n.finished;
        return 0;
    }
    if (rc != 0) {
        *err = e;
        return rc;
    }
    bool mine = j->owner_node && strcmp(j->owner_node, a->node) == 0 && j->fencing_token == a->epoch;
    if (a->op == 1 || a->op == 2) {
        if (!mine) {
            snprintf(a->holder, sizeof a->holder, "%s", j->owner_node ? j->owner_node : "");
            err_set(err, ERRCODE_T_R_SERIALIZATION_FAILURE,
                    "the scheduler lease was taken over by %s (epoch %lld)", a->holder, (long long)j->fencing_token);
            return JOB_EFENCED;
        }
        j->finished = a->op == 1 ? now + a->lease_ms : 0;
        a->expiry = j->finished;
        return meta_put(tx, META_JOB, j, err);
    }
    if (j->finished > now) {
        snprintf(a->holder, sizeof a->holder, "%s", j->owner_node ? j->owner_node : "");
        a->expiry = j->finished;
        return JOB_ESTATE;
    }
    /* Expired (or released): take it with a new epoch, even when the old
     * holder has our name (an earlier incarnation of this node). */
    snprintf(a->holder, sizeof a->holder, "%s", j->owner_node ? j->owner_node : "");
    j->owner_node = a->node;
    j->fencing_token++;
    j->started = now;
    j->finished = now + a->lease_ms;
    if ((rc = meta_put(tx, META_JOB, j, err)) != 0)
        return rc;
    a->epoch = j->fencing_token;
    a->expiry = j->finished;
    return 0;
}

int job__lease_acquire(meta_store_t *s, const char *node, int64_t lease_ms, int64_t *epoch, char *holder,
                       size_t holder_n, int64_t *expiry, err_t *err)
{
    lease_arg_t a = { .node = node, .lease_ms = lease_ms, .op = 0 };
    int rc = meta_run(s, 0, lease_tx, &a, err);
    if (holder && holder_n)
        snprintf(holder, holder_n, "%s", a.holder);
    if (expiry)
        *expiry = a.expiry;
    if (rc == 0)
        *epoch = a.epoch;
    return rc;
}

int job__lease_renew(meta_store_t *s, const char *node, int64_t epoch, int64_t lease_ms, err_t *err)
{
    lease_arg_t a = { .node = node, .lease_ms = lease_ms, .epoch = epoch, .op = 1 };
    return meta_run(s, 0, lease_tx, &a, err);
}

int job__lease_release(meta_store_t *s, const char *node, int64_t epoch, err_t *err)
{
    lease_arg_t a = { .node = node, .epoch = epoch, .op = 2 };
    return meta_run(s, 0, lease_tx, &a, err);
}

static int stamp_tx(meta_tx_t *tx, meta_job_t *job, void *arg, err_t *err)
{
    (void)arg;
    job->finished = job__now_ms();
    return meta_put(tx, META_JOB, job, err);
}

int job__stamp_finished(meta_store_t *s, const job_fence_t *f, err_t *err)
{
    return job__fenced(s, f, stamp_tx, NULL, err);
}
