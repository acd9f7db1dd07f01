/* counts.h - reading measured distributions: tnemu results and hardware counts.
 *
 * A distribution is a list of outcomes (bitstrings of `width` characters,
 * classical bit 0 rightmost, as tnemu and Qiskit write them) with a count,
 * and, for tnemu results written with --probabilities, exact probabilities.
 * Formats read (detected from the JSON's shape):
 *   tnemu     a `tnemu run` result ("tool": "tnemu"; counts, probabilities)
 *   qiskit    {"counts": {...}} or a Qiskit Result ("results"[i].data.counts,
 *             header.memory_slots, header.name); bitstring keys (register
 *             spaces removed) or hexadecimal "0x.." keys
 *   origin    an Origin Quantum task result: "counts" with hexadecimal keys,
 *             or "probCount" ({"key": [...], "value": [...]}, itself or as a
 *             JSON string, at the top or in raw_detail.qcodeTaskNewVo.
 *             taskResultList[i], named by its taskName)
 *   plain     {"0101": 12, ...}
 * Keys have any width up to COUNTS_MAX_WIDTH bits (a `tnemu run` of a
 * 156-qubit register writes 156-character keys; Qiskit writes 0x.. keys of
 * any length). A hexadecimal key's bit j is classical bit j; its width comes from
 * --clbits, or else from the other distribution being compared. Counts are
 * whole numbers (12 or 12.0) in [0, 2^53], and so is their sum; a file with
 * several experiments (a Qiskit Result of several circuits, an Origin result
 * of several tasks) needs one chosen by name or 0-based index.
 * Not for: the metrics (compare.c). */
#ifndef TN_COUNTS_H
#define TN_COUNTS_H

#include <stddef.h>

/* The widest outcome read: far past any device, small enough that a key's
 * scratch buffer is nothing. */
#define COUNTS_MAX_WIDTH 65536

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
    double trajectories;       /* a noisy tnemu result: its trajectories (else 0) */
    double design_effect;      /* a noisy tnemu result: sum of its counts' squared standard errors
                                  over their multinomial variance (NaN if it has none) */
    char *experiment;          /* the experiment read, e.g. "1 (ghz)"; NULL if the file has none */
    char *keybuf;              /* scratch of COUNTS_MAX_WIDTH + 1 bytes while reading */
} dist;

/* Reads a distribution from path. width: the bits per outcome if known
 * (--clbits, or the other file's width), else 0; hexadecimal keys need it.
 * experiment: the name or 0-based index of the experiment to read from a
 * file of several (NULL: the file must hold one). Returns TN_OK, TN_ERR_IO,
 * TN_ERR_USAGE (experiment names none) or TN_ERR_INPUT (message names path
 * and what is wrong; JSON syntax errors as path:line:col). */
int dist_read(const char *path, int width, const char *experiment, dist *out);

/* Frees what dist_read allocated (accepts a zeroed dist). */
void dist_free(dist *d);

#endif
