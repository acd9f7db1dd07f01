/* run.h - emulating one circuit: gates, mid-circuit measurement per shot,
 * sampling, amplitudes and expectation values, on one process.
 *
 * A circuit whose measurements are all terminal is contracted once and then
 * sampled (conditional sampling, no copy per shot). A dynamic circuit (a
 * measured or reset qubit used again, or an if()) runs its deterministic
 * prefix once and then each shot from a copy of that state, with the shot's
 * own random stream (seed, shot index), so counts do not depend on how shots
 * are spread over processes.
 * With MPI, the world's ranks form groups (mpi/group.h): a group holds one
 * state over its ranks; the shots of a dynamic circuit (and the sample ranges
 * of a static one) are spread over the groups. run_circuit does the local
 * part on every rank; after the ranks have agreed that all succeeded,
 * run_collect gathers the results on world rank 0.
 * Not for: option parsing (cli.c), JSON (result.c). */
#ifndef TN_RUN_H
#define TN_RUN_H

#include <stdint.h>

#include "circuit.h"
#include "checkpoint.h"
#include "expect.h"
#include "group.h"
#include "mps.h"
#include "noise.h"
#include "noisy.h"
#include "order.h"
#include "tally.h"

typedef struct {
    mps_trunc trunc;
    long shots;                 /* -1: 1024 if the circuit measures, else 0 */
    uint64_t seed;
    const char *order;          /* identity, auto or a file */
    const char **observables;   /* "Z0 Z1" strings */
    int nobservables;
    const char **amplitudes;    /* bitstrings, qubit 0 rightmost */
    int namplitudes;
    tn_group *grp;              /* NULL: one process */
    int scalapack_min;          /* Gram eigensolves of at least this many rows on the group grid; 0: never */
    struct tn_scalapack *team_grid;   /* this leader's team grid (engine.c; mps_use_team); NULL: no team */
    int center_form;            /* --canonical center: one orthogonality centre (else Vidal form) */
    const noise_model *noise;   /* NULL (or scale 0): noiseless */
    noisy_options noisy;
    long trajectories;          /* static noisy circuits; <= 0: the default */
    int probabilities;          /* record the exact outcome distribution of the measured bits */
    const int *site_of;         /* a qubit-to-site order chosen by the caller (NULL: from `order`) */
    checkpoint_options checkpoint;   /* --checkpoint, --checkpoint-every, --resume */
    double progress_every;      /* seconds between progress lines in logs (0: none; a terminal: live) */
    const char *trace_path;     /* --trace FILE: the gate trace of the run (src/trace.h); NULL: none */
    int quiet_uncalibrated;     /* no warning about gates run without calibration (a batch of circuits warns once) */
    expect_options expect;      /* --expectation-method and its truncation (expect.h) */
} run_options;

typedef struct {
    char *key;                  /* classical bits, c[n-1] ... c[0] */
    long count;
} run_count;

