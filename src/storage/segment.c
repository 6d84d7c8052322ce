/*
 * segment.c - the segment directory: cuboid and dictionary files, the
 * manifest, atomic publish, and the mmap-based reader.
 *
 * File layouts (all integers little-endian, the only byte order kiln runs
 * on; the magic would not match on a big-endian host):
 *
 *   dicts.kdic   64-byte header {magic "KILNDIC1", u32 version, u32 ndims,
 *                u64 file_bytes, u64 data_checksum, u32 header_bytes,
 *                u32 header_checksum}, then ndims descriptors of 32 bytes
 *                {u8 kind, u8 has_null, u16 0, u32 type, u32 n, u32 0,
 *                u64 offset, u64 bytes}, then 64-byte aligned data: int64[n]
 *                or double[n], or for text u32 offsets[n+1] and the bytes.
 *   c<id>.kcub   64-byte header {magic "KILNCUB1", u32 version (2),
 *                u32 header_bytes, u64 id, u64 nrows, u32 ndims,
 *                u32 nmeasures, u64 file_bytes, u64 data_checksum,
 *                u32 block_shift, u32 header_checksum}, then (ndims +
 *                nmeasures) descriptors of 16 bytes {u16 index, u8 width or
 *                kind, u8 agg, u32 0, u64 0}, then nblocks + 1 u64 block
 *                offsets (the last = file_bytes), then the blocks from the
 *                next 64-byte boundary, contiguous (layout of a block in
 *                storage_int.h). The header checksum covers the block
 *                directory, so structure is trusted without reading data.
 *   fds.kfd      64-byte header {magic "KILNFDS1", u32 version, u32 count,
 *                u64 file_bytes, u64 data_checksum, u32 header_bytes,
 *                u32 header_checksum}, count descriptors of 16 bytes
 *                {u16 child, u16 parent, u32 n, u64 offset}, 64-byte aligned
 *                u32[n] maps.
 *   manifest.kseg  text lines, the last `end <checksum>` covering all
 *                before it.
 *
 * data_checksum chains stor_checksum over the columns in descriptor order
 * (padding excluded); for cuboids over the blocks in order. The reader validates every offset and length against
 * the mapped size before touching data, then the checksums.
 */
#include "storage/segment.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/buf.h"
#include "common/mem.h"
#include "storage_int.h"

#define DICT_MAGIC "KILNDIC1"
#define FDS_MAGIC "KILNFDS1"
#define FDS "fds.kfd"
#define CUB_MAGIC "KILNCUB1"
#define FORMAT_VERSION 1 /* dicts.kdic, fds.kfd */
#define SEG_VERSION 2    /* the manifest: version 2 segments hold version 2 cuboids */
#define CUB_VERSION 2    /* c<id>.kcub: blocks of encoded columns (storage_int.h) */
#define STAGE_BYTES (1u << 20)
#define HDR_BYTES 64
#define ALIGN 64
#define MANIFEST "manifest.kseg"
#define DICTS "dicts.kdic"

/* ---- checksum ---- */

static inline uint64_t rotl(uint64_t x, int r) { return (x << r) | (x >> (64 - r)); }
#define P1 0x9E3779B185EBCA87ULL
#define P2 0xC2B2AE3D27D4EB4FULL
#define P3 0x165667B19E3779F9ULL

static inline uint64_t ld64(const unsigned char *p)
{
    uint64_t v;
    memcpy(&v, p, 8);
    return v;
}

/* stor_checksum - four independent multiply-rotate lanes over 32-byte
 * stripes (xxHash64's structure), so verification runs near memory speed. */
uint64_t stor_checksum(const void *data, size_t n, uint64_t seed)
{
    const unsigned char *p = data, *end = p + n;
    uint64_t h;
    if (n >= 32) {
        uint64_t v1 = seed + P1 + P2, v2 = seed + P2, v3 = seed, v4 = seed - P1;
        const unsigned char *limit = end - 32;
        do {
            v1 = rotl(v1 + ld64(p) * P2, 31) * P1;
            v2 = rotl(v2 + ld64(p + 8) * P2, 31) * P1;
            v3 = rotl(v3 + ld64(p + 16) * P2, 31) * P1;
            v4 = rotl(v4 + ld64(p + 24) * P2, 31) * P1;
            p += 32;
        } while (p <= limit);
        h = rotl(v1, 1) + rotl(v2, 7) + rotl(v3, 12) + rotl(v4, 18);
        h = (h ^ rotl(v1 * P2, 31) * P1) * P1 + P3;
        h = (h ^ rotl(v2 * P2, 31) * P1) * P1 + P3;
        h = (h ^ rotl(v3 * P2, 31) * P1) * P1 + P3;
        h = (h ^ rotl(v4 * P2, 31) * P1) * P1 + P3;
    } else {
        h = seed + P3;
    }
    h += (uint64_t)n;
    while (p + 8 <= end) {
        h ^= rotl(ld64(p) * P2, 31) * P1;
        h = rotl(h, 27) * P1 + P3;
        p += 8;
    }
    while (p < end) {
        h ^= (*p++) * P3;
        h = rotl(h, 11) * P1;
    }
    h ^= h >> 33;
    h *= P2;
    h ^= h >> 29;
    h *= P3;
    h ^= h >> 32;
    return h;
}

/* ---- little helpers ---- */

static inline void put32(unsigned char *p, uint32_t v) { memcpy(p, &v, 4); }
static inline void put64(unsigned char *p, uint64_t v) { memcpy(p, &v, 8); }
static inline void put16(unsigned char *p, uint16_t v) { memcpy(p, &v, 2); }
static inline uint32_t get32(const unsigned char *p) { uint32_t v; memcpy(&v, p, 4); return v; }
static inline uint64_t get64(const unsigned char *p) { uint64_t v; memcpy(&v, p, 8); return v; }
static inline uint16_t get16(const unsigned char *p) { uint16_t v; memcpy(&v, p, 2); return v; }
static inline uint64_t align_up(uint64_t x) { return (x + ALIGN - 1) & ~(uint64_t)(ALIGN - 1); }

static uint32_t header_checksum(const unsigned char *hdr, size_t n)
{
    /* The checksum field (bytes 60..63 of the 64-byte header) counts as zero. */
    unsigned char tmp[HDR_BYTES];
    memcpy(tmp, hdr, HDR_BYTES);
    put32(tmp + 60, 0);
    uint64_t h = stor_checksum(tmp, HDR_BYTES, 0);
    h = stor_checksum(hdr + HDR_BYTES, n - HDR_BYTES, h);
    return (uint32_t)h;
}

static int io_error(err_t *err, const char *what, const char *path)
{
    int e = errno;
    err_set(err, e == ENOSPC ? ERRCODE_DISK_FULL : ERRCODE_IO_ERROR,
            "could not %s \"%s\": %s", what, path, strerror(e));
    return -1;
}

static int write_all(int fd, const void *p, size_t n, uint64_t off)
{
    const char *c = p;
    while (n > 0) {
        ssize_t w = pwrite(fd, c, n, (off_t)off);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        c += w;
        n -= (size_t)w;
        off += (uint64_t)w;
    }
    return 0;
}

/* start_writeback - asks the kernel to start writing fd's dirty pages
 * without waiting for them (fsync where that is not available). */
static int start_writeback(int fd)
{
#ifdef SYNC_FILE_RANGE_WRITE
    if (sync_file_range(fd, 0, 0, SYNC_FILE_RANGE_WRITE) == 0)
        return 0;
    if (errno != ENOSYS && errno != EINVAL && errno != ESPIPE)
        return -1;
#endif
    return fsync(fd);
}

static int fsync_path(const char *path, err_t *err)
{
    int fd = open(path, O_RDONLY | O_DIRECTORY);
    if (fd < 0)
        return io_error(err, "open directory", path);
    if (fsync(fd) < 0 && errno != EINVAL) {
        io_error(err, "fsync directory", path);
        close(fd);
        return -1;
    }
    close(fd);
    return 0;
}

