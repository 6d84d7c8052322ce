/*
 * block.c - the per-block column encodings of cuboid files (version 2):
 * frame-of-reference bit packing, run-length for sorted code columns, raw
 * int64 for wide measures (layout in storage_int.h).
 *
 * Why these: a cuboid's rows are sorted by their codes, so the leading
 * dimensions are long runs (RLE: a few bytes per block) and the later ones
 * span a small part of their code space inside a block (FOR: ceil(log2(max -
 * min + 1)) bits). Measures are sums and counts of small integers, whose
 * range inside 4096 rows rarely needs more than 20-30 bits of the 64 the
 * old format stored. Every encoding keeps random access (a bit offset, or a
 * binary search over at most 4096 run ends), so the scan's seeks still
 * binary-search rows without decoding whole blocks.
 */
#include <string.h>

#include "storage_int.h"

static inline void put16(unsigned char *p, uint16_t v) { memcpy(p, &v, 2); }
static inline void put32(unsigned char *p, uint32_t v) { memcpy(p, &v, 4); }
static inline void put64(unsigned char *p, uint64_t v) { memcpy(p, &v, 8); }

/* pack - appends n bw-bit fields (LSB first) to the stream at d; returns
 * bytes. Whole 64-bit words are stored as they fill, then the tail's bytes:
 * the same bytes a byte-at-a-time packer writes, without a byte loop per
 * field. */
/* pack64 - 64 fields of BW bits as BW words: with BW a constant and the
 * loop unrolled, every shift and word boundary is known at compile time, so
 * there is no loop-carried fill count or branch per field (the generic loop
 * below ran at ~3 cycles a field and was a third of the encoder). */
static inline __attribute__((always_inline)) void pack64(unsigned char *d, const uint64_t *v, const unsigned BW)
{
    uint64_t acc = 0;
    unsigned fill = 0, w = 0;
    _Pragma("GCC unroll 64") for (unsigned i = 0; i < 64; i++)
    {
        acc |= v[i] << fill;
        fill += BW;
        if (fill >= 64) {
            put64(d + 8 * w++, acc);
            fill -= 64;
            acc = fill ? v[i] >> (BW - fill) : 0;
        }
    }
}

static size_t pack(unsigned char *d, unsigned bw, const uint64_t *v, uint32_t n)
{
    if (bw == 0)
        return 0;
    uint64_t acc = 0;
    unsigned fill = 0;
    size_t o = 0;
    uint32_t i = 0;
    /* whole groups of 64 fields end on a word boundary (fill 0 again) */
    if (n >= 64 && bw <= STOR_MAX_BW) {
        for (; i + 64 <= n; i += 64, o += 8 * (size_t)bw) {
            switch (bw) {
#define PACK_CASE(B) case B: pack64(d + o, v + i, B); break;
#define PACK_CASE8(B) PACK_CASE(B) PACK_CASE(B + 1) PACK_CASE(B + 2) PACK_CASE(B + 3) PACK_CASE(B + 4) PACK_CASE(B + 5) PACK_CASE(B + 6) PACK_CASE(B + 7)
            PACK_CASE8(1) PACK_CASE8(9) PACK_CASE8(17) PACK_CASE8(25) PACK_CASE8(33) PACK_CASE8(41) PACK_CASE8(49)
#undef PACK_CASE8
#undef PACK_CASE
            default: break;
            }
        }
    }
    for (; i < n; i++) {
        acc |= v[i] << fill; /* fill < 64 here */
        fill += bw;
        if (fill >= 64) {
            put64(d + o, acc);
            o += 8;
            fill -= 64;
            acc = fill ? v[i] >> (bw - fill) : 0;
        }
    }
    for (; fill > 0; fill = fill > 8 ? fill - 8 : 0) {
        d[o++] = (unsigned char)acc;
        acc >>= 8;
    }
    return o;
}

