/* expect.h - how expectation values are computed: the state (MPS) or the
 * Heisenberg picture (Pauli propagation, pauliprop.h, or an operator MPS,
 * opmps.h), each on the backward
 * light cone of the observed qubits (lightcone.h), and `auto` choosing.
 *
 * auto: the Heisenberg picture when it applies (a static circuit, gates of
 * at most 3 qubits, no 1/f dephasing) and stays within its string budget;
 * otherwise the state, on the light cone when the run is noiseless. The
 * report of each observable says which method ran, why, its truncation
 * figures and an error estimate.
 * Not for: the state's own observables (run.c, mps.c). */
#ifndef TN_EXPECT_H
#define TN_EXPECT_H

#include <stddef.h>

#include "circuit.h"
#include "noisy.h"

/* EXPECT_STATE is 0: callers that zero their run options keep the state's values */
enum expect_method { EXPECT_STATE, EXPECT_AUTO, EXPECT_HEISENBERG, EXPECT_HEISENBERG_MPS };

#define EXPECT_DEFAULT_PAULI_CUTOFF 1e-5
#define EXPECT_DEFAULT_PAULI_MAX_TERMS ((size_t)1 << 22)
/* Under auto, without --pauli-max-terms: a try of this many strings at most
 * (a fraction of a second), then the state. Circuits that need more (deep,
 * non-Clifford, wide light cones) cost far more in the Heisenberg picture
 * than as a state, so auto must not spend the whole default budget on them. */
#define EXPECT_AUTO_PAULI_MAX_TERMS ((size_t)1 << 16)
#define EXPECT_CONVERGENCE_FACTOR 10   /* heisenberg's error estimate: rerun at this times the cutoff */

typedef struct {
    int method;                 /* asked: enum expect_method */
    int lightcone;              /* prune the state's runs to the light cone (--no-lightcone: 0); with
                                 * method state and lightcone 0 (zeroed options) observables are the state's, as before */
    double pauli_cutoff;        /* drop Pauli strings with |c| below (0: keep all) */
    size_t pauli_max_terms;     /* strings allowed at once (0: EXPECT_DEFAULT_PAULI_MAX_TERMS) */
} expect_options;

typedef struct {
    int done;                   /* computed here (else by the main state run) */
    int method;                 /* the method that ran: EXPECT_STATE, EXPECT_HEISENBERG or EXPECT_HEISENBERG_MPS */
    int lightcone;              /* pruned to the light cone */
    int lightcone_qubits;
    size_t gates_kept, gates_total;
    double value;
    double error_estimate;      /* Heisenberg: |value - value at EXPECT_CONVERGENCE_FACTOR x the cutoff|; state: 2 sqrt(1 - fidelity) */
    double error_bound;         /* Heisenberg: sum of dropped |c| (rigorous); operator MPS: the dropped
                                 * Frobenius norm sqrt(1 - fidelity) (conservative, not a bound); state: as
                                 * error_estimate */
    size_t pauli_terms_max;     /* Heisenberg: most strings held at once */
    double dropped_weight;      /* Heisenberg: sum of dropped c^2; state: discarded weight */
    double fidelity_estimate;   /* state: the light-cone run's; Heisenberg: 1 */
    int max_bond;               /* state, operator MPS */
    int opmps_sites;            /* operator MPS: sites of the doubled chain (2 per qubit of the cone) */
    size_t opmps_decompositions;
    double seconds;
    char note[400];             /* why this method */
} expect_report;

/* Parses auto|state|heisenberg|heisenberg-mps for --expectation-method; TN_ERR_USAGE otherwise. */
int expect_parse_method(const char *value, int *method);

/* "auto", "state", "heisenberg", "heisenberg-mps". */
const char *expect_method_name(int method);

/* The expectation in |0...0> of paulis (one letter per qubit) after c and
 * the noise of plan (NULL: noiseless), by Pauli propagation; fills the
 * Heisenberg figures of rep. TN_ERR_USAGE when the circuit is not static
 * or an operation cannot be propagated (named); TN_ERR_NUMERIC past the
 * string budget. */
int expect_heisenberg(const circuit *c, const noisy_plan *plan, const char *paulis, const expect_options *opt,
                      expect_report *rep);

#endif