/* rm_tree - removes a directory of plain files (segments have no subdirs). */
static int rm_tree(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return errno == ENOENT ? 0 : -1;
    struct dirent *e;
    char path[PATH_MAX];
    while ((e = readdir(d)) != NULL) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        unlink(path);
    }
    closedir(d);
    return rmdir(dir);
}

/* ---- writer ---- */

typedef struct wcuboid {
    uint64_t id, rows, bytes, checksum;
} wcuboid_t;

struct stor_writer {
    mem_arena_t *arena;
    char *dir, *tmp;
    int ndims, nmeasures;
    stor_dim_schema_t *dims;
    stor_measure_schema_t *measures;
    int *rowkey;
    int width[STOR_MAX_DIMS];
    bool have_dicts;
    uint32_t ncodes[STOR_MAX_DIMS];
    int nfds;
    pthread_mutex_t lock;
    wcuboid_t *cuboids;
    size_t ncuboids, cap;
    char *info;     /* "key value\n" lines */
    size_t info_len;
    int failed;
    /* The syncer: a thread that fsyncs and closes each cuboid file once it
     * is written (put_cuboid queues its fd), so the commit does not wait
     * for one fsync per file at the end (SF 10: 199 files, 0.25 s), while
     * the workers compute the next cuboids. Under lock. */
    struct {
        pthread_t th;
        bool started, stop;
        pthread_cond_t cv;
        struct { int fd; uint64_t id; } *q; /* the files to fsync: fd, cuboid */
        size_t n, cap;
        int err;        /* the first failed fsync's errno, 0 none */
        uint64_t err_id;
    } sync;
};

static atomic_uint writer_seq;

static void *syncer_main(void *arg)
{
    stor_writer_t *w = arg;
    pthread_mutex_lock(&w->lock);
    for (;;) {
        if (w->sync.n == 0) {
            if (w->sync.stop)
                break;
            pthread_cond_wait(&w->sync.cv, &w->lock);
            continue;
        }
        int fd = w->sync.q[--w->sync.n].fd;
        uint64_t id = w->sync.q[w->sync.n].id;
        bool skip = w->sync.err != 0 || w->failed;
        pthread_mutex_unlock(&w->lock);
        int e = 0;
        if (!skip && fsync(fd) < 0)
            e = errno;
        close(fd);
        pthread_mutex_lock(&w->lock);
        if (e && !w->sync.err) {
            w->sync.err = e;
            w->sync.err_id = id;
        }
    }
    pthread_mutex_unlock(&w->lock);
    return NULL;
}

/* sync_later - hands fd (of cuboid id, written) to the syncer, which
 * fsyncs and closes it; false (fd untouched) when no syncer runs. */
static bool sync_later(stor_writer_t *w, int fd, uint64_t id)
{
    pthread_mutex_lock(&w->lock);
    if (!w->sync.started && !w->sync.stop) {
        pthread_cond_init(&w->sync.cv, NULL);
        w->sync.started = pthread_create(&w->sync.th, NULL, syncer_main, w) == 0;
        if (!w->sync.started) {
            pthread_cond_destroy(&w->sync.cv);
            w->sync.stop = true; /* do not try again: fsync at the commit */
        }
    }
    bool queued = w->sync.started;
    if (queued) {
        if (w->sync.n == w->sync.cap) {
            w->sync.cap = w->sync.cap ? 2 * w->sync.cap : 64;
            w->sync.q = mem_realloc(w->sync.q, w->sync.cap * sizeof *w->sync.q);
        }
        w->sync.q[w->sync.n].fd = fd;
        w->sync.q[w->sync.n++].id = id;
        pthread_cond_signal(&w->sync.cv);
    }
    pthread_mutex_unlock(&w->lock);
    return queued;
}

/* sync_finish - waits for the syncer to fsync and close every file queued;
 * its first failure's errno, 0 when none. */
static int sync_finish(stor_writer_t *w, uint64_t *err_id)
{
    pthread_mutex_lock(&w->lock);
    bool started = w->sync.started;
    w->sync.stop = true;
    if (started) /* the condition exists only while the syncer does */
        pthread_cond_signal(&w->sync.cv);
    pthread_mutex_unlock(&w->lock);
    if (started) {
        pthread_join(w->sync.th, NULL);
        pthread_cond_destroy(&w->sync.cv);
        w->sync.started = false;
    }
    *err_id = w->sync.err_id;
    return w->sync.err;
}

const char *stor_writer_tmp_dir(const stor_writer_t *w) { return w->tmp; }

static bool name_ok(const char *s)
{
    return s && *s && !strchr(s, '\n') && !strchr(s, '\r');
}

int stor_writer_begin(const char *dir, const stor_schema_t *schema, stor_writer_t **out,
                      err_t *err)
{
    *out = NULL;
    if (schema->ndims < 1 || schema->ndims > STOR_MAX_DIMS)
        return err_set(err, ERRCODE_TOO_MANY_COLUMNS, "a segment has 1 to %d dimensions, not %d",
                       STOR_MAX_DIMS, schema->ndims);
    uint64_t seen = 0;
    for (int i = 0; i < schema->ndims; i++) {
        int r = schema->rowkey ? schema->rowkey[i] : i;
        if (r < 0 || r >= schema->ndims || (seen >> r & 1))
            return err_set(err, ERRCODE_INTERNAL_ERROR, "segment rowkey order is not a permutation");
        seen |= 1ULL << r;
        if (!name_ok(schema->dims[i].name) || !stor_kind_of_type(schema->dims[i].type))
            return err_set(err, ERRCODE_FEATURE_NOT_SUPPORTED,
                           "dimension %d has a name or type a segment cannot store", i);
    }
    for (int m = 0; m < schema->nmeasures; m++)
        if (!name_ok(schema->measures[m].name))
            return err_set(err, ERRCODE_INTERNAL_ERROR, "measure %d has no usable name", m);
    struct stat st;
    if (stat(dir, &st) == 0)
        return err_set(err, ERRCODE_DUPLICATE_OBJECT, "segment directory \"%s\" already exists", dir);

    mem_arena_t *a = mem_arena_new(NULL, "stor_writer", 0);
    stor_writer_t *w = MEM_NEW(a, stor_writer_t);
    w->arena = a;
    w->dir = mem_astrdup(a, dir);
    w->tmp = mem_asprintf(a, "%s.tmp-%ld-%u", dir, (long)getpid(), atomic_fetch_add(&writer_seq, 1));
    w->ndims = schema->ndims;
    w->nmeasures = schema->nmeasures;
    w->dims = MEM_NEW_N(a, stor_dim_schema_t, schema->ndims);
    w->rowkey = MEM_NEW_N(a, int, schema->ndims);
    for (int i = 0; i < schema->ndims; i++) {
        w->dims[i].name = mem_astrdup(a, schema->dims[i].name);
        w->dims[i].type = schema->dims[i].type;
        w->rowkey[i] = schema->rowkey ? schema->rowkey[i] : i;
    }
    w->measures = MEM_NEW_N(a, stor_measure_schema_t, schema->nmeasures + 1);
    for (int m = 0; m < schema->nmeasures; m++) {
        w->measures[m] = schema->measures[m];
        w->measures[m].name = mem_astrdup(a, schema->measures[m].name);
    }
    pthread_mutex_init(&w->lock, NULL);
    if (mkdir(w->tmp, 0755) < 0) {
        io_error(err, "create directory", w->tmp);
        pthread_mutex_destroy(&w->lock);
        mem_arena_free(a);
        return -1;
    }
    *out = w;
    return 0;
}

int stor_writer_code_width(const stor_writer_t *w, int d)
{
    return w->width[d];
}

void stor_writer_set_info(stor_writer_t *w, const char *key, const char *value)
{
    pthread_mutex_lock(&w->lock);
    size_t need = strlen(key) + strlen(value) + 3;
    w->info = mem_realloc(w->info, w->info_len + need + 1);
    w->info_len += (size_t)snprintf(w->info + w->info_len, need + 1, "%s %s\n", key, value);
    pthread_mutex_unlock(&w->lock);
}

