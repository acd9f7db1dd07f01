/* counts.h - reading measured distributions: tnemu results and hardware counts.
 *
 * A distribution is a list of outcomes (bitstrings of `width` characters,
 * classical bit 0 rightmost, as tnemu and Qiskit write them) with a count,
 * and, for tnemu results written with --probabilities, exact probabilities.
 * Formats read (detected from the JSON's shape):
 *   tnemu     a `tnemu run` result ("tool": "tnemu"; counts, probabilities)
 *   qiskit    {"counts": {...}} or a Qiskit Result ("results"[0].data.counts,
 *             header.memory_slots); bitstring keys (register spaces removed)
 *             or hexadecimal "0x.." keys
 *   origin    an Origin Quantum task result: "counts" with hexadecimal keys,
 *             or "probCount" ({"key": [...], "value": [...]}, itself or as a
 *             JSON string, at the top or in raw_detail.qcodeTaskNewVo.
 *             taskResultList[0])
 *   plain     {"0101": 12, ...}
 * A hexadecimal key's bit j is classical bit j; its width comes from
 * --clbits, or else from the other distribution being compared.
 * Not for: the metrics (compare.c). */
#ifndef TN_COUNTS_H
#define TN_COUNTS_H

#include <stddef.h>

typedef struct {
    char *key;                 /* width characters '0'/'1', bit 0 rightmost */
    double value;
} dist_entry;

typedef struct {
    char *path;
    const char *format;        /* "tnemu", "qiskit", "origin" or "plain" */
    int width;                 /* bits per outcome (0 while hexadecimal keys wait for a width) */
    double shots;              /* sum of the counts */
    dist_entry *counts;        /* sorted by key, merged */
    size_t ncounts;
    dist_entry *probs;         /* tnemu --probabilities, sorted; NULL if none */
    size_t nprobs;
    int noisy;                 /* a tnemu result with a noise model */
    char *noise_model;         /* its file, if any */
} dist;

/* Reads a distribution from path. width: the bits per outcome if known
 * (--clbits, or the other file's width), else 0; hexadecimal keys need it.
 * Returns TN_OK, TN_ERR_IO or TN_ERR_INPUT (message names path and what is
 * wrong; JSON syntax errors as path:line:col). */
int dist_read(const char *path, int width, dist *out);

/* Frees what dist_read allocated (accepts a zeroed dist). */
void dist_free(dist *d);

#endif
