/* rng.h - counter-based random streams (Philox4x32-10 from Random123).
 *
 * A stream is fully named by (seed, stream index): task i under seed s draws
 * the same numbers on any rank and any rank count, with no state to pass on.
 * Not for: cryptography. */
#ifndef TN_RNG_H
#define TN_RNG_H

#include <stdint.h>

#include <Random123/philox.h>

typedef struct {
    philox4x32_key_t key;
    philox4x32_ctr_t ctr;
    philox4x32_ctr_t block;   /* four 32-bit outputs of the current counter */
    int used;                 /* outputs of block already consumed */
} rng_stream;

/* The stream (seed, stream, substream): e.g. task index and shot index. */
static inline void rng_init_sub(rng_stream *r, uint64_t seed, uint64_t stream, uint32_t substream)
{
    r->key.v[0] = (uint32_t)seed;
    r->key.v[1] = (uint32_t)(seed >> 32);
    r->ctr.v[0] = 0;
    r->ctr.v[1] = substream;
    r->ctr.v[2] = (uint32_t)stream;
    r->ctr.v[3] = (uint32_t)(stream >> 32);
    r->used = 4;
}

static inline void rng_init(rng_stream *r, uint64_t seed, uint64_t stream)
{
    rng_init_sub(r, seed, stream, 0);
}

static inline uint32_t rng_next_u32(rng_stream *r)
{
    if (r->used == 4) {
        r->block = philox4x32(r->ctr, r->key);
        r->ctr.v[0]++;   /* 2^32 blocks per substream: far more than any task draws */
        r->used = 0;
    }
    return r->block.v[r->used++];
}

/* A uniform double in [0, 1) with 53 random bits. */
static inline double rng_uniform(rng_stream *r)
{
    uint64_t hi = rng_next_u32(r) >> 5, lo = rng_next_u32(r) >> 6;
    return (double)(hi * 67108864u + lo) * (1.0 / 9007199254740992.0);
}

/* A uniform double in [0, 1) that depends only on (seed, stream, substream,
 * index): the index-th number of a substream, drawn without any state, so
 * that whichever rank holds site `index` draws the same number. */
static inline double rng_uniform_at(uint64_t seed, uint64_t stream, uint32_t substream, uint32_t index)
{
    philox4x32_key_t key = {{(uint32_t)seed, (uint32_t)(seed >> 32)}};
    philox4x32_ctr_t ctr = {{index, substream, (uint32_t)stream, (uint32_t)(stream >> 32) ^ 0x80000000u}};
    philox4x32_ctr_t out = philox4x32(ctr, key);
    uint64_t hi = out.v[0] >> 5, lo = out.v[1] >> 6;
    return (double)(hi * 67108864u + lo) * (1.0 / 9007199254740992.0);
}

#endif