/* write_file - creates path with the header+descriptors hdr and the given
 * columns at their offsets, then fsyncs it. */
static int write_file(const char *path, const unsigned char *hdr, size_t hdr_len, int ncols,
                      const void *const *cols, const uint64_t *offs, const uint64_t *lens,
                      uint64_t file_bytes, err_t *err)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd < 0)
        return io_error(err, "create file", path);
    if (write_all(fd, hdr, hdr_len, 0) < 0)
        goto fail;
    for (int i = 0; i < ncols; i++)
        if (lens[i] && write_all(fd, cols[i], lens[i], offs[i]) < 0)
            goto fail;
    if (ftruncate(fd, (off_t)file_bytes) < 0 || fsync(fd) < 0)
        goto fail;
    if (close(fd) < 0)
        return io_error(err, "close file", path);
    return 0;
fail:
    io_error(err, "write file", path);
    close(fd);
    return -1;
}

int stor_writer_put_dicts(stor_writer_t *w, const stor_dict_src_t *dicts, err_t *err)
{
    int n = w->ndims;
    size_t hdr_len = HDR_BYTES + 32 * (size_t)n;
    mem_arena_t *tmp = mem_arena_new(w->arena, "dicts", 0);
    unsigned char *hdr = mem_alloc0(tmp, hdr_len);
    /* Text dictionaries need their offsets and bytes packed; numbers are
     * written straight from the caller's arrays. Two columns per dimension. */
    const void **cols = MEM_NEW_N(tmp, const void *, 2 * n);
    uint64_t *offs = MEM_NEW_N(tmp, uint64_t, 2 * n), *lens = MEM_NEW_N(tmp, uint64_t, 2 * n);
    uint64_t pos = align_up(hdr_len), checksum = 0;
    int rc = -1;
    for (int d = 0; d < n; d++) {
        const stor_dict_src_t *s = &dicts[d];
        if (s->kind != stor_kind_of_type(w->dims[d].type)) {
            err_set(err, ERRCODE_INTERNAL_ERROR, "dictionary of dimension \"%s\" has the wrong kind",
                    w->dims[d].name);
            goto out;
        }
        uint64_t start = pos, bytes = 0;
        if (s->kind == STOR_KIND_INT || s->kind == STOR_KIND_FLOAT) {
            for (uint32_t i = 1; i < s->n; i++) {
                int bad = s->kind == STOR_KIND_INT ? s->ints[i - 1] >= s->ints[i]
                                                   : storage__float_cmp(s->floats[i - 1], s->floats[i]) >= 0;
                if (bad) {
                    err_set(err, ERRCODE_INTERNAL_ERROR, "dictionary of \"%s\" is not sorted", w->dims[d].name);
                    goto out;
                }
            }
            cols[2 * d] = s->kind == STOR_KIND_INT ? (const void *)s->ints : (const void *)s->floats;
            lens[2 * d] = bytes = 8 * (uint64_t)s->n;
            offs[2 * d] = pos;
        } else {
            uint32_t *o = MEM_NEW_N(tmp, uint32_t, s->n + 1);
            uint64_t total = 0;
            for (uint32_t i = 0; i < s->n; i++) {
                o[i] = (uint32_t)total;
                total += s->text_lens[i];
                if (total > UINT32_MAX) {
                    err_set(err, ERRCODE_PROGRAM_LIMIT_EXCEEDED,
                            "dictionary of \"%s\" holds more than 4 GB of text", w->dims[d].name);
                    goto out;
                }
                if (i > 0) {
                    uint32_t la = s->text_lens[i - 1], lb = s->text_lens[i];
                    int c = memcmp(s->texts[i - 1], s->texts[i], la < lb ? la : lb);
                    if (c > 0 || (c == 0 && la >= lb)) {
                        err_set(err, ERRCODE_INTERNAL_ERROR, "dictionary of \"%s\" is not sorted",
                                w->dims[d].name);
                        goto out;
                    }
                }
            }
            o[s->n] = (uint32_t)total;
            char *b = mem_alloc(tmp, total + 1);
            for (uint32_t i = 0; i < s->n; i++)
                memcpy(b + o[i], s->texts[i], s->text_lens[i]);
            cols[2 * d] = o;
            offs[2 * d] = pos;
            lens[2 * d] = 4 * ((uint64_t)s->n + 1);
            cols[2 * d + 1] = b;
            offs[2 * d + 1] = pos + lens[2 * d];
            lens[2 * d + 1] = total;
            bytes = lens[2 * d] + total;
        }
        checksum = stor_checksum(cols[2 * d], lens[2 * d], checksum);
        if (lens[2 * d + 1])
            checksum = stor_checksum(cols[2 * d + 1], lens[2 * d + 1], checksum);
        unsigned char *de = hdr + HDR_BYTES + 32 * d;
        de[0] = (unsigned char)s->kind;
        de[1] = s->has_null;
        put32(de + 4, w->dims[d].type);
        put32(de + 8, s->n);
        put64(de + 16, start);
        put64(de + 24, bytes);
        pos = d + 1 < n ? align_up(start + bytes) : start + bytes;
        w->width[d] = storage__code_width(s->n + (s->has_null ? 1 : 0));
        w->ncodes[d] = s->n + (s->has_null ? 1 : 0);
    }
    memcpy(hdr, DICT_MAGIC, 8);
    put32(hdr + 8, FORMAT_VERSION);
    put32(hdr + 12, (uint32_t)n);
    put64(hdr + 16, pos);
    put64(hdr + 24, checksum);
    put32(hdr + 32, (uint32_t)hdr_len);
    put32(hdr + 60, header_checksum(hdr, hdr_len));
    char *path = mem_asprintf(tmp, "%s/" DICTS, w->tmp);
    rc = write_file(path, hdr, hdr_len, 2 * n, cols, offs, lens, pos, err);
    if (rc == 0)
        w->have_dicts = true;
out:
    mem_arena_free(tmp);
    if (rc < 0)
        w->failed = 1;
    return rc;
}

int stor_writer_put_fds(stor_writer_t *w, int n, const stor_fd_t *fds, err_t *err)
{
    if (!w->have_dicts)
        return err_set(err, ERRCODE_INTERNAL_ERROR, "dependencies written before the dictionaries");
    if (n <= 0)
        return 0;
    size_t hdr_len = HDR_BYTES + 16 * (size_t)n;
    unsigned char *hdr = mem_calloc(1, hdr_len);
    const void **cols = mem_calloc((size_t)n, sizeof *cols);
    uint64_t *offs = mem_calloc((size_t)n, 8), *lens = mem_calloc((size_t)n, 8);
    uint64_t pos = align_up(hdr_len), checksum = 0;
    int rc = -1;
    for (int i = 0; i < n; i++) {
        const stor_fd_t *f = &fds[i];
        if (f->child < 0 || f->child >= w->ndims || f->parent < 0 || f->parent >= w->ndims ||
            f->n != w->ncodes[f->child]) {
            err_set(err, ERRCODE_INTERNAL_ERROR, "bad functional dependency %d", i);
            goto out;
        }
        for (uint32_t c = 0; c < f->n; c++)
            if (f->parent_code[c] >= w->ncodes[f->parent]) {
                err_set(err, ERRCODE_INTERNAL_ERROR, "functional dependency %d maps past its parent", i);
                goto out;
            }
        unsigned char *de = hdr + HDR_BYTES + 16 * i;
        put16(de, (uint16_t)f->child);
        put16(de + 2, (uint16_t)f->parent);
        put32(de + 4, f->n);
        put64(de + 8, pos);
        cols[i] = f->parent_code;
        offs[i] = pos;
        lens[i] = 4 * (uint64_t)f->n;
        checksum = stor_checksum(cols[i], lens[i], checksum);
        pos = i + 1 < n ? align_up(pos + lens[i]) : pos + lens[i];
    }
    memcpy(hdr, FDS_MAGIC, 8);
    put32(hdr + 8, FORMAT_VERSION);
    put32(hdr + 12, (uint32_t)n);
    put64(hdr + 16, pos);
    put64(hdr + 24, checksum);
    put32(hdr + 32, (uint32_t)hdr_len);
    put32(hdr + 60, header_checksum(hdr, hdr_len));
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/" FDS, w->tmp);
    rc = write_file(path, hdr, hdr_len, n, cols, offs, lens, pos, err);
    if (rc == 0)
        w->nfds = n;
out:
    if (rc < 0)
        w->failed = 1;
    mem_free(hdr);
    mem_free(cols);
    mem_free(offs);
    mem_free(lens);
    return rc;
}

