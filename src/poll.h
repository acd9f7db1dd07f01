/* poll.h - where a static run stops for a signal after its gates.
 *
 * SIGUSR1 and SIGTERM only set a flag (checkpoint.c); the run reads it at
 * polls, which are collective over the world (checkpoint_due), so every rank
 * stops at the same poll. The gate loop polls every few gates (run.c); the
 * phases after the gates poll here: between chunks of shots while sampling
 * and between observables and amplitudes. A poll that finds a signal (or a
 * periodic checkpoint due) writes the state after all gates once, and a
 * signal then stops the run (TN_STOPPED, exit status 3); --resume skips the
 * gates and does the later phases again.
 * Every rank polls equally often: sampling polls once per SAMPLE_CHUNK of the
 * largest group's share of shots, whatever its own share.
 * Noisy runs poll inside each trajectory too, every POLL_STRIDE operations
 * (a group without a trajectory in the last round polls as often); a stop
 * there checkpoints the rounds finished and drops the one in progress.
 * Not for: the checkpoint file (checkpoint.c), what it holds (resume.c). */
#ifndef TN_POLL_H
#define TN_POLL_H

#include <jansson.h>
#include <stddef.h>

#include "circuit.h"
#include "mps.h"
#include "run.h"

#define SAMPLE_CHUNK 8192       /* shots drawn between two polls (a multiple of the sampler's batch) */

typedef struct {
    const circuit *c;
    mps *m;
    const run_options *opt;
    run_result *res;
    json_t *identity;           /* the run's identity for checkpoints (owned) */
    size_t *applied;            /* the gates in the order applied (owned) */
    size_t napplied;
    int saved;                  /* the state after all gates is in the checkpoint */
} poll_state;

/* Frees what p owns. */
void poll_state_free(poll_state *p);

/* Collective over the run's world when --checkpoint is set (else returns
 * status at once). status: this rank's status so far. Returns the first
 * failure (a rank that failed makes every rank leave at the same poll), or
 * TN_STOPPED with a one-line message naming `phase` after writing the state
 * after the gates, or TN_OK to go on. */
int poll_after_gates(poll_state *p, int status, const char *phase);

/* mps_sample_range of count shots from first into bits (count x n bytes),
 * in chunks with a poll after each; `most` is the largest share of any
 * group, so every rank polls equally often. Collective like both. */
int poll_sample_range(poll_state *p, long first, long count, long most, unsigned char *bits);

#define POLL_STRIDE 8           /* operations of a trajectory between two polls */

typedef struct {
    const run_options *opt;
    run_result *res;
    json_t *identity;           /* the run's identity for checkpoints (not owned) */
    int n;                      /* qubits */
    long round;                 /* the round in progress */
    long finished, total;       /* trajectories finished before it; all */
    size_t pause_at;            /* tests: the operation where pause-trajectory waits; SIZE_MAX: none */
    int ended;                  /* a poll of this round found a failure or a stop */
} poll_rounds;

/* Polls (collectively, when --checkpoint is set) after operation `op`
 * (0, 1, ... in the order applied) of a trajectory when op + 1 is a
 * multiple of POLL_STRIDE, or at once when status is a failure (so every
 * rank leaves at the same poll). Returns status, "another rank failed", or
 * TN_STOPPED after writing the checkpoint of the rounds finished; sets
 * p->ended when the round must not poll again. p may be NULL (no polls). */
int poll_trajectory(poll_rounds *p, size_t op, int status);

/* The polls of an nops-operation trajectory, for a group without one. */
int poll_idle_trajectory(poll_rounds *p, size_t nops);

/* Test hooks (TNEMU_INJECT, with --checkpoint): signal@R makes world rank R
 * raise SIGUSR1 here, as SLURM's --signal would; pause@R makes it wait here
 * for a real SIGUSR1 or SIGTERM from outside. `point` names the place:
 * "" (halfway through the gates or trajectories), "-sampling", "-observing",
 * "-trajectory" (halfway through this process's first trajectory). */
void poll_inject(const run_options *opt, const char *point);

#endif