/* scan_codes - min, max and the number of runs of one code column's
 * block, and its values widened for FOR: one pass without branches, which
 * the compiler vectorises. Only a column that RLE wins then has its runs
 * listed (list_runs): most columns of a cuboid are FOR, and listing runs for
 * every column cost a third of the encoder at SF 10. */
#define SCAN_CODES(T)                                                          \
    do {                                                                       \
        const T *x = (const T *)col + lo;                                      \
        uint32_t nb = 0;                                                       \
        for (uint32_t i = 0; i < n; i++) {                                     \
            uint32_t v = x[i];                                                 \
            mn = v < mn ? v : mn;                                              \
            mx = v > mx ? v : mx;                                              \
            vals[i] = v;                                                       \
        }                                                                      \
        for (uint32_t i = 1; i < n; i++)                                       \
            nb += x[i] != x[i - 1];                                            \
        nruns = n ? nb + 1 : 0;                                                \
    } while (0)

/* list_runs - each run's value and end (row after its last), from the
 * widened values. Without a branch per row: every row stores the current
 * run's end and value so far, and a new run only moves the index. RLE wins
 * with runs of three rows or so, where a branch on "new run" mispredicted
 * often enough to be a fifth of the encoder at SF 10. */
static void list_runs(const uint64_t *vals, uint32_t n, uint64_t *runv, uint16_t *ends)
{
    if (n == 0)
        return;
    uint32_t r = 0;
    runv[0] = vals[0];
    for (uint32_t i = 1; i < n; i++) {
        ends[r] = (uint16_t)i;
        r += vals[i] != vals[i - 1];
        runv[r] = vals[i];
    }
    ends[r] = (uint16_t)n;
}

size_t storage__block_bound(int ndims, int nmeas, uint32_t n)
{
    /* codes at most 4 bytes (FOR of <= 32 bits), measures at most 8 (RAW) */
    return (size_t)STOR_COLHDR * (size_t)(ndims + nmeas) + 4 * (size_t)n * (size_t)ndims + 8 * (size_t)n * (size_t)nmeas +
           8 * (size_t)(ndims + nmeas) + STOR_BLOCK_PAD;
}

size_t storage__encode_block(unsigned char *out, int ndims, const int *width, const void *const *codes,
                             int nmeas, const void *const *meas, uint64_t lo, uint32_t n)
{
    int ncols = ndims + nmeas;
    size_t pos = (size_t)STOR_COLHDR * (size_t)ncols;
    uint64_t vals[1u << STOR_BLOCK_SHIFT], runv[1u << STOR_BLOCK_SHIFT];
    uint16_t ends[1u << STOR_BLOCK_SHIFT];
    /* pack() assigns whole bytes, so only the headers and the pad need zeroing */
    memset(out, 0, pos);
    for (int k = 0; k < ndims; k++) {
        const void *col = codes[k];
        int w = width[k];
        uint32_t mn = UINT32_MAX, mx = 0, nruns = 0;
        if (w == 1)
            SCAN_CODES(uint8_t);
        else if (w == 2)
            SCAN_CODES(uint16_t);
        else
            SCAN_CODES(uint32_t);
        if (n == 0)
            mn = 0;
        unsigned bw = storage__bits((uint64_t)mx - mn);
        size_t for_bytes = ((size_t)n * bw + 7) / 8;
        size_t rle_bytes = 2 * (size_t)nruns + ((size_t)nruns * bw + 7) / 8;
        unsigned char *h = out + STOR_COLHDR * k;
        h[1] = (unsigned char)bw;
        put32(h + 4, (uint32_t)pos);
        put64(h + 8, (uint64_t)mn | (uint64_t)mx << 32);
        if (bw > 0 && rle_bytes < for_bytes) {
            h[0] = STOR_ENC_RLE;
            list_runs(vals, n, runv, ends);
            put16(h + 2, (uint16_t)nruns);
            memcpy(out + pos, ends, 2 * (size_t)nruns);
            pos += 2 * (size_t)nruns;
            for (uint32_t r = 0; r < nruns; r++)
                runv[r] -= mn;
            pos += pack(out + pos, bw, runv, nruns);
        } else {
            h[0] = STOR_ENC_FOR;
            for (uint32_t i = 0; i < n; i++)
                vals[i] -= mn;
            pos += pack(out + pos, bw, vals, n);
        }
    }
    for (int m = 0; m < nmeas; m++) {
        const int64_t *v = (const int64_t *)meas[m] + lo;
        int64_t mn = INT64_MAX, mx = INT64_MIN;
        for (uint32_t i = 0; i < n; i++) {
            mn = v[i] < mn ? v[i] : mn;
            mx = v[i] > mx ? v[i] : mx;
        }
        if (n == 0)
            mn = mx = 0;
        unsigned bw = storage__bits((uint64_t)mx - (uint64_t)mn);
        unsigned char *h = out + STOR_COLHDR * (ndims + m);
        put32(h + 4, (uint32_t)pos);
        if (bw > STOR_MAX_BW) {
            h[0] = STOR_ENC_RAW;
            memcpy(out + pos, v, 8 * (size_t)n);
            pos += 8 * (size_t)n;
        } else {
            h[0] = STOR_ENC_FOR;
            h[1] = (unsigned char)bw;
            put64(h + 8, (uint64_t)mn);
            for (uint32_t i = 0; i < n; i++)
                vals[i] = (uint64_t)v[i] - (uint64_t)mn;
            pos += pack(out + pos, bw, vals, n);
        }
    }
    memset(out + pos, 0, STOR_BLOCK_PAD);
    return pos + STOR_BLOCK_PAD;
}