/* Cuboid data goes to the file with O_DIRECT where the file system takes
 * it: the bytes go from the staging buffer to the device without a copy
 * into the page cache, which at SF 10 (4.3 GB of cuboids) was a tenth of
 * the build's CPU, and the kernel has no dirty pages to write back. O_DIRECT
 * wants the buffer, the file offset and the length aligned; the staging
 * buffer is aligned and holds file bytes from an aligned offset, and only
 * whole aligned units are written until the last, zero-padded one (the
 * file is then truncated to its length). Where O_DIRECT is refused, the
 * writes are buffered, as before. */
#define DIO_ALIGN 4096

/* dio_write - writes n bytes at off, leaving O_DIRECT for buffered
 * writes if the file system refuses a direct one. */
static int dio_write(int fd, int *direct, const void *p, size_t n, uint64_t off)
{
    if (*direct && write_all(fd, p, n, off) == 0)
        return 0;
    if (*direct && errno != EINVAL)
        return -1;
    if (*direct) {
        int fl = fcntl(fd, F_GETFL);
        if (fl < 0 || fcntl(fd, F_SETFL, fl & ~O_DIRECT) < 0)
            return -1;
        *direct = 0;
    }
    return write_all(fd, p, n, off);
}

/* The stage: two aligned buffers. A direct write waits for the device
 * (1 MB at ~1.3 GB/s here), so past the first flush a writer thread takes
 * the full buffer while the caller encodes into the other one; the device
 * and the encoder then overlap, as the kernel's writeback overlapped them
 * with buffered writes. Buffered writes stay on the caller's thread. */
typedef struct stage {
    int fd, direct;
    unsigned char *mem, *buf[2];
    int cur;           /* the buffer being filled */
    size_t len;        /* its bytes, file bytes from off */
    uint64_t off;      /* a multiple of DIO_ALIGN */
    /* the writer thread (started at the first flush of a direct stage) */
    bool started, busy, stop;
    int werr;          /* errno of its first failed write, 0 */
    const unsigned char *jp;
    size_t jn;
    uint64_t joff;
    pthread_t th;
    pthread_mutex_t mu;
    pthread_cond_t cv;
} stage_t;

static void *stage_writer(void *arg)
{
    stage_t *st = arg;
    pthread_mutex_lock(&st->mu);
    for (;;) {
        while (!st->busy && !st->stop)
            pthread_cond_wait(&st->cv, &st->mu);
        if (!st->busy)
            break;
        const unsigned char *p = st->jp;
        size_t n = st->jn;
        uint64_t off = st->joff;
        pthread_mutex_unlock(&st->mu);
        int rc = dio_write(st->fd, &st->direct, p, n, off), e = errno;
        pthread_mutex_lock(&st->mu);
        if (rc < 0 && !st->werr)
            st->werr = e ? e : EIO;
        st->busy = false;
        pthread_cond_broadcast(&st->cv);
    }
    pthread_mutex_unlock(&st->mu);
    return NULL;
}

/* stage_wait - waits for the writer's job; -1 (errno set) if a write failed. */
static int stage_wait(stage_t *st)
{
    if (!st->started)
        return 0;
    pthread_mutex_lock(&st->mu);
    while (st->busy)
        pthread_cond_wait(&st->cv, &st->mu);
    int e = st->werr;
    pthread_mutex_unlock(&st->mu);
    if (e) {
        errno = e;
        return -1;
    }
    return 0;
}

static void stage_init(stage_t *st, int fd, int direct, size_t cap, size_t lead)
{
    memset(st, 0, sizeof *st);
    st->fd = fd;
    st->direct = direct;
    st->mem = mem_malloc(2 * (cap + 2 * DIO_ALIGN));
    for (int i = 0; i < 2; i++) {
        uintptr_t b = (uintptr_t)st->mem + (uintptr_t)i * (cap + 2 * DIO_ALIGN);
        st->buf[i] = (unsigned char *)((b + DIO_ALIGN - 1) & ~(uintptr_t)(DIO_ALIGN - 1));
    }
    /* the stage starts at the aligned offset below the first block; the
     * header's bytes in it are zeros until the header is written last */
    st->len = lead % DIO_ALIGN;
    st->off = lead - st->len;
    memset(st->buf[0], 0, st->len);
}

/* stage_flush - writes the staged bytes: all of them, zero-padded to
 * DIO_ALIGN, when last is set (and waits for them); otherwise the whole
 * DIO_ALIGN units, in the background where the writes are direct, the
 * rest moved to the front of the other buffer. */
static int stage_flush(stage_t *st, bool last)
{
    unsigned char *b = st->buf[st->cur];
    size_t n = st->len & ~(size_t)(DIO_ALIGN - 1);
    if (last && n < st->len) {
        memset(b + st->len, 0, n + DIO_ALIGN - st->len);
        n += DIO_ALIGN;
    }
    if (stage_wait(st) < 0)
        return -1;
    if (n == 0)
        return 0;
    if (last || !st->direct) {
        if (dio_write(st->fd, &st->direct, b, n, st->off) < 0)
            return -1;
    } else {
        if (!st->started) {
            pthread_mutex_init(&st->mu, NULL);
            pthread_cond_init(&st->cv, NULL);
            if (pthread_create(&st->th, NULL, stage_writer, st) != 0) {
                pthread_cond_destroy(&st->cv);
                pthread_mutex_destroy(&st->mu);
                if (dio_write(st->fd, &st->direct, b, n, st->off) < 0)
                    return -1;
                goto moved;
            }
            st->started = true;
        }
        pthread_mutex_lock(&st->mu);
        st->jp = b;
        st->jn = n;
        st->joff = st->off;
        st->busy = true;
        pthread_cond_broadcast(&st->cv);
        pthread_mutex_unlock(&st->mu);
    }
moved:
    st->off += n;
    size_t rest = n >= st->len ? 0 : st->len - n;
    st->cur ^= 1;
    if (rest)
        memcpy(st->buf[st->cur], b + n, rest);
    st->len = rest;
    return 0;
}

/* stage_done - stops the writer thread (after its job) and frees the stage. */
static void stage_done(stage_t *st)
{
    if (st->started) {
        pthread_mutex_lock(&st->mu);
        while (st->busy)
            pthread_cond_wait(&st->cv, &st->mu);
        st->stop = true;
        pthread_cond_broadcast(&st->cv);
        pthread_mutex_unlock(&st->mu);
        pthread_join(st->th, NULL);
        pthread_cond_destroy(&st->cv);
        pthread_mutex_destroy(&st->mu);
        st->started = false;
    }
    mem_free(st->mem);
    st->mem = NULL;
}

