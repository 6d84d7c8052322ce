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

#include "storage/dict.h"

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

#endif
