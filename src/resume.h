/* resume.h - what a run puts in its checkpoints and takes back from them.
 *
 * Two kinds of position:
 *   gates         a static noiseless run: the gates applied so far, in the
 *                 scheduler's order, and the whole MPS (mps_save); resumes on
 *                 any rank and group count.
 *   trajectories  a noisy run: the next round of trajectories (round r runs
 *                 trajectory r G + g on group g) and each group's sums
 *                 (expectations, fidelities, outcome probabilities) with the
 *                 merged outcome counts and bond dimensions; resumes with the same
 *                 group count, so every sum is added in the same order.
 * The identity (circuit hash and every option that changes the result) must
 * match for a resume. Random draws are counter-based (seed, task, index), so
 * no generator state needs saving: the resumed run equals the uninterrupted
 * one exactly.
 * Not for: the file format (checkpoint.c). */
#ifndef TN_RESUME_H
#define TN_RESUME_H

#include <jansson.h>
#include <stddef.h>

#include "circuit.h"
#include "mps.h"
#include "run.h"
#include "schedule.h"

/* The identity of this run for checkpoints of the given kind. */
json_t *resume_identity(const circuit *c, const run_options *opt, const run_result *res, const char *kind);

/* Static runs: writes the state after the ndone gates done[] (collective
 * over the world: every group calls it at the same gate). */
int resume_save_gates(mps *m, const run_options *opt, json_t *identity, const size_t *done, size_t ndone);

/* Static runs: restores the state and replays the gate order into sch;
 * done[] (room for max_done) and *ndone receive the gates already applied.
 * Collective. */
int resume_load_gates(mps *m, const run_options *opt, json_t *identity, schedule *sch, size_t *done, size_t max_done,
                      size_t *ndone);

/* The gates a static run's checkpoint position lists as done, into done[]
 * (room for max_done, the circuit's operation count) and *ndone; each must be
 * an operation index of the circuit. name is for messages. Not collective. */
int resume_gate_list(const char *name, json_t *position, size_t *done, size_t max_done, size_t *ndone);

/* Noisy runs: writes every group's sums before round next_round. Collective. */
int resume_save_trajectories(const run_options *opt, json_t *identity, run_result *res, long next_round, int n);

/* Noisy runs: restores this group's sums; *next_round receives the round to
 * run next. Collective. */
int resume_load_trajectories(const run_options *opt, json_t *identity, run_result *res, long *next_round, int n);

#endif
