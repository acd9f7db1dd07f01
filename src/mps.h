/* mps.h - the matrix-product-state engine on one process.
 *
 * The state of n qubits is a chain of n site tensors A[s] of shape
 * (chi_left, 2, chi_right), kept in mixed canonical form around a movable
 * orthogonality centre, so that every truncation is optimal in the 2-norm.
 * Qubits map to sites through a permutation (--order); long-range gates move
 * qubits next to each other with swaps and leave them there (the permutation
 * is tracked, never swapped back).
 * Every decomposition is truncated by the mps_trunc settings and adds what it
 * discarded to the running totals (discarded weight, fidelity estimate).
 * Bit conventions: bits[q] is the value of qubit q; a dense state vector has
 * qubit q as bit q of its index (qubit 0 least significant, as in Qiskit).
 * Distributed over a group (mps_create_group), every rank calls every function
 * in the same order; the arithmetic does not depend on the rank count, so
 * neither do the results.
 * Not for: parsing, noise. */
#ifndef TN_MPS_H
#define TN_MPS_H

#include <complex.h>
#include <stddef.h>
#include <stdint.h>

#include "circuit.h"
#include "group.h"

/* Truncation settings of every decomposition (ITensor style: one typed struct). */
typedef struct {
    int max_chi;       /* largest bond dimension kept; 0 means no limit */
    double cutoff;     /* largest discarded weight (sum of dropped s^2 / total) per cut */
} mps_trunc;

typedef struct mps mps;

/* Creates |0...0> on nqubits qubits. site_of_qubit[q] is the site of qubit q
 * (NULL: identity). Returns TN_OK, TN_ERR_USAGE or TN_ERR_MEMORY. */
int mps_create(int nqubits, const int *site_of_qubit, const mps_trunc *trunc, mps **out);

/* Creates |0...0> distributed over the ranks of grp (NULL or one rank: on
 * this process), each rank owning a contiguous segment of sites. Collective
 * over the group, as is every function below that touches the state, and the
 * getters marked "collective". */
int mps_create_group(int nqubits, const int *site_of_qubit, const mps_trunc *trunc, tn_group *grp, mps **out);

/* Moves segment boundaries between neighbours when the largest segment cost
 * (sum of chi_l chi_r (chi_l + chi_r)) exceeds threshold times the mean.
 * Collective. Done automatically every few dozen multi-qubit gates. */
int mps_rebalance(mps *m, double threshold);

/* Spreads every Gram eigensolve of at least min_rows rows over the group's
 * process grid (mpi/scalapack.h); 0 or NULL: all on the rank holding the
 * window. Collective in effect: every rank of the group must say the same. */
struct tn_scalapack;
void mps_use_scalapack(mps *m, struct tn_scalapack *scal, int min_rows);

/* Spreads every Gram eigensolve of at least min_rows rows that this rank
 * runs over its team's process grid (the team's other ranks serve it,
 * mpi/scalapack.h), in either canonical form; the team's grid replaces the
 * group's. Only this rank's main thread then decomposes: threaded layers
 * are off. NULL or 0: no team. Not collective. */
void mps_use_team(mps *m, struct tn_scalapack *team, int min_rows);

/* A new state is in Vidal form (Schmidt values kept on every bond, centre on
 * site 0): unitary gates need no centre moves and, in a group, gates in
 * different segments run at the same time on their owners. A measurement,
 * reset or Kraus draw (or a centre move some query needs) changes to the
 * centre form for good; so does mps_use_center_form (--canonical center),
 * the form whose large decompositions can use the ScaLAPACK grid. Both forms
 * give the same state up to truncation; each is independent of the rank
 * count. Collective in effect: every rank of the group must say the same. */
int mps_use_center_form(mps *m);
int mps_vidal_form(const mps *m);

/* Says that the next gate begins a new layer of the circuit. In Vidal form
 * the segments are rebalanced only there (every few dozen multi-qubit
 * gates): part-way through a layer one end of the chain has grown and the
 * other not yet, which would mislead the cost measure. */
void mps_layer_begins(mps *m);

/* Lazy returns, for a run of gates in Vidal form in a group (every rank of
 * the group calls both, in the same place): from mps_lazy_begin on, a rank
 * lending a site to the worker of a window posts it and goes on, and takes
 * it back only when it next needs it; mps_lazy_end brings every site home,
 * waits until every message has been delivered and ends it (every other
 * operation settles first by itself, and lazy returns go on after it). The arithmetic, and so every result, is the same
 * as with blocking lenders (TNEMU_BLOCKING_LENDERS set in the environment
 * keeps them blocking). */
int mps_lazy_begin(mps *m);
int mps_settle(mps *m);     /* every site home, every message delivered; lazy returns stay on */
int mps_lazy_end(mps *m);   /* mps_settle, then lenders block again */
/* Sites this rank lent without waiting for them. */
long mps_lazy_lends(const mps *m);