int stor_writer_put_cuboid(stor_writer_t *w, uint64_t cuboid, uint64_t nrows,
                           const void *const *dim_cols, const void *const *meas_cols, err_t *err)
{
    if (!w->have_dicts)
        return err_set(err, ERRCODE_INTERNAL_ERROR, "cuboid written before the dictionaries");
    if ((cuboid >> w->ndims) != 0)
        return err_set(err, ERRCODE_INTERNAL_ERROR, "cuboid id %" PRIx64 " is not over this segment's dimensions", cuboid);
    int nd = __builtin_popcountll(cuboid), nm = w->nmeasures, ncols = nd + nm;
    uint32_t brows = 1u << STOR_BLOCK_SHIFT;
    uint64_t nblocks = (nrows + brows - 1) / brows;
    size_t hdr_len = HDR_BYTES + 16 * (size_t)ncols + 8 * ((size_t)nblocks + 1);
    unsigned char *hdr = mem_calloc(1, hdr_len);
    int width[STOR_MAX_DIMS];
    int k = 0;
    for (int r = 0; r < w->ndims; r++) {
        int d = w->rowkey[r];
        if (!(cuboid >> d & 1))
            continue;
        unsigned char *de = hdr + HDR_BYTES + 16 * k;
        put16(de, (uint16_t)d);
        de[2] = (unsigned char)w->width[d];
        width[k] = w->width[d];
        k++;
    }
    for (int m = 0; m < nm; m++, k++) {
        unsigned char *de = hdr + HDR_BYTES + 16 * k;
        put16(de, (uint16_t)m);
        de[2] = (unsigned char)w->measures[m].kind;
        de[3] = (unsigned char)w->measures[m].agg;
    }
    /* Blocks are encoded one at a time straight into a staging buffer, so
     * memory stays at ~1 MB whatever the cuboid's size; the header with the
     * block directory is written last, at offset 0. */
    size_t bound = storage__block_bound(nd, nm, brows);
    uint64_t checksum = 0, pos = align_up(hdr_len);
    stage_t st;
    st.mem = NULL;
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/c%016" PRIx64 ".kcub", w->tmp, cuboid);
    int rc = -1;
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd < 0) {
        io_error(err, "create file", path);
        goto out;
    }
    int fl = fcntl(fd, F_GETFL);
    stage_init(&st, fd, fl >= 0 && fcntl(fd, F_SETFL, fl | O_DIRECT) == 0, STAGE_BYTES + bound, pos);
    for (uint64_t b = 0; b < nblocks; b++) {
        uint64_t lo = b * brows;
        uint32_t n = (uint32_t)(nrows - lo < brows ? nrows - lo : brows);
        unsigned char *at = st.buf[st.cur] + st.len;
        size_t len = storage__encode_block(at, nd, width, dim_cols, nm, meas_cols, lo, n);
        checksum = stor_checksum(at, len, checksum);
        put64(hdr + HDR_BYTES + 16 * (size_t)ncols + 8 * b, pos);
        pos += len;
        st.len += len;
        if (st.len >= STAGE_BYTES && stage_flush(&st, false) < 0)
            goto io_fail;
    }
    if (stage_flush(&st, true) < 0)
        goto io_fail;
    /* The header is a partial unit: written through the page cache. */
    if (st.direct && ((fl = fcntl(fd, F_GETFL)) < 0 || fcntl(fd, F_SETFL, fl & ~O_DIRECT) < 0))
        goto io_fail;
    put64(hdr + HDR_BYTES + 16 * (size_t)ncols + 8 * nblocks, pos);
    memcpy(hdr, CUB_MAGIC, 8);
    put32(hdr + 8, CUB_VERSION);
    put32(hdr + 12, (uint32_t)hdr_len);
    put64(hdr + 16, cuboid);
    put64(hdr + 24, nrows);
    put32(hdr + 32, (uint32_t)nd);
    put32(hdr + 36, (uint32_t)nm);
    put64(hdr + 40, pos);
    put64(hdr + 48, checksum);
    put32(hdr + 56, STOR_BLOCK_SHIFT);
    put32(hdr + 60, header_checksum(hdr, hdr_len));
    /* Durable before the segment is published, not now: writeback starts
     * here and the syncer fsyncs the file (stor_writer_commit waits for
     * it), so a build does not wait for the disk after each cuboid (the
     * disk writes while the next ones compute). */
    if (write_all(fd, hdr, hdr_len, 0) < 0 || ftruncate(fd, (off_t)pos) < 0 || start_writeback(fd) < 0)
        goto io_fail;
    if (!sync_later(w, fd, cuboid)) {
        if (fsync(fd) < 0)
            goto io_fail;
        if (close(fd) < 0) {
            io_error(err, "close file", path);
            goto out;
        }
    }
    rc = 0;
    goto out;
io_fail:
    io_error(err, "write file", path);
    stage_done(&st); /* before the close: the writer may hold a job on fd */
    close(fd);
out:
    if (st.mem)
        stage_done(&st);
    mem_free(hdr);
    pthread_mutex_lock(&w->lock);
    if (rc == 0) {
        if (w->ncuboids == w->cap) {
            w->cap = w->cap ? 2 * w->cap : 64;
            w->cuboids = mem_realloc(w->cuboids, w->cap * sizeof *w->cuboids);
        }
        w->cuboids[w->ncuboids++] = (wcuboid_t){cuboid, nrows, pos, checksum};
    } else {
        w->failed = 1;
    }
    pthread_mutex_unlock(&w->lock);
    return rc;
}

static int cmp_wcuboid(const void *a, const void *b)
{
    uint64_t x = ((const wcuboid_t *)a)->id, y = ((const wcuboid_t *)b)->id;
    return x < y ? -1 : x > y;
}

static void writer_free(stor_writer_t *w)
{
    uint64_t id;
    (void)sync_finish(w, &id);
    mem_free(w->sync.q);
    pthread_mutex_destroy(&w->lock);
    mem_free(w->cuboids);
    mem_free(w->info);
    mem_arena_free(w->arena);
}

void stor_writer_abort(stor_writer_t *w)
{
    if (!w)
        return;
    pthread_mutex_lock(&w->lock);
    w->failed = 1; /* the syncer closes what is queued without fsyncs */
    pthread_mutex_unlock(&w->lock);
    uint64_t id;
    (void)sync_finish(w, &id);
    rm_tree(w->tmp);
    writer_free(w);
}

int stor_writer_commit(stor_writer_t *w, err_t *err)
{
    if (w->failed || !w->have_dicts) {
        err_set(err, ERRCODE_INTERNAL_ERROR, "segment \"%s\" is incomplete and cannot be published", w->dir);
        stor_writer_abort(w);
        return -1;
    }
    qsort(w->cuboids, w->ncuboids, sizeof *w->cuboids, cmp_wcuboid);
    buf_t b = BUF_INIT;
    buf_printf(&b, "kiln-segment %d\nrowkey", SEG_VERSION);
    for (int i = 0; i < w->ndims; i++)
        buf_printf(&b, " %d", w->rowkey[i]);
    buf_puts(&b, "\n");
    for (int i = 0; i < w->ndims; i++)
        buf_printf(&b, "dim %d %u %s\n", i, (unsigned)w->dims[i].type, w->dims[i].name);
    for (int m = 0; m < w->nmeasures; m++)
        buf_printf(&b, "measure %d %d %d %u %s\n", m, (int)w->measures[m].agg,
                   (int)w->measures[m].kind, (unsigned)w->measures[m].type, w->measures[m].name);
    if (w->nfds)
        buf_printf(&b, "fds %d\n", w->nfds);
    for (size_t i = 0; i < w->ncuboids; i++)
        buf_printf(&b, "cuboid %" PRIx64 " %" PRIu64 " %" PRIu64 " %016" PRIx64 "\n", w->cuboids[i].id,
                   w->cuboids[i].rows, w->cuboids[i].bytes, w->cuboids[i].checksum);
    if (w->info_len) {
        char *line = w->info, *end = w->info + w->info_len;
        while (line < end) {
            char *nl = memchr(line, '\n', (size_t)(end - line));
            buf_puts(&b, "info ");
            buf_append(&b, line, (size_t)(nl - line + 1));
            line = nl + 1;
        }
    }
    buf_printf(&b, "end %016" PRIx64 "\n", stor_checksum(b.data, b.len, 0));

    char path[PATH_MAX], parent[PATH_MAX];
    snprintf(path, sizeof path, "%s/" MANIFEST, w->tmp);
    uint64_t off = 0;
    const void *cols[1] = {b.data};
    uint64_t lens[1] = {b.len};
    int rc = write_file(path, (const unsigned char *)"", 0, 1, cols, &off, lens, b.len, err);
    buf_free(&b);
    /* every cuboid file fsynced (the syncer) before the directory */
    uint64_t bad;
    int se = sync_finish(w, &bad);
    if (rc == 0 && se) {
        char cp[PATH_MAX];
        snprintf(cp, sizeof cp, "%s/c%016" PRIx64 ".kcub", w->tmp, bad);
        errno = se;
        rc = io_error(err, "fsync file", cp);
    }
    if (rc < 0 || fsync_path(w->tmp, err) < 0)
        goto fail;
    if (rename(w->tmp, w->dir) < 0) {
        if (errno == EEXIST || errno == ENOTEMPTY)
            err_set(err, ERRCODE_DUPLICATE_OBJECT, "segment directory \"%s\" already exists", w->dir);
        else
            io_error(err, "publish segment", w->dir);
        goto fail;
    }
    snprintf(parent, sizeof parent, "%s", w->dir);
    char *slash = strrchr(parent, '/');
    if (slash == parent)
        slash[1] = '\0';
    else if (slash)
        *slash = '\0';
    else
        snprintf(parent, sizeof parent, ".");
    /* The rename is done: a failing parent fsync is reported but the
     * directory is already published, so it must not be removed. */
    rc = fsync_path(parent, err);
    writer_free(w);
    return rc;
fail:
    stor_writer_abort(w);
    return -1;
}

