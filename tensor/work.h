/* work.h - growable scratch buffers, so the hot path allocates nothing per gate.
 *
 * A tn_buf only grows; once a run has seen its largest gate, every later gate
 * reuses the memory. Not thread-safe: one set of buffers per engine. */
#ifndef TN_WORK_H
#define TN_WORK_H

#include <stddef.h>

typedef struct {
    void *data;
    size_t bytes;
} tn_buf;

/* Makes buf hold at least bytes (contents are not kept). Returns TN_OK or
 * TN_ERR_MEMORY. */
int tn_buf_reserve(tn_buf *buf, size_t bytes);

/* Frees the buffer; it can be reserved again. */
void tn_buf_free(tn_buf *buf);

/* The memory ledger: bytes this process holds in site tensors and scratch
 * buffers, against an optional limit (--max-memory). tn_mem_charge(delta)
 * records a change; a growth that would take the ledger plus the baseline
 * (what the process held when the limit was set) above the limit fails with
 * TN_ERR_MEMORY and a message naming the limit, before anything is
 * allocated, so the run ends cleanly instead of being killed by the system. */
void tn_mem_set_limit(size_t limit, size_t baseline);
int tn_mem_charge(long long delta);

/* The same for memory that is not the state's: the message names `what`
 * needed it (e.g. "the counts of 5000 distinct outcomes"). */
int tn_mem_charge_for(long long delta, const char *what);
size_t tn_mem_in_use(void);

/* Records memory held for a while without checking the limit: buffers of a
 * collective call (a distributed eigensolve), where failing on one rank
 * alone would leave the others waiting in it. */
void tn_mem_record(long long delta);

/* The most the ledger has held since tn_mem_reset_peak (each run starts
 * one): the state and the scratch buffers at their largest together (what a
 * memory model of the engine predicts; the resident size adds the program,
 * MPI and the allocator's own keeping). */
size_t tn_mem_peak(void);

/* Starts a new peak from what the ledger holds now (each run reports its own). */
void tn_mem_reset_peak(void);

/* Narrows a size to a BLAS/LAPACK int, failing with TN_ERR_MEMORY (with the
 * size named) if it does not fit. */
int tn_blas_int(size_t n, int *out);

#endif
