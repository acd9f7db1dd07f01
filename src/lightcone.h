/* lightcone.h - the backward light cone of a few observed qubits.
 *
 * Walking the circuit from its end, an operation is in the light cone when
 * it touches a qubit already in it; its qubits then join the cone. Gates
 * outside the cone commute past the observable (they act on other qubits
 * after every cone gate that could connect them), so expectation values and
 * marginals of the observed qubits are those of the pruned circuit.
 * Terminal measurements (of a static circuit) are not operations of the
 * cone; barriers join it only when asked (a noisy schedule aligns qubits at
 * a barrier, so its timing would depend on qubits outside).
 * Not for: circuits whose measured or reset qubits are used again (the
 * caller keeps those whole). */
#ifndef TN_LIGHTCONE_H
#define TN_LIGHTCONE_H

#include <stddef.h>

#include "circuit.h"

typedef struct {
    int qubits;                 /* qubits in the cone */
    size_t gates, gates_total;  /* gates kept, gates of the circuit */
} lightcone_info;

/* Marks keep[i] = 1 for the operations of c in the light cone of the qubits
 * with observed[q] != 0, and in_cone[q] for its qubits. */
void lightcone_mark(const circuit *c, const unsigned char *observed, int keep_barriers, unsigned char *keep,
                    unsigned char *in_cone, lightcone_info *info);

/* The circuit of the kept operations on the cone's qubits only, renumbered
 * in increasing order (new_index[q]: its index there, or -1), without
 * classical bits. Returns TN_OK or TN_ERR_MEMORY. */
int lightcone_circuit(const circuit *c, const unsigned char *keep, const unsigned char *in_cone, circuit **out,
                      int *new_index);

#endif
