/*
 * storage_int.h - declarations shared by the files of src/storage only.
 *
 * The dictionary struct is filled by the segment reader (segment.c), which
 * points it into the mmap'ed dictionary file, and read by dict.c.
 */
#ifndef STORAGE_STORAGE_INT_H
#define STORAGE_STORAGE_INT_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "storage/dict.h"
#include "storage/segment.h"

struct stor_dict {
    stor_kind_t kind;
    type_oid_t type;
    uint32_t n;             /* non-NULL values */
    bool has_null;
    const int64_t *ints;    /* INT: n values ascending */
    const double *floats;   /* FLOAT: n values ascending */
    const uint32_t *offs;   /* TEXT: n + 1 offsets into bytes */
    const char *bytes;
};

/* storage__code_width - bytes per code for a code space of ncodes. */
static inline int storage__code_width(uint32_t ncodes)
{
    return ncodes <= 256 ? 1 : ncodes <= 65536 ? 2 : 4;
}

/* storage__float_cmp - total order used by float dictionaries: numeric, with
 * -0.0 == 0.0 and NaN after everything. */
static inline int storage__float_cmp(double a, double b)
{
    if (a < b)
        return -1;
    if (a > b)
        return 1;
    if (a == b)
        return 0;
    bool na = a != a, nb = b != b;
    return na == nb ? 0 : na ? 1 : -1;
}

/* ---- cuboid blocks (block.c) ----
 *
 * A cuboid file (version 2) holds its rows in blocks of 1 << block_shift
 * rows (the last may be shorter). A block starts with one 16-byte header per
 * column (dimension codes in sort order, then measures):
 *   u8 enc, u8 bw, u16 nruns, u32 data offset from the block start,
 *   u64 base (codes: u32 min | u32 max << 32; measures: int64 min)
 * then the column data, then 8 zero bytes, so unpacking may always load 8
 * bytes at once. Encodings, chosen per block and column by size:
 *   FOR  value = base + the i-th bw-bit field of a little-endian bit stream
 *        (bw 0..56; 0 is a constant column)
 *   RLE  codes only: u16 run ends (exclusive, ascending, the last = block
 *        rows), then nruns bw-bit fields: run value = min + field
 *   RAW  measures whose range needs more than 56 bits: int64 per row
 * Codes are clamped to the block's max on decode; the reader checks at open
 * that max < the dimension's code space, so even a corrupt (unverified) data
 * byte yields a code inside the dictionary, never an out-of-bounds index. */

enum { STOR_ENC_FOR = 1, STOR_ENC_RLE = 2, STOR_ENC_RAW = 3 };
#define STOR_BLOCK_SHIFT 12 /* 4096 rows per block */
#define STOR_COLHDR 16
#define STOR_BLOCK_PAD 8
#define STOR_MAX_BW 56

static inline uint64_t storage__ld64(const unsigned char *p)
{
    uint64_t v;
    memcpy(&v, p, 8);
    return v;
}

/* storage__unpack - the i-th bw-bit field (bw <= 56) of the stream at d. */
static inline uint64_t storage__unpack(const unsigned char *d, unsigned bw, uint64_t i)
{
    uint64_t bit = i * bw;
    return (storage__ld64(d + (bit >> 3)) >> (bit & 7)) & ((1ULL << bw) - 1);
}

/* storage__bits - bits needed for values 0..range. */
static inline unsigned storage__bits(uint64_t range)
{
    return range ? 64u - (unsigned)__builtin_clzll(range) : 0u;
}

/* storage__rle_find - the run holding row i of a block (ends ascending). */
static inline uint32_t storage__rle_find(const unsigned char *ends, uint32_t nruns, uint32_t i)
{
    uint32_t lo = 0, hi = nruns - 1;
    while (lo < hi) {
        uint32_t mid = (lo + hi) / 2;
        uint16_t e;
        memcpy(&e, ends + 2 * mid, 2);
        if (e <= i)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* storage__code - code of sort position pos at row (< nrows): random access
 * for the seeks' binary searches. */
static inline uint32_t storage__code(const stor_cuboid_t *c, int pos, uint64_t row)
{
    const unsigned char *blk = c->blocks[row >> c->block_shift];
    const unsigned char *h = blk + STOR_COLHDR * (unsigned)pos;
    uint32_t i = (uint32_t)(row & ((1u << c->block_shift) - 1)), off, mn, mx;
    uint16_t nruns;
    memcpy(&off, h + 4, 4);
    memcpy(&mn, h + 8, 4);
    memcpy(&mx, h + 12, 4);
    const unsigned char *d = blk + off;
    uint64_t v;
    if (h[0] == STOR_ENC_RLE) {
        memcpy(&nruns, h + 2, 2);
        v = storage__unpack(d + 2 * (uint32_t)nruns, h[1], storage__rle_find(d, nruns, i));
    } else {
        v = storage__unpack(d, h[1], i);
    }
    v += mn;
    return v > mx ? mx : (uint32_t)v;
}

/* storage__block_codes - codes of rows [lo, hi) of one block into out. */
void storage__block_codes(const unsigned char *blk, int col, uint32_t lo, uint32_t hi, uint32_t *out);
/* storage__block_meas - measure cells of rows [lo, hi) of one block. */
void storage__block_meas(const unsigned char *blk, int col, uint32_t lo, uint32_t hi, uint64_t *out);
/* storage__encode_block - encodes rows [lo, lo + n) of the given columns
 * (codes of width[k] bytes for k < ndims, then 8-byte measures) into out,
 * which has room for storage__block_bound bytes; returns the bytes used. */
size_t storage__encode_block(unsigned char *out, int ndims, const int *width, const void *const *codes,
                             int nmeas, const void *const *meas, uint64_t lo, uint32_t n);
size_t storage__block_bound(int ndims, int nmeas, uint32_t n);
/* storage__check_block - validates the structure of a block of `rows` rows
 * and `size` bytes: encodings, widths, offsets, run ends, code maxima below
 * ncodes[k]. 0 ok, -1 corrupt (what says why). */
int storage__check_block(const unsigned char *blk, uint64_t size, uint32_t rows, int ndims, int nmeas,
                         const uint32_t *ncodes, const char **what);

#endif
