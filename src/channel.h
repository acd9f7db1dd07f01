/* channel.h - quantum channels in the forms a trajectory applies them.
 *
 * Three forms, cheapest first:
 *  - Pauli: a k-qubit Pauli string drawn with fixed probabilities (4^k of
 *    them, qubit j's letter in base-4 digit k-1-j: I X Y Z = 0 1 2 3), applied
 *    as one-qubit gates. Depolarizing and phase damping are built this way.
 *  - mixed unitary: one of a few unitaries drawn with fixed probabilities.
 *  - Kraus: operators K_i drawn with the state-dependent probability
 *    ||K_i psi||^2 (the unravelling of non-unital channels such as
 *    amplitude damping and thermal relaxation).
 * Matrices follow gates.h: 2^k x 2^k, row-major, the first listed qubit the
 * most significant bit. Every constructor checks its parameters and names the
 * offending value in a one-line TN_ERR_INPUT message prefixed by `where`.
 * Not for: deciding which channel follows which gate (noise.h). */
#ifndef TN_CHANNEL_H
#define TN_CHANNEL_H

#include <complex.h>

#define CHANNEL_MAX_QUBITS 3
#define CHANNEL_CPTP_TOL 1e-10   /* || sum K^dagger K - I ||_max allowed */

enum channel_kind { CHANNEL_PAULI, CHANNEL_MIXED_UNITARY, CHANNEL_KRAUS };

typedef struct {
    int kind;              /* enum channel_kind */
    int nqubits;           /* k */
    int nops;              /* Pauli: 4^k; otherwise the number of matrices */
    double *probs;         /* Pauli and mixed unitary: fixed probabilities */
    double complex *ops;   /* mixed unitary and Kraus: nops matrices of 2^k x 2^k */
    int is_identity;       /* nothing to apply */
} channel;

/* Frees what a channel owns and zeroes it; accepts an empty channel. */
void channel_free(channel *ch);

/* A deep copy. */
int channel_copy(const channel *src, channel *dst);

/* rho -> (1 - p) rho + p tr(rho) I / 2^k, p in [0, 4^k / (4^k - 1)]. */
int channel_depolarizing(int k, double p, const char *where, channel *ch);

/* A Pauli channel from 4^k probabilities (index 0 = identity); they must be
 * in [0, 1] and sum to 1 within 1e-10. */
int channel_pauli(int k, const double *probs, const char *where, channel *ch);

/* Amplitude damping |1> -> |0> with probability gamma in [0, 1]. */
int channel_amplitude_damping(double gamma, const char *where, channel *ch);

/* Phase damping: off-diagonals scaled by sqrt(1 - lambda), lambda in [0, 1]. */
int channel_phase_damping(double lambda, const char *where, channel *ch);

/* Thermal relaxation towards |0> for `time` seconds with T1, T2 (seconds,
 * T2 <= 2 T1): populations decay by exp(-t/T1), coherences by exp(-t/T2).
 * Amplitude damping followed by the extra pure dephasing, as Kraus operators. */
int channel_thermal(double t1, double t2, double time, const char *where, channel *ch);

/* A general Kraus set (nops matrices of 2^k x 2^k); refused unless
 * sum K^dagger K = I within CHANNEL_CPTP_TOL. A set whose every K^dagger K is
 * a multiple of I is stored as a mixed unitary (probabilities fixed). */
int channel_kraus(int k, int nops, const double complex *ops, const char *where, channel *ch);

/* The channel (1 - lambda) id + lambda ch for lambda in [0, 1] (noise scale
 * of a general channel). */
int channel_mix_identity(channel *ch, double lambda, const char *where);

/* The entanglement (process) fidelity tr(S)/d^2 and the average gate
 * fidelity (d F_e + 1)/(d + 1) of the channel. */
double channel_process_fidelity(const channel *ch);
double channel_average_fidelity(const channel *ch);

/* The Kraus operators of any form (Pauli and mixed unitary written as
 * sqrt(p) U), for references and tests: *ops gets nops matrices (malloc'd). */
int channel_kraus_ops(const channel *ch, double complex **ops, int *nops);

/* Writes the one-qubit Pauli matrix of letter index a (0..3: I X Y Z). */
void channel_pauli_matrix(int a, double complex *m);

#endif