void storage__block_codes(const unsigned char *blk, int col, uint32_t lo, uint32_t hi, uint32_t *out)
{
    const unsigned char *h = blk + STOR_COLHDR * (unsigned)col;
    uint32_t off, mn, mx;
    memcpy(&off, h + 4, 4);
    memcpy(&mn, h + 8, 4);
    memcpy(&mx, h + 12, 4);
    const unsigned char *d = blk + off;
    unsigned bw = h[1];
    uint32_t n = hi - lo;
    if (bw == 0) {
        for (uint32_t i = 0; i < n; i++)
            out[i] = mn;
        return;
    }
    if (h[0] == STOR_ENC_RLE) {
        uint16_t nruns;
        memcpy(&nruns, h + 2, 2);
        const unsigned char *vals = d + 2 * (uint32_t)nruns;
        uint32_t r = storage__rle_find(d, nruns, lo), i = lo;
        while (i < hi) {
            uint16_t e;
            memcpy(&e, d + 2 * r, 2);
            uint64_t v = storage__unpack(vals, bw, r) + mn;
            uint32_t code = v > mx ? mx : (uint32_t)v;
            uint32_t end = e < hi ? e : hi;
            while (i < end)
                out[i++ - lo] = code;
            r++; /* ends are checked ascending, the last = rows >= hi */
        }
        return;
    }
    uint64_t mask = (1ULL << bw) - 1, bit = (uint64_t)lo * bw;
    for (uint32_t i = 0; i < n; i++, bit += bw) {
        uint64_t v = ((storage__ld64(d + (bit >> 3)) >> (bit & 7)) & mask) + mn;
        out[i] = v > mx ? mx : (uint32_t)v;
    }
}

void storage__block_meas(const unsigned char *blk, int col, uint32_t lo, uint32_t hi, uint64_t *out)
{
    const unsigned char *h = blk + STOR_COLHDR * (unsigned)col;
    uint32_t off;
    uint64_t base;
    memcpy(&off, h + 4, 4);
    memcpy(&base, h + 8, 8);
    const unsigned char *d = blk + off;
    uint32_t n = hi - lo;
    if (h[0] == STOR_ENC_RAW) {
        memcpy(out, d + 8 * (size_t)lo, 8 * (size_t)n);
        return;
    }
    unsigned bw = h[1];
    if (bw == 0) {
        for (uint32_t i = 0; i < n; i++)
            out[i] = base;
        return;
    }
    uint64_t mask = (1ULL << bw) - 1, bit = (uint64_t)lo * bw;
    for (uint32_t i = 0; i < n; i++, bit += bw)
        out[i] = base + ((storage__ld64(d + (bit >> 3)) >> (bit & 7)) & mask);
}

