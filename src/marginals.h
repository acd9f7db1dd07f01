/* marginals.h - what `tnemu compare` can estimate of wide counts: the
 * marginal distribution of a group of bits and the parity of a set of bits
 * (a Z string's expectation is 1 - 2 P(odd)), each made a small
 * distribution of its own that compare.c compares as it compares a whole one.
 * A multinomial redraw of the whole distribution, marginalised, is a
 * multinomial redraw of the marginal with the same shots, so the bootstrap
 * of a marginal is the marginal of the bootstrap.
 * Also the sets of bits the user names (--groups, --block-size, --zstrings).
 * Not for: the metrics (compare.c), reading files (counts.c). */
#ifndef TN_MARGINALS_H
#define TN_MARGINALS_H

#include <stddef.h>

#include "counts.h"

/* The widest group whose marginal is compared (2^16 outcomes). */
#define MARGINAL_MAX_BITS 16

typedef struct {
    int nbits;
    int *bits;                 /* classical bit positions; bits[i] is bit i of the marginal */
} bit_set;

typedef struct {
    bit_set *sets;
    int n;
} bit_sets;

/* Parses SPEC of option `option` for counts of `width` bits: sets separated
 * by ',', each of bit positions and ranges joined by '+' ("0-1,2-3",
 * "0+5,1-4"), or the path of a JSON file of such sets ([[0, 1], [2, 3]], or
 * {"groups": [...]}, items numbers or strings like "0-3"). max_bits bounds a
 * set's size (0: any). A bit twice in one set, a bit out of [0, width-1],
 * an empty set: TN_ERR_USAGE (the option, the value and the valid range)
 * or TN_ERR_INPUT (FILE: where: ...; JSON syntax as FILE:LINE:COL). */
int bit_sets_parse(const char *option, const char *spec, int width, int max_bits, bit_sets *out);

/* Consecutive blocks of k bits: 0..k-1, k..2k-1, ...; the last one shorter
 * when k does not divide width. */
int bit_sets_blocks(int width, int k, bit_sets *out);

/* Z strings by default: every bit, every neighbouring pair, all bits (if more than 2). */
int bit_sets_default_z(int width, bit_sets *out);

void bit_sets_free(bit_sets *s);

/* "0-1" / "0+5" style text of a set (as --groups reads it) into out. */
void bit_set_text(const bit_set *s, char *out, size_t size);

/* "Z0 Z1" text of a Z string into out (longer ones shortened with "..."). */
void bit_set_zname(const bit_set *s, char *out, size_t size);

/* The marginal of d on set (set->nbits <= MARGINAL_MAX_BITS): counts and
 * probabilities summed per value of the set's bits; path, format, shots and
 * the noise figures copied. Returns TN_OK or TN_ERR_MEMORY. */
int dist_marginal(const dist *d, const bit_set *set, dist *out);

/* The parity of set's bits as a 1-bit distribution ("1": odd), as dist_marginal. */
int dist_parity(const dist *d, const bit_set *set, dist *out);

#endif
