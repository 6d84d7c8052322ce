/*
 * hash.h - the hashes kiln's hash tables use: a 64-bit integer mix
 * (MurmurHash3's finalizer: each input bit affects every output bit, so a
 * table can take its low bits as the slot) and bytes through it.
 */
#ifndef COMMON_HASH_H
#define COMMON_HASH_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

static inline uint64_t hash_mix64(uint64_t x)
{
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ULL;
    x ^= x >> 33;
    return x;
}

/* hash_bytes - n bytes, 8 at a time through hash_mix64. */
static inline uint64_t hash_bytes(const void *data, size_t n)
{
    const char *p = data;
    uint64_t h = 1469598103934665603ULL ^ n;
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t w;
        memcpy(&w, p + i, 8);
        h = (h ^ hash_mix64(w)) * 0x100000001b3ULL;
    }
    uint64_t tail = 0;
    memcpy(&tail, p + i, n - i);
    h = (h ^ hash_mix64(tail ^ (n - i))) * 0x100000001b3ULL;
    return hash_mix64(h);
}

#endif