int stor_cleanup_tmp(const char *parent)
{
    DIR *d = opendir(parent);
    if (!d)
        return 0;
    int n = 0;
    struct dirent *e;
    char path[PATH_MAX];
    while ((e = readdir(d)) != NULL) {
        if (!strstr(e->d_name, ".tmp-"))
            continue;
        snprintf(path, sizeof path, "%s/%s", parent, e->d_name);
        if (rm_tree(path) == 0)
            n++;
    }
    closedir(d);
    return n;
}

int stor_segment_remove(const char *dir, err_t *err)
{
    char tmp[PATH_MAX];
    snprintf(tmp, sizeof tmp, "%s.tmp-drop-%ld", dir, (long)getpid());
    if (rename(dir, tmp) < 0) {
        if (errno == ENOENT)
            return 0;
        return io_error(err, "remove segment", dir);
    }
    if (rm_tree(tmp) < 0)
        return io_error(err, "remove segment", tmp);
    return 0;
}

/* ---- reader ---- */

typedef struct rcuboid {
    uint64_t id, rows, bytes, checksum;
    stor_cuboid_t *open; /* NULL until first use */
} rcuboid_t;

struct stor_segment {
    mem_arena_t *arena;
    char *dir;
    int flags;
    int ndims, nmeasures;
    stor_dim_schema_t *dims;
    stor_measure_schema_t *measures;
    int rowkey[STOR_MAX_DIMS];
    stor_dict_t *dicts;
    int nfds;
    stor_fd_t *fds;
    int ncuboids;
    rcuboid_t *cuboids;
    char **info_keys, **info_vals;
    int ninfo;
    pthread_mutex_t lock;
};

typedef struct mapping {
    void *p;
    size_t n;
} mapping_t;

static void unmap_cb(void *arg)
{
    mapping_t *m = arg;
    if (m->p && m->n)
        munmap(m->p, m->n);
}

static int corrupt(err_t *err, const char *path, const char *what)
{
    return err_set(err, ERRCODE_DATA_CORRUPTED, "segment file \"%s\" is corrupt: %s", path, what);
}

/* map_file - maps path read-only; the mapping is released with arena a. */
static int map_file(mem_arena_t *a, const char *path, const unsigned char **p, size_t *n, err_t *err)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOENT)
            return err_set(err, ERRCODE_UNDEFINED_FILE, "segment file \"%s\" is missing", path);
        return io_error(err, "open file", path);
    }
    struct stat st;
    if (fstat(fd, &st) < 0) {
        close(fd);
        return io_error(err, "stat file", path);
    }
    *n = (size_t)st.st_size;
    if (*n == 0) {
        close(fd);
        *p = (const unsigned char *)"";
        return 0;
    }
    void *m = mmap(NULL, *n, PROT_READ, MAP_SHARED, fd, 0);
    close(fd);
    if (m == MAP_FAILED)
        return io_error(err, "map file", path);
    mapping_t *mp = MEM_NEW(a, mapping_t);
    mp->p = m;
    mp->n = *n;
    mem_arena_on_free(a, unmap_cb, mp);
    *p = m;
    return 0;
}

static int parse_manifest(stor_segment_t *s, const char *path, const unsigned char *text, size_t n,
                          err_t *err)
{
    /* Find and check the trailing `end <checksum>` line first, so nothing
     * below parses bytes the checksum does not vouch for. */
    if (n < 22 || text[n - 1] != '\n')
        return corrupt(err, path, "truncated manifest");
    const unsigned char *last = text + n - 1;
    while (last > text && last[-1] != '\n')
        last--;
    if ((size_t)(text + n - last) != 21 || memcmp(last, "end ", 4) != 0)
        return corrupt(err, path, "manifest has no end line");
    char hex[17];
    memcpy(hex, last + 4, 16);
    hex[16] = 0;
    if (strtoull(hex, NULL, 16) != stor_checksum(text, (size_t)(last - text), 0))
        return corrupt(err, path, "manifest checksum mismatch");

    mem_arena_t *a = s->arena;
    char *copy = mem_astrndup(a, (const char *)text, (size_t)(last - text));
    int nd = 0, nm = 0, nc = 0, ni = 0;
    for (char *c = copy; *c; c++)
        if (c == copy || c[-1] == '\n') {
            nd += !strncmp(c, "dim ", 4);
            nm += !strncmp(c, "measure ", 8);
            nc += !strncmp(c, "cuboid ", 7);
            ni += !strncmp(c, "info ", 5);
        }
    if (nd < 1 || nd > STOR_MAX_DIMS)
        return corrupt(err, path, "bad dimension count");
    s->ndims = nd;
    s->nmeasures = nm;
    s->dims = MEM_NEW_N(a, stor_dim_schema_t, nd);
    s->measures = MEM_NEW_N(a, stor_measure_schema_t, nm + 1);
    s->cuboids = MEM_NEW_N(a, rcuboid_t, nc + 1);
    s->info_keys = MEM_NEW_N(a, char *, ni + 1);
    s->info_vals = MEM_NEW_N(a, char *, ni + 1);
    int version = 0, nrk = 0;
    char *save = NULL;
    for (char *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        int idx, pos = 0;
        unsigned type;
        int agg, kind;
        if (sscanf(line, "kiln-segment %d", &version) == 1)
            continue;
        if (sscanf(line, "fds %d", &s->nfds) == 1) {
            if (s->nfds < 0 || s->nfds > STOR_MAX_DIMS * STOR_MAX_DIMS)
                return corrupt(err, path, "bad fds line");
            continue;
        }
        if (!strncmp(line, "rowkey", 6)) {
            char *p = line + 6;
            while (nrk < nd) {
                char *e;
                long v = strtol(p, &e, 10);
                if (e == p)
                    break;
                s->rowkey[nrk++] = (int)v;
                p = e;
            }
        } else if (sscanf(line, "dim %d %u %n", &idx, &type, &pos) == 2 && pos) {
            if (idx < 0 || idx >= nd || !stor_kind_of_type(type))
                return corrupt(err, path, "bad dimension line");
            s->dims[idx].name = line + pos;
            s->dims[idx].type = type;
        } else if (sscanf(line, "measure %d %d %d %u %n", &idx, &agg, &kind, &type, &pos) == 4 && pos) {
            if (idx < 0 || idx >= nm || agg < STOR_AGG_SUM || agg > STOR_AGG_MAX ||
                (kind != STOR_KIND_INT && kind != STOR_KIND_FLOAT))
                return corrupt(err, path, "bad measure line");
            s->measures[idx].name = line + pos;
            s->measures[idx].agg = agg;
            s->measures[idx].kind = kind;
            s->measures[idx].type = type;
        } else if (!strncmp(line, "cuboid ", 7)) {
            rcuboid_t *c = &s->cuboids[s->ncuboids];
            if (sscanf(line + 7, "%" SCNx64 " %" SCNu64 " %" SCNu64 " %" SCNx64, &c->id, &c->rows,
                       &c->bytes, &c->checksum) != 4 || (c->id >> nd) != 0)
                return corrupt(err, path, "bad cuboid line");
            if (s->ncuboids > 0 && s->cuboids[s->ncuboids - 1].id >= c->id)
                return corrupt(err, path, "cuboid lines out of order");
            s->ncuboids++;
        } else if (!strncmp(line, "info ", 5)) {
            char *k = line + 5, *sp = strchr(k, ' ');
            if (!sp)
                return corrupt(err, path, "bad info line");
            *sp = '\0';
            s->info_keys[s->ninfo] = k;
            s->info_vals[s->ninfo++] = sp + 1;
        } else {
            return corrupt(err, path, "unknown manifest line");
        }
    }
    if (version != SEG_VERSION)
        return err_set(err, ERRCODE_DATA_CORRUPTED, "segment \"%s\" has format version %d, kiln reads %d",
                       s->dir, version, SEG_VERSION);
    uint64_t seen = 0;
    for (int i = 0; i < nd; i++) {
        if (!s->dims[i].name)
            return corrupt(err, path, "missing dimension line");
        int r = s->rowkey[i];
        if (nrk != nd || r < 0 || r >= nd || (seen >> r & 1))
            return corrupt(err, path, "bad rowkey line");
        seen |= 1ULL << r;
    }
    for (int m = 0; m < nm; m++)
        if (!s->measures[m].name)
            return corrupt(err, path, "missing measure line");
    return 0;
}