int storage__check_block(const unsigned char *blk, uint64_t size, uint32_t rows, int ndims, int nmeas,
                         const uint32_t *ncodes, const char **what)
{
    int ncols = ndims + nmeas;
    uint64_t hdr = (uint64_t)STOR_COLHDR * (uint64_t)ncols;
    if (size < hdr + STOR_BLOCK_PAD) {
        *what = "block smaller than its column headers";
        return -1;
    }
    uint64_t limit = size - STOR_BLOCK_PAD;
    for (int k = 0; k < ncols; k++) {
        const unsigned char *h = blk + STOR_COLHDR * k;
        unsigned enc = h[0], bw = h[1];
        uint16_t nruns;
        uint32_t off, mn, mx;
        memcpy(&nruns, h + 2, 2);
        memcpy(&off, h + 4, 4);
        memcpy(&mn, h + 8, 4);
        memcpy(&mx, h + 12, 4);
        uint64_t need;
        if (enc == STOR_ENC_FOR && bw <= STOR_MAX_BW && (k >= ndims || bw <= 32))
            need = ((uint64_t)rows * bw + 7) / 8;
        else if (enc == STOR_ENC_RLE && k < ndims && bw >= 1 && bw <= 32 && nruns >= 1 && nruns <= rows)
            need = 2 * (uint64_t)nruns + ((uint64_t)nruns * bw + 7) / 8;
        else if (enc == STOR_ENC_RAW && k >= ndims)
            need = 8 * (uint64_t)rows;
        else {
            *what = "unknown column encoding";
            return -1;
        }
        if (off < hdr || off > limit || need > limit - off) {
            *what = "column extends past its block";
            return -1;
        }
        if (k < ndims && (mn > mx || mx >= ncodes[k])) {
            *what = "block codes outside the dictionary";
            return -1;
        }
        if (enc == STOR_ENC_RLE) {
            uint16_t prev = 0, e = 0;
            for (uint32_t r = 0; r < nruns; r++) {
                memcpy(&e, blk + off + 2 * r, 2);
                if (e <= prev) {
                    *what = "run ends out of order";
                    return -1;
                }
                prev = e;
            }
            if (e != rows) {
                *what = "runs do not cover the block";
                return -1;
            }
        }
    }
    return 0;
}

uint32_t stor_cuboid_code(const stor_cuboid_t *c, int pos, uint64_t row)
{
    return storage__code(c, pos, row);
}

void stor_cuboid_codes(const stor_cuboid_t *c, int pos, uint64_t lo, uint64_t hi, uint32_t *out)
{
    uint64_t bmask = (1ULL << c->block_shift) - 1;
    while (lo < hi) {
        uint64_t b = lo >> c->block_shift, end = (b + 1) << c->block_shift;
        if (end > hi)
            end = hi;
        storage__block_codes(c->blocks[b], pos, (uint32_t)(lo & bmask), (uint32_t)((end - 1) & bmask) + 1, out);
        out += end - lo;
        lo = end;
    }
}

void stor_cuboid_meas(const stor_cuboid_t *c, int m, uint64_t lo, uint64_t hi, uint64_t *out)
{
    uint64_t bmask = (1ULL << c->block_shift) - 1;
    while (lo < hi) {
        uint64_t b = lo >> c->block_shift, end = (b + 1) << c->block_shift;
        if (end > hi)
            end = hi;
        storage__block_meas(c->blocks[b], c->ndims + m, (uint32_t)(lo & bmask), (uint32_t)((end - 1) & bmask) + 1,
                            out);
        out += end - lo;
        lo = end;
    }
}
