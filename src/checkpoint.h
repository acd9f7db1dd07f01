/* checkpoint.h - checkpoints of a run: when to write one, the file, resuming.
 *
 * A checkpoint is one file, DIR/checkpoint.tnck (docs/checkpoint-format.md):
 *   "TNEMUCKP" | u32 version | u32 header length | header JSON
 *   | u64 payload length | payload | u64 FNV-1a 64 of everything before
 * The header says what run wrote it (the identity: circuit hash, options
 * that change the result, byte order) and how far it got (the position); the
 * payload holds the state or the trajectory sums. It is written to
 * DIR/checkpoint.tnck.tmp.PID, flushed, fsync'ed and renamed over the old
 * one (outfile.h), so a kill at any moment leaves the previous checkpoint
 * valid; the temporary a kill -9 leaves is removed by the next run that
 * checkpoints into or resumes from DIR.
 * Checkpoints are due every --checkpoint-every seconds and at once on
 * SIGUSR1 or SIGTERM (SLURM's --signal); a signal also stops the run after
 * the write (TN_STOPPED, exit status 3).
 * Not for: what the state is (mps.c, saved by mps_save.c), where the run is (run.c). */
#ifndef TN_CHECKPOINT_H
#define TN_CHECKPOINT_H

#include <jansson.h>
#include <mpi.h>
#include <stddef.h>

typedef struct {
    const char *dir;           /* --checkpoint DIR; NULL: none */
    double every;              /* --checkpoint-every SECONDS; 0: only on a signal */
    const char *resume;        /* --resume DIR; NULL: start afresh */
} checkpoint_options;

#define CHECKPOINT_VERSION 2   /* 2: per-rank totals as exact fixed-point sums (src/mps_save.c rank_book) */

/* Installs the SIGUSR1/SIGTERM handlers (once per process): a signal only
 * sets a flag, which the run reads at its next poll (checkpoint_due). */
void checkpoint_install_signals(void);

/* The first SIGUSR1 or SIGTERM this process received (its number), else 0. */
int checkpoint_signalled(void);

/* Tests (TNEMU_INJECT=pause@R): says so on stderr and waits until SIGUSR1 or
 * SIGTERM arrives, so that a test sends a real signal at a known point. */
void checkpoint_wait_for_signal(void);

/* Collective over world when o->dir is set (else returns 0 at once): 1 when
 * a checkpoint is due (a signal reached any rank, or the period has passed
 * on world rank 0); *stop is set when a signal asked the run to end. failed:
 * this rank has failed; *failed_any is set when any rank has, and then no
 * checkpoint is due. A rank that fails calls it once more, so every rank
 * leaves the loop at the same poll. */
int checkpoint_due(const checkpoint_options *o, MPI_Comm world, int failed, int *stop, int *failed_any);

/* On world rank 0: writes identity + position + payload atomically into
 * o->dir. Returns TN_OK or TN_ERR_WRITE with a one-line message. */
int checkpoint_write(const checkpoint_options *o, json_t *identity, json_t *position, const char *payload,
                     size_t len);

/* On world rank 0, before a run: removes DIR/checkpoint.tnck.tmp.PID files
 * of dead writers from o->dir and o->resume (outfile_remove_stale). */
void checkpoint_remove_stale(const checkpoint_options *o);

/* On world rank 0: reads DIR's checkpoint, checks its magic, version,
 * checksum and that its identity equals this run's (the first difference is
 * named); returns its position (owned by the caller) and payload (free it).
 * TN_ERR_INPUT for a corrupt or mismatched checkpoint, TN_ERR_IO if absent. */
int checkpoint_read(const char *dir, json_t *identity, json_t **position, char **payload, size_t *len);

/* The checks and contents of checkpoint_read for a checkpoint's bytes
 * (all, size bytes; path names it in messages). Not collective. */
int checkpoint_parse(const char *path, const char *all, size_t size, json_t *identity, json_t **position,
                     char **payload, size_t *len);

/* FNV-1a 64 of bytes, continuing from h (start with CHECKPOINT_FNV_START). */
#define CHECKPOINT_FNV_START 0xcbf29ce484222325ull
unsigned long long checkpoint_fnv(unsigned long long h, const void *bytes, size_t len);

#endif