static int load_dicts(stor_segment_t *s, err_t *err)
{
    char *path = mem_asprintf(s->arena, "%s/" DICTS, s->dir);
    const unsigned char *p;
    size_t n;
    if (map_file(s->arena, path, &p, &n, err) < 0)
        return -1;
    if (n < HDR_BYTES || memcmp(p, DICT_MAGIC, 8) != 0)
        return corrupt(err, path, "bad magic or truncated header");
    if (get32(p + 8) != FORMAT_VERSION)
        return corrupt(err, path, "unknown version");
    uint32_t nd = get32(p + 12), hdr_len = get32(p + 32);
    if ((int)nd != s->ndims || hdr_len != HDR_BYTES + 32 * nd || hdr_len > n)
        return corrupt(err, path, "header does not match the manifest");
    if (get64(p + 16) != n)
        return corrupt(err, path, "file size does not match its header (truncated?)");
    if (get32(p + 60) != header_checksum(p, hdr_len))
        return corrupt(err, path, "header checksum mismatch");
    s->dicts = MEM_NEW_N(s->arena, stor_dict_t, nd);
    uint64_t checksum = 0;
    for (uint32_t d = 0; d < nd; d++) {
        const unsigned char *de = p + HDR_BYTES + 32 * d;
        stor_dict_t *dict = &s->dicts[d];
        dict->kind = de[0];
        dict->has_null = de[1] != 0;
        dict->type = get32(de + 4);
        dict->n = get32(de + 8);
        uint64_t off = get64(de + 16), bytes = get64(de + 24);
        if (dict->type != s->dims[d].type || dict->kind != stor_kind_of_type(dict->type))
            return corrupt(err, path, "dictionary type does not match the manifest");
        if (off % ALIGN || off < hdr_len || off > n || bytes > n - off)
            return corrupt(err, path, "dictionary extends past the end of the file");
        if (dict->kind == STOR_KIND_TEXT) {
            uint64_t olen = 4 * ((uint64_t)dict->n + 1);
            if (olen > bytes)
                return corrupt(err, path, "text dictionary offsets truncated");
            dict->offs = (const uint32_t *)(p + off);
            dict->bytes = (const char *)(p + off + olen);
            if (dict->offs[0] != 0 || dict->offs[dict->n] != bytes - olen)
                return corrupt(err, path, "text dictionary offsets out of range");
            for (uint32_t i = 0; i < dict->n; i++)
                if (dict->offs[i] > dict->offs[i + 1])
                    return corrupt(err, path, "text dictionary offsets out of order");
            checksum = stor_checksum(p + off, olen, checksum);
            if (bytes - olen)
                checksum = stor_checksum(p + off + olen, bytes - olen, checksum);
        } else {
            if (8 * (uint64_t)dict->n != bytes)
                return corrupt(err, path, "dictionary size does not match its count");
            if (dict->kind == STOR_KIND_INT)
                dict->ints = (const int64_t *)(p + off);
            else
                dict->floats = (const double *)(p + off);
            checksum = stor_checksum(p + off, bytes, checksum);
        }
    }
    if (checksum != get64(p + 24))
        return corrupt(err, path, "data checksum mismatch");
    return 0;
}

static int load_fds(stor_segment_t *s, err_t *err)
{
    if (s->nfds == 0)
        return 0;
    char *path = mem_asprintf(s->arena, "%s/" FDS, s->dir);
    const unsigned char *p;
    size_t n;
    if (map_file(s->arena, path, &p, &n, err) < 0)
        return -1;
    if (n < HDR_BYTES || memcmp(p, FDS_MAGIC, 8) != 0)
        return corrupt(err, path, "bad magic or truncated header");
    uint32_t cnt = get32(p + 12), hdr_len = get32(p + 32);
    if (get32(p + 8) != FORMAT_VERSION || (int)cnt != s->nfds || hdr_len != HDR_BYTES + 16 * cnt || hdr_len > n)
        return corrupt(err, path, "header does not match the manifest");
    if (get64(p + 16) != n)
        return corrupt(err, path, "file size does not match its header (truncated?)");
    if (get32(p + 60) != header_checksum(p, hdr_len))
        return corrupt(err, path, "header checksum mismatch");
    s->fds = MEM_NEW_N(s->arena, stor_fd_t, cnt);
    uint64_t checksum = 0;
    for (uint32_t i = 0; i < cnt; i++) {
        const unsigned char *de = p + HDR_BYTES + 16 * i;
        stor_fd_t *f = &s->fds[i];
        f->child = get16(de);
        f->parent = get16(de + 2);
        f->n = get32(de + 4);
        uint64_t off = get64(de + 8);
        if (f->child >= s->ndims || f->parent >= s->ndims || f->n != stor_dict_ncodes(&s->dicts[f->child]))
            return corrupt(err, path, "dependency does not match the dictionaries");
        if (off % ALIGN || off < hdr_len || off > n || (n - off) / 4 < f->n)
            return corrupt(err, path, "dependency extends past the end of the file");
        f->parent_code = (const uint32_t *)(p + off);
        checksum = stor_checksum(p + off, 4 * (uint64_t)f->n, checksum);
        uint32_t pn = stor_dict_ncodes(&s->dicts[f->parent]);
        for (uint32_t c = 0; c < f->n; c++)
            if (f->parent_code[c] >= pn)
                return corrupt(err, path, "dependency maps outside the parent dictionary");
    }
    if (checksum != get64(p + 24))
        return corrupt(err, path, "data checksum mismatch");
    return 0;
}

int stor_segment_nfds(const stor_segment_t *s) { return s->nfds; }
const stor_fd_t *stor_segment_fd(const stor_segment_t *s, int i) { return &s->fds[i]; }

int stor_segment_open(const char *dir, int flags, stor_segment_t **out, err_t *err)
{
    *out = NULL;
    mem_arena_t *a = mem_arena_new(NULL, "stor_segment", 0);
    stor_segment_t *s = MEM_NEW(a, stor_segment_t);
    s->arena = a;
    s->dir = mem_astrdup(a, dir);
    s->flags = flags;
    pthread_mutex_init(&s->lock, NULL);
    char *path = mem_asprintf(a, "%s/" MANIFEST, dir);
    const unsigned char *p;
    size_t n;
    struct stat st;
    if (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode)) {
        err_set(err, ERRCODE_UNDEFINED_FILE, "segment directory \"%s\" does not exist", dir);
        goto fail;
    }
    if (map_file(a, path, &p, &n, err) < 0 || parse_manifest(s, path, p, n, err) < 0 ||
        load_dicts(s, err) < 0 || load_fds(s, err) < 0)
        goto fail;
    *out = s;
    return 0;