/* Deferred updates, for a run of gates in Vidal form in one process with
 * more than one layer thread (else mps_defer_begin does nothing): from
 * mps_defer_begin on, the one- and two-site updates of gates and their swaps
 * are queued, and where the qubits are is kept up to date (routing needs
 * nothing else); mps_defer_flush runs the queue on the layer threads, each
 * update after the earlier ones on its sites, and does the bookkeeping in
 * queue order, so every result is the same bits as running them one by one.
 * mps_settle flushes, so every operation that reads the state sees it whole;
 * mps_defer_end flushes and stops deferring; mps_defer_abandon drops the
 * queue after a failure. */
int mps_defer_begin(mps *m);
int mps_defer_flush(mps *m);
int mps_defer_end(mps *m);
void mps_defer_abandon(mps *m);

/* Records every gate, window update and rebalance from now on into t (not
 * owned; NULL: stop). Every rank of the group passes its own trace. */
struct tn_trace;
void mps_set_trace(mps *m, struct tn_trace *t);

/* 1 if the k qubits' sites belong to more than one rank of the group (the
 * gate needs a boundary exchange); from replicated metadata, no messages. */
int mps_gate_spans_ranks(const mps *m, int k, const int *qubits);

/* Ranks holding the state, times rebalanced, and this rank's segment [lo, hi). */
int mps_ranks(const mps *m);
int mps_rebalances(const mps *m);
void mps_segment(const mps *m, int *lo, int *hi);

/* Frees an MPS; accepts NULL and sets *m to NULL. */
void mps_destroy(mps **m);

/* A deep copy of src (the state, permutation and truncation totals). */
int mps_copy(const mps *src, mps **out);

int mps_nqubits(const mps *m);

/* Applies the 2^k x 2^k row-major matrix u to the listed qubits (qubits[0] is
 * the most significant bit of u's index). Any k >= 1, any placement. */
int mps_apply_gate(mps *m, const double complex *u, int k, const int *qubits);

/* Where the two qubits of a gate on non-adjacent sites meet: the window
 * from site first (from the lower of their sites up to one below the higher;
 * any of these takes the same number of swaps; -1: the default), and whether
 * they leave the window exchanged (exchange 1: the gate and a swap of its
 * two sites as one two-site update, one decomposition instead of two). */
typedef struct {
    int first, exchange;
} mps_route;

/* Asked for every two-qubit gate before it is applied (qubits as given to
 * mps_apply_gate); must decide from replicated metadata only, so that every
 * rank decides the same. */
typedef void (*mps_router)(void *ctx, const mps *m, const int *qubits, mps_route *route);

/* Sets (or with NULL clears) the router of two-qubit gates. */
void mps_set_router(mps *m, mps_router router, void *ctx);

/* Swaps applied by themselves (each a decomposition), and swaps fused into a
 * two-qubit gate (no decomposition of their own); replicated, not collective. */
long mps_swaps(const mps *m);
long mps_fused_swaps(const mps *m);

/* Applies a gate operation of the circuit IR (built-in or GATE_UNITARY). */
int mps_apply_op(mps *m, const circ_op *op);

/* Threads a layer of gates may use on this rank (OpenMP): the number set,
 * for a state in Vidal form without a team (mps_use_team); else 1. The
 * default is 1. The ranks of a group may set different numbers (their nodes
 * may differ). */
void mps_set_layer_threads(mps *m, int threads);
int mps_layer_threads(const mps *m);

/* 1 if a caller should gather a layer's gates for mps_apply_layer: in Vidal
 * form, in a group (on every rank, whatever its threads) or when this
 * process threads layers. */
int mps_layer_gathers(const mps *m);

/* Two-qubit gates this rank has run on its threads so far (mps_apply_layer). */
long mps_threaded_gates(const mps *m);

/* Applies count two-qubit gates on adjacent sites, no two sharing a site (one
 * layer of a circuit), the gates inside this rank's segment (every gate, in
 * one process) on mps_layer_threads threads with one BLAS thread each, the
 * others one by one in the given order as mps_apply_gate would. Every gate's
 * arithmetic and the bookkeeping (in the given order) are those of applying
 * them one by one, so the result is the same bits. Collective over the group
 * (call it on every rank with the same gates). */
int mps_apply_layer(mps *m, int count, const circ_op *const *ops);

/* Applies one operator of the Kraus set ops (nops matrices of 2^k x 2^k, gate
 * convention) to the listed qubits: operator i with probability
 * p_i = ||K_i psi||^2, chosen by the uniform number r in [0,1), then
 * renormalised (the quantum-trajectory unravelling of a channel). *chosen
 * receives i on every rank. Collective. */
int mps_apply_kraus(mps *m, int nops, const double complex *ops, int k, const int *qubits, double r, int *chosen);

/* Conditional probabilities at or below this are rounding noise: an outcome
 * of exact probability 0 computes as ~1e-32 (amplitude errors of ~1e-16). */
