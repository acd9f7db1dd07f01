/* stabilizer.h - a small stabilizer-tableau reference (Aaronson and Gottesman,
 * PRA 70, 052328) for Clifford circuits of any width: H, S, CX on |0...0>,
 * and the expectation value (-1, 0 or +1) of a Pauli string.
 * Plain and apart from the engine: it shares no code with src/.
 * Not for: non-Clifford gates (the caller decomposes Clifford ones). */
#ifndef TN_REF_STABILIZER_H
#define TN_REF_STABILIZER_H

typedef struct {
    int n;
    unsigned char *x, *z, *r;   /* 2n rows (destabilizers, then stabilizers) of n bits, plus a scratch row */
} stab_state;

/* |0...0> on n qubits; returns 0 or -1 (no memory). */
int stab_init(stab_state *s, int n);
void stab_free(stab_state *s);

void stab_h(stab_state *s, int q);
void stab_s(stab_state *s, int q);
void stab_cx(stab_state *s, int control, int target);

/* <P> for paulis[q] in I X Y Z: -1, 0 or +1. */
int stab_expect(stab_state *s, const char *paulis);

#endif