fail:
    stor_segment_close(s);
    return -1;
}

void stor_segment_close(stor_segment_t *s)
{
    if (!s)
        return;
    pthread_mutex_destroy(&s->lock);
    mem_arena_free(s->arena);
}

const char *stor_segment_dir(const stor_segment_t *s) { return s->dir; }
int stor_segment_ndims(const stor_segment_t *s) { return s->ndims; }
const char *stor_segment_dim_name(const stor_segment_t *s, int d) { return s->dims[d].name; }
type_oid_t stor_segment_dim_type(const stor_segment_t *s, int d) { return s->dims[d].type; }
const stor_dict_t *stor_segment_dict(const stor_segment_t *s, int d) { return &s->dicts[d]; }
int stor_segment_nmeasures(const stor_segment_t *s) { return s->nmeasures; }
const stor_measure_schema_t *stor_segment_measure(const stor_segment_t *s, int m) { return &s->measures[m]; }
int stor_segment_ncuboids(const stor_segment_t *s) { return s->ncuboids; }
uint64_t stor_segment_cuboid_id(const stor_segment_t *s, int i) { return s->cuboids[i].id; }
uint64_t stor_segment_cuboid_rows(const stor_segment_t *s, int i) { return s->cuboids[i].rows; }

int stor_segment_dim_index(const stor_segment_t *s, const char *name)
{
    for (int d = 0; d < s->ndims; d++)
        if (!strcmp(s->dims[d].name, name))
            return d;
    return -1;
}

int stor_segment_find_cuboid(const stor_segment_t *s, uint64_t id)
{
    int lo = 0, hi = s->ncuboids;
    while (lo < hi) {
        int mid = (lo + hi) / 2;
        if (s->cuboids[mid].id < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < s->ncuboids && s->cuboids[lo].id == id ? lo : -1;
}

const char *stor_segment_info(const stor_segment_t *s, const char *key)
{
    for (int i = 0; i < s->ninfo; i++)
        if (!strcmp(s->info_keys[i], key))
            return s->info_vals[i];
    return NULL;
}

/* open_cuboid - maps and validates one cuboid file (s->lock held). The
 * structure of every block (encodings, offsets, run ends, code maxima) is
 * checked even without data verification: it is what keeps a corrupt file
 * from making a scan read outside the mapping or the dictionaries. */
static int open_cuboid(stor_segment_t *s, rcuboid_t *rc, err_t *err)
{
    char *path = mem_asprintf(s->arena, "%s/c%016" PRIx64 ".kcub", s->dir, rc->id);
    const unsigned char *p;
    size_t n;
    if (map_file(s->arena, path, &p, &n, err) < 0)
        return -1;
    if (n < HDR_BYTES || memcmp(p, CUB_MAGIC, 8) != 0)
        return corrupt(err, path, "bad magic or truncated header");
    if (get32(p + 8) != CUB_VERSION)
        return err_set(err, ERRCODE_DATA_CORRUPTED, "segment file \"%s\" has cuboid format version %u, kiln reads %d",
                       path, get32(p + 8), CUB_VERSION);
    uint32_t hdr_len = get32(p + 12), nd = get32(p + 32), nm = get32(p + 36), shift = get32(p + 56);
    uint64_t id = get64(p + 16), nrows = get64(p + 24);
    if (nd > STOR_MAX_DIMS || nm > 4096 || shift < 6 || shift > 15 || hdr_len > n)
        return corrupt(err, path, "bad header");
    uint64_t nblocks = (nrows >> shift) + ((nrows & ((1ULL << shift) - 1)) != 0);
    if (hdr_len != HDR_BYTES + 16 * (uint64_t)(nd + nm) + 8 * (nblocks + 1))
        return corrupt(err, path, "bad header");
    if (get64(p + 40) != n)
        return corrupt(err, path, "file size does not match its header (truncated?)");
    if (get32(p + 60) != header_checksum(p, hdr_len))
        return corrupt(err, path, "header checksum mismatch");
    if (id != rc->id || nrows != rc->rows || n != rc->bytes || get64(p + 48) != rc->checksum ||
        (int)nd != __builtin_popcountll(id) || (int)nm != s->nmeasures)
        return corrupt(err, path, "header does not match the manifest");
    stor_cuboid_t *c = MEM_NEW(s->arena, stor_cuboid_t);
    c->id = id;
    c->nrows = nrows;
    c->ndims = (int)nd;
    c->nmeasures = (int)nm;
    c->block_shift = (int)shift;
    c->nblocks = nblocks;
    int r = 0;
    for (uint32_t k = 0; k < nd + nm; k++) {
        const unsigned char *de = p + HDR_BYTES + 16 * k;
        uint16_t idx = get16(de);
        if (k < nd) {
            /* Dimensions come in rowkey order: advance r to idx. */
            while (r < s->ndims && s->rowkey[r] != idx)
                r++;
            if (r == s->ndims || !(id >> idx & 1))
                return corrupt(err, path, "dimension columns do not match the cuboid id");
            r++;
            c->dims[k] = idx;
            c->ncodes[k] = stor_dict_ncodes(&s->dicts[idx]);
        } else if (idx != k - nd || de[2] != s->measures[idx].kind || de[3] != s->measures[idx].agg) {
            return corrupt(err, path, "measure columns do not match the manifest");
        }
    }
    const unsigned char **blocks = MEM_NEW_N(s->arena, const unsigned char *, nblocks + 1);
    const unsigned char *dir = p + HDR_BYTES + 16 * (size_t)(nd + nm);
    uint64_t prev = align_up(hdr_len), checksum = 0;
    if (get64(dir) != prev || get64(dir + 8 * nblocks) != n)
        return corrupt(err, path, "block directory does not match the file");
    for (uint64_t b = 0; b < nblocks; b++) {
        uint64_t lo = get64(dir + 8 * b), hi = get64(dir + 8 * (b + 1));
        if (lo != prev || hi <= lo || hi > n)
            return corrupt(err, path, "block directory out of order");
        prev = hi;
        uint32_t rows = (uint32_t)(b + 1 < nblocks ? 1ULL << shift : nrows - (b << shift));
        const char *what;
        if (storage__check_block(p + lo, hi - lo, rows, (int)nd, (int)nm, c->ncodes, &what) < 0)
            return corrupt(err, path, what);
        blocks[b] = p + lo;
        if (!(s->flags & STOR_OPEN_NO_VERIFY))
            checksum = stor_checksum(p + lo, hi - lo, checksum);
    }
    c->blocks = blocks;
    if (!(s->flags & STOR_OPEN_NO_VERIFY) && checksum != rc->checksum)
        return corrupt(err, path, "data checksum mismatch");
    __atomic_store_n(&rc->open, c, __ATOMIC_RELEASE);
    return 0;
}

int stor_segment_cuboid(stor_segment_t *s, uint64_t id, const stor_cuboid_t **out, err_t *err)
{
    *out = NULL;
    int i = stor_segment_find_cuboid(s, id);
    if (i < 0)
        return err_set(err, ERRCODE_UNDEFINED_OBJECT, "segment \"%s\" has no cuboid %" PRIx64, s->dir, id);
    rcuboid_t *rc = &s->cuboids[i];
    /* Double-checked: once set, open is never cleared while s is open. */
    stor_cuboid_t *c = __atomic_load_n(&rc->open, __ATOMIC_ACQUIRE);
    if (!c) {
        pthread_mutex_lock(&s->lock);
        int r = rc->open ? 0 : open_cuboid(s, rc, err);
        pthread_mutex_unlock(&s->lock);
        if (r < 0)
            return -1;
        c = rc->open;
    }
    *out = c;
    return 0;
}
