/* error.h - error codes, the CALL macro and the one-line error message of tnemu.
 *
 * Every function that can fail returns an int status (TN_OK on success). A
 * failing function records a one-line, user-readable message with tn_fail();
 * callers propagate the status with CALL(), which also records where the error
 * passed (printed only with TNEMU_TRACE=1). The program, not the library,
 * decides to print and exit: tn_exit_status() maps a code to the exit status
 * (2 for bad input or usage, including an input file that cannot be read; 1
 * for a failure to write output, internal or numerical failure).
 * Not for: MPI agreement on errors (mpi/ reduces statuses across ranks). */
#ifndef TN_ERROR_H
#define TN_ERROR_H

#include <stddef.h>

enum tn_status {
    TN_OK = 0,
    TN_ERR_INPUT,     /* malformed input file: names file:line:col */
    TN_ERR_USAGE,     /* bad option or option value: names the valid range */
    TN_ERR_IO,        /* a file the user named could not be read (exit 2) */
    TN_ERR_WRITE,     /* output could not be written: disk full, read-only, ... (exit 1) */
    TN_ERR_MEMORY,    /* an allocation failed or --max-memory would be exceeded */
    TN_ERR_NUMERIC,   /* a decomposition failed on every fallback path */
    TN_ERR_INTERNAL,  /* a broken invariant of ours: a bug */
    TN_STOPPED,       /* stopped by a signal after writing a checkpoint (exit 3) */
    TN_ERR_COUNT
};

/* Records a printf-style one-line message for status code and returns code. */
int tn_fail(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The message recorded by the last tn_fail() (empty if none). */
const char *tn_last_message(void);

/* Clears the recorded message and trace. */
void tn_clear_error(void);

/* A short name for a status code ("bad input", "numerical failure", ...). */
const char *tn_strerror(int code);

/* Exit status for a status code: 0 ok, 2 input/usage (and unreadable
 * input), 3 stopped at a checkpoint by a signal, 1 anything else (a write
 * failure among them). */
int tn_exit_status(int code);

/* Appends one frame to the trace of the current error (used by CALL). */
void tn_trace_push(const char *file, int line, const char *func);

/* Prints "tnemu: <message>" on one line to stderr, plus the trace when the
 * environment has TNEMU_TRACE=1. */
void tn_print_error(int code);

/* Propagates a failing status, recording where it passed. */
#define CALL(expr)                                                  \
    do {                                                            \
        int tn_call_status_ = (expr);                               \
        if (tn_call_status_ != TN_OK) {                             \
            tn_trace_push(__FILE__, __LINE__, __func__);            \
            return tn_call_status_;                                 \
        }                                                           \
    } while (0)

/* A check of our own invariants, compiled out with -DNDEBUG. */
#ifdef NDEBUG
#define TN_ASSERT(cond) ((void)0)
#else
#define TN_ASSERT(cond)                                                        \
    do {                                                                       \
        if (!(cond))                                                           \
            return tn_fail(TN_ERR_INTERNAL, "internal error: %s:%d: %s failed", \
                           __FILE__, __LINE__, #cond);                         \
    } while (0)
#endif

/* Test hook: whether the environment variable TNEMU_INJECT names the failure
 * point on this world rank ("alloc@1", "gate@0", several separated by
 * commas). Used by the tests to provoke failures that input cannot. */
int tn_inject(const char *point, int world_rank);

/* malloc/calloc that record TN_ERR_MEMORY with the size on failure. */
void *tn_malloc(size_t bytes);
void *tn_calloc(size_t count, size_t size);
void *tn_realloc(void *ptr, size_t bytes);

/* Makes room for one more item in a growing array *items of *cap items of
 * `size` bytes holding n: doubles *cap (from first_cap) when n == *cap.
 * Returns TN_OK or TN_ERR_MEMORY (then *items and *cap are unchanged). */
int tn_grow(void **items, size_t *cap, size_t n, size_t size, size_t first_cap);

#endif
