/* noisy.h - quantum trajectories of a circuit under a noise model.
 *
 * Plan once (FFTW style), run many times. The plan schedules the circuit as
 * soon as possible with the model's gate durations (a barrier aligns its
 * qubits; terminal measurements happen together at the end), and lists for
 * every operation the noise before it (thermal relaxation of each of its
 * qubits for the time the qubit waited, when the model has T1/T2 and idle
 * noise on; 1/f dephasing kicks; the static ZZ phase of its qubits' couplers
 * up to its start) and after it (the rule's over-rotation, the ZZ phase of
 * its duration, the channels of the matching rule). At the end every qubit
 * relaxes, and every coupler's ZZ phase accrues, until the last operation
 * finishes. Coherent errors are unitary: the same in every trajectory.
 * A trajectory draws every channel's outcome from a counter-based stream
 * named by (seed, trajectory, operation, slot), so it does not depend on the
 * order gates are applied in, nor on ranks or groups.
 * Not for: loading models (noise.h), sampling or statistics (run.c). */
#ifndef TN_NOISY_H
#define TN_NOISY_H

#include <stdint.h>
#include <stdio.h>

#include "circuit.h"
#include "mps.h"
#include "noise.h"

typedef struct {
    int allow_faulty;          /* run gates and qubits the calibration marks unusable */
    int allow_uncalibrated;    /* run gates without calibration without noise */
    double dephasing_amp;      /* RMS frequency offset of 1/f dephasing, Hz; 0: none */
    double dephasing_alpha;    /* its spectral exponent */
} noisy_options;

typedef struct noisy_plan noisy_plan;

/* Plans the noisy execution of c. Fails with TN_ERR_INPUT naming the first
 * qubit the model lacks, unusable gate or qubit (unless allowed), or gate
 * without calibration (strict models, unless allowed). */
int noisy_plan_create(const noise_model *model, const circuit *c, const noisy_options *opt, noisy_plan **out);

void noisy_plan_destroy(noisy_plan **p);

/* Applies the noise before (pre = 1) or after operation i of trajectory
 * traj on m. Collective over m's group. */
int noisy_apply(const noisy_plan *p, mps *m, size_t i, int pre, uint64_t seed, long traj);

/* The relaxation (and dephasing) of every qubit until the end of the schedule. */
int noisy_finish(const noisy_plan *p, mps *m, uint64_t seed, long traj);

/* Prepares trajectory traj (draws its 1/f dephasing series). */
int noisy_begin(noisy_plan *p, uint64_t seed, long traj);

/* Flips measured bits with the readout confusion of their qubits: bit j of
 * the record came from qubit qubit_of_bit[j] (-1: not measured); the flips
 * are drawn from (seed, shot, j). */
void noisy_readout(const noisy_plan *p, unsigned char *record, int width, const int *qubit_of_bit, uint64_t seed,
                   long shot);

/* Applies the same readout confusion to a distribution over width bits
 * (index bit j = bit j), exactly: the mean of what noisy_readout draws. */
void noisy_readout_probs(const noisy_plan *p, double *probs, int width, const int *qubit_of_bit);

/* The 1/f phase qubit q has accumulated by time t in the current trajectory
 * (radians; 0 without dephasing): for tests and diagnostics. */
double noisy_phase(const noisy_plan *p, int q, double t);

/* Facts for the result: the schedule's length (s), the fidelity the model
 * implies (product of the process fidelities of the channels on the qubits
 * the circuit uses; _all_qubits: of every channel, idle qubits included),
 * the number of channels per trajectory, and gates run without calibration. */
double noisy_duration(const noisy_plan *p);
double noisy_model_fidelity(const noisy_plan *p);
double noisy_model_fidelity_all_qubits(const noisy_plan *p);

/* Writes one line per gate name run without calibration (--allow-uncalibrated):
 * "tnemu: warning: N NAME gates ran without noise (no calibration)". */
void noisy_warn_uncalibrated(const noisy_plan *p, FILE *out);
long noisy_channel_count(const noisy_plan *p);

/* 1 if the plan has static ZZ phases: they span two qubits, so the gates
 * must run in circuit order (not any order that keeps each qubit's). */
int noisy_needs_circuit_order(const noisy_plan *p);

/* The plan's steps, for exact evaluation: density matrices (densblock.c) and
 * the Heisenberg picture (expect.c), where each step acts as its adjoint.
 * Kinds: a channel, a coherent unitary, or a 1/f dephasing kick (a random
 * process correlated in time: it has no exact per-step form). */
enum noisy_step_kind { NOISY_STEP_CHANNEL, NOISY_STEP_DEPHASE, NOISY_STEP_UNITARY };
typedef struct {
    int kind;                          /* enum noisy_step_kind */
    const channel *ch;                 /* NOISY_STEP_CHANNEL */
    const double complex *unitary;     /* NOISY_STEP_UNITARY: 2^nq x 2^nq, first qubit most significant */
    int nq;
    const int *qubits;
} noisy_step_view;

/* The steps before (pre = 1) or after operation i are [*from, *to); i equal
 * to the circuit's operation count gives the final steps (noisy_finish). */
void noisy_step_range(const noisy_plan *p, size_t i, int pre, size_t *from, size_t *to);

/* Step s of the plan (from noisy_step_range). */
void noisy_step_get(const noisy_plan *p, size_t s, noisy_step_view *out);
long noisy_uncalibrated(const noisy_plan *p);

#endif