#define MPS_PROJECT_MIN_PROB 1e-24

/* Projects qubit onto outcome (0 or 1) and renormalises; *prob receives the
 * probability that outcome had. Fails with TN_ERR_NUMERIC if it was at most
 * MPS_PROJECT_MIN_PROB (the state would be made of rounding noise). */
int mps_project(mps *m, int qubit, int outcome, double *prob);

/* Measures qubit with the uniform random number r in [0,1): outcome 1 when
 * r < P(1). The state collapses. */
int mps_measure(mps *m, int qubit, double r, int *outcome);

/* Resets qubit to |0> (measure with r, then flip on outcome 1). */
int mps_reset(mps *m, int qubit, double r);

/* <bits|psi> for bits[q] in {0,1}. */
int mps_amplitude(mps *m, const unsigned char *bits, double complex *amp);

/* <psi|P|psi> for paulis[q] in {'I','X','Y','Z'} (one char per qubit): real,
 * clamped to [-1, 1] (rounding can step past the bounds by an ulp). */
int mps_expect_pauli(mps *m, const char *paulis, double complex *value);

/* Draws nshots samples of all qubits by conditional sampling from the
 * canonical form (no copy of the state per shot). bits[s * n + q] receives
 * qubit q of shot s. Random numbers come from the (seed, stream) generator. */
int mps_sample(mps *m, int nshots, uint64_t seed, uint64_t stream, unsigned char *bits);

/* The same for shots first_shot .. first_shot + nshots - 1 (shot i always
 * draws from substream i, so ranges drawn apart equal one drawn whole). */
int mps_sample_range(mps *m, long first_shot, int nshots, uint64_t seed, uint64_t stream, unsigned char *bits);

/* The Born probabilities of every outcome of the k distinct qubits
 * qubits[0..k-1] (k <= MPS_MAX_OUTCOME_QUBITS), marginal over the others:
 * probs[b] with bit j of b the outcome of qubits[j]. Exact (no sampling): a
 * walk over the outcome tree with left environments, pruning impossible
 * prefixes; about 2^k n chi^3 operations at worst. Each probability is
 * clamped to [0, 1] after rounding. The state is gathered on
 * group rank 0 for the walk; every rank receives probs. Collective. */
#define MPS_MAX_OUTCOME_QUBITS 24
int mps_outcome_probs(mps *m, int k, const int *qubits, double *probs);

/* Saves the whole state (tensors, qubit order, centre, truncation
 * bookkeeping) into a new buffer on group rank 0 (*buf NULL elsewhere);
 * restores such a buffer (given on group rank 0) into m, which must have the
 * same qubit count. A restored state continues exactly as the saved one
 * would have, on any rank count. Collective; TN_ERR_INPUT for a buffer that
 * does not fit. */
int mps_save(mps *m, char **buf, size_t *len);
int mps_restore(mps *m, const char *buf, size_t len);

/* Writes the dense state vector (2^n entries) for n <= 30: for tests. */
int mps_to_dense(mps *m, double complex *psi);

/* The sum of discarded weights, prod(1 - discarded weight) and its natural
 * logarithm (which does not underflow) so far (collective). Kept as exact
 * fixed-point sums (tensor/exact.h): the same bits on any rank count, thread
 * count or resume. */
double mps_discarded_weight(const mps *m);
double mps_fidelity_estimate(const mps *m);
double mps_log_fidelity_estimate(const mps *m);

/* Those three and the decomposition count, with one collective (for a per-shot caller). */
typedef struct {
    double discarded_weight, fidelity, log_fidelity;
    size_t decompositions;
} mps_truncation;
void mps_get_truncation(const mps *m, mps_truncation *t);

/* Number of truncating decompositions so far (collective). */
size_t mps_decompositions(const mps *m);

/* The n-1 bond dimensions, left to right along the chain (site order; collective). */
void mps_bond_dims(const mps *m, int *dims);

/* The largest bond dimension now (collective). */
int mps_max_bond(const mps *m);

/* This rank's view, without communication (progress display): the largest
 * bond next to its own sites and its share of the fidelity estimate. */
int mps_local_max_bond(const mps *m);
double mps_local_fidelity(const mps *m);

/* This rank's view of bond b (between sites b and b+1), without
 * communication: its dimension if this rank holds site b or b+1, else 0. */
int mps_local_bond(const mps *m, int b);

/* Bytes held by the site tensors on this rank now (local). */
size_t mps_bytes(const mps *m);

/* The site of the orthogonality centre now (the same on every rank). */
int mps_center(const mps *m);

/* Where the gates are working: the centre in the centre form; in Vidal form
 * the site where the last multi-qubit gate would have left the centre (the
 * scheduler follows it for circuits that need swaps). */
int mps_focus(const mps *m);

/* The site of qubit q and the qubit on site s now (swaps move them). */
int mps_site_of(const mps *m, int qubit);
int mps_qubit_at(const mps *m, int site);

#endif
