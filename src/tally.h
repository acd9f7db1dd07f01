/* tally.h - counts of measured outcomes in memory that grows with the number
 * of distinct outcomes, not with the number of shots.
 *
 * A tally maps an outcome (width bits; bit j is classical bit j, any width,
 * also past 64) to how often it was drawn. With clusters it also keeps, per
 * outcome, the sums over trajectories of c_t^2 and c_t n_t (c_t: the
 * outcome's count in trajectory t, n_t: that trajectory's shots), from which
 * the standard error of a count over trajectory clusters follows. Every byte
 * it holds is charged to the memory ledger (--max-memory), so a run that
 * would pass the limit stops with a message naming what needed the memory.
 * Counts are integers and the cluster sums sums of integers, so a merged
 * tally does not depend on the order its parts were added in (exactly, while
 * the sums stay below 2^53).
 * Not for: drawing the shots (run.c, mps_measure.c), the result JSON (result.c). */
#ifndef TN_TALLY_H
#define TN_TALLY_H

#include <mpi.h>
#include <stddef.h>

typedef struct tally tally;

/* A new empty tally of width-bit outcomes (clusters: keep the trajectory
 * sums too). Returns TN_OK or TN_ERR_MEMORY. */
int tally_create(int width, int clusters, tally **out);

/* Frees t and returns its memory to the ledger (accepts NULL; sets *t NULL). */
void tally_destroy(tally **t);

/* Adds count shots of the outcome bits[0..width-1] (each 0 or 1). */
int tally_add(tally *t, const unsigned char *bits, long count);

/* Adds one trajectory's shots of an outcome to a clustered tally: count c,
 * and c^2 and c n_t to its sums (n_t: the trajectory's shots). */
int tally_add_cluster(tally *t, const unsigned char *bits, long c, long n_t);

/* Adds the finished trajectory `part` (n_t shots) to the clustered tally
 * `into`, entry by entry as tally_add_cluster. */
int tally_fold(tally *into, const tally *part, long n_t);

/* A copy of t (charged like t). */
int tally_copy(const tally *t, tally **out);

/* Number of distinct outcomes. */
size_t tally_size(const tally *t);

/* Sorts the entries by outcome, as their bitstrings sort (bit width-1
 * first); entry i then is the i-th smallest. */
void tally_sort(tally *t);

/* Entry i: its count; its bitstring (width characters, bit 0 rightmost,
 * NUL-terminated, into key); its cluster sums (0 without clusters). */
long tally_count(const tally *t, size_t i);
void tally_key(const tally *t, size_t i, char *key);
void tally_cluster_sums(const tally *t, size_t i, double *sum_c2, double *sum_cn);

/* Adds every rank's tally into root's: t on the root is the accumulator
 * (not NULL), on the others it is sent (NULL: nothing to send). Pieces of a bounded size
 * travel one rank at a time, so the root holds at most one piece beside its
 * tally. Collective over comm; the root is rank 0. */
int tally_merge_to_root(tally *t, int width, int clusters, MPI_Comm comm);

/* Serialises t (for a checkpoint): *bytes is tally_bytes(t) long. */
size_t tally_bytes(const tally *t);
void tally_write(const tally *t, void *bytes);

/* Adds a serialised tally of len bytes to t; TN_ERR_INPUT (naming `what`)
 * if len does not fit the width and clusters of t. */
int tally_read(tally *t, const void *bytes, size_t len, const char *what);

#endif
