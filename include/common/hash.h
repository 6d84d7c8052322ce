/*
 * hash.h - the 64-bit integer mix every hash table in kiln uses (MurmurHash3's
 * finalizer: each input bit affects every output bit, so a table can take its
 * low bits as the slot).
 */
#ifndef COMMON_HASH_H
#define COMMON_HASH_H

#include <stdint.h>

static inline uint64_t hash_mix64(uint64_t x)
{
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ULL;
    x ^= x >> 33;
    return x;
}

#endif