typedef struct {
    int nqubits, nclbits, dynamic;
    long shots;
    run_count *counts;          /* sorted by key; keys point into count_keys */
    size_t ncounts;
    char *count_keys;           /* every key, width + 1 characters each */
    size_t counts_charged;      /* bytes of counts, keys and errors on the ledger */
    int key_bits;               /* width of the keys */
    double complex *amplitudes; /* one per requested bitstring */
    double *expectation;        /* one per observable (real part) */
    double *expectation_stderr; /* standard error over shots (dynamic), else 0 */
    double fidelity_estimate;   /* dynamic: mean over shots */
    double log_fidelity_estimate;   /* its natural log (dynamic: the mean of the shots' logs) */
    double discarded_weight;
    size_t decompositions;
    int *bond_dims;             /* n-1 (dynamic: max over shots) */
    int max_bond;
    int *site_of;               /* the initial qubit order */
    long swap_distance;         /* the initial order's (order_swap_distance) */
    order_report order_auto;    /* --order auto: the candidates weighed (asked 0: no auto) */
    long swaps, fused_swaps;    /* swaps the routing applied (by themselves; fused into gates) */
    double t_plan, t_gates, t_sample, t_observe;
    double t_collect, t_counts; /* run_collect: gathering over ranks; within it, counting outcomes */
    size_t peak_state_bytes;
    int layer_threads;          /* threads this rank runs a layer's gates on (mps_layer_threads) */
    long threaded_gates;        /* gates this rank ran on those threads (mps_threaded_gates) */
    long lazy_lends;            /* sites this rank lent without waiting (mps_lazy_lends) */
    size_t gate_bytes_sent;     /* bytes this rank had sent when the gates were done (--trace) */
    /* before run_collect: this rank's share */
    tally *tally;               /* the outcomes of this group's shots (leader; else empty) */
    double fidelity_sum, log_fidelity_sum, discarded_sum;   /* dynamic and noisy: over this group's shots or trajectories */
    double *expect_sum, *expect_sum2;
    long shots_here;
    int leader;                 /* group rank 0: its share counts in the reductions */
    int rebalances;
    long scalapack_solves;      /* eigensolves this rank joined on the group grid */
    long team_windows;          /* Vidal windows split whole on its team's grid */
    long team_windows_svd;      /* of those, split by the grid's SVD (one Gram pass could not resolve them) */
    long team_windows_returned; /* and those the grid handed back to the leader's own split */
    /* noise (noisy runs only) */
    int noisy;
    long trajectories;          /* trajectories averaged (dynamic: one per shot) */
    long samples;               /* states averaged in expect_sum: shots (dynamic) or trajectories */
    double *count_stderr;       /* per counts entry: standard error of the count (trajectory clusters) */
    double model_fidelity, schedule_seconds;   /* model_fidelity: over the qubits the circuit uses */
    double model_fidelity_all_qubits;          /* every qubit of the circuit, idle ones included */
    long channels_per_trajectory, uncalibrated_gates;
    /* --probabilities: the outcome distribution over the key bits (index: bit
     * j of the key is bit j of the index); noisy runs: this rank's sum over
     * trajectories before run_collect, the mean with readout error after */
    double *probs;
    size_t nprobs;              /* 2^key_bits, or 0 when not asked */
    long checkpoints;           /* checkpoints written */
    int resumed;                /* started from a checkpoint */
    expect_report *expect_reports;   /* per observable: how it was computed (expect.h) */
    int state_skipped;          /* every output came from expect_observables: no state was run */
} run_result;

/* Emulates this rank's part of c; fills res (free it with run_result_free).
 * Collective over the group. Returns TN_OK, TN_ERR_USAGE (bad observable,
 * amplitude or order), TN_ERR_MEMORY or TN_ERR_NUMERIC. */
int run_circuit(const circuit *c, const run_options *opt, run_result *res);

/* On a team member (a rank of a team other than its leader, mpi/group.h):
 * checks the requests as run_circuit does (the same verdict as the leader),
 * shapes res as a non-leader's for run_collect (except res->noisy, which
 * only the leader knows: the caller takes it from the leader), and joins the
 * leader's eigensolves on opt->team_grid until the leader says the run is
 * over. Returns TN_OK, a usage error, or the status of an abort note. */
int run_serve_team(const circuit *c, const run_options *opt, run_result *res);

/* The default number of trajectories of a noisy static run with `shots` shots. */
long run_default_trajectories(long shots);

/* The first shot of trajectory t when shots are spread over T trajectories
 * (trajectory t draws shots [first(t), first(t + 1))). */
long run_trajectory_first_shot(long shots, long t, long T);

/* Gathers the ranks' parts on world rank 0 (counts, means, errors, bond
 * dimensions). Collective over world; call only after every rank succeeded. */
int run_collect(MPI_Comm world, const run_options *opt, run_result *res);

void run_result_free(run_result *res);

/* Parses an observable like "Z0 X3" into one Pauli letter per qubit. */
int run_parse_observable(const char *spec, int nqubits, char *paulis);

/* Parses a bitstring (qubit 0 rightmost) of exactly nqubits characters. */
int run_parse_bits(const char *spec, int nqubits, unsigned char *bits);

/* Computes the observables by opt->expect (expect_run.c): fills
 * res->expect_reports and, for those done, res->expectation. Collective
 * over the group (a light-cone state run). */
int expect_observables(const circuit *c, const run_options *opt, run_result *res);

/* Whether expect_observables computed every observable. */
int expect_all_done(const run_result *res, int nobservables);

/* Seconds on a monotonic clock. */
double run_now(void);

#endif
