/* circuit.h - the circuit intermediate representation every front end produces.
 *
 * A circuit is a flat list of operations on global qubit and clbit indices
 * (registers are flattened in declaration order). Custom gate definitions are
 * already expanded by the front end, so every gate is a built-in (gates.h) or
 * a dense k-qubit matrix. Conditions (OpenQASM `if(creg==N)`) compare a whole
 * classical register with an integer of any width, stored as 64-bit words.
 * Not for: simulation (mps*.c) or parsing (qasm.c). */
#ifndef TN_CIRCUIT_H
#define TN_CIRCUIT_H

#include <complex.h>
#include <stddef.h>
#include <stdint.h>

#define CIRC_MAX_GATE_QUBITS 10
#define CIRC_MAX_PARAMS 4
#define CIRC_NAME_MAX 64

enum op_kind { OP_GATE, OP_MEASURE, OP_RESET, OP_BARRIER };

typedef struct {
    int kind;                          /* enum op_kind */
    int gate;                          /* enum gate_id, for OP_GATE */
    int nqubits;                       /* qubits touched (barrier: up to the max) */
    int qubits[CIRC_MAX_GATE_QUBITS];  /* q[0] is the most significant matrix bit */
    double params[CIRC_MAX_PARAMS];
    double complex *matrix;            /* GATE_UNITARY: 2^k x 2^k, owned by circuit */
    int clbit;                         /* OP_MEASURE: destination bit */
    int cond_reg;                      /* -1, or the creg index compared */
    size_t cond_value;                 /* index into circuit.cond_words */
    int cond_bit;                      /* 0: the whole register; k > 0: only its bit k-1 (OpenQASM 3 `if (c[k-1])`) */
    int cond_negated;                  /* 1: the op runs when the condition fails (an `else` branch) */
    int line, col;                     /* source position, for messages */
} circ_op;

typedef struct {
    char name[CIRC_NAME_MAX];
    int offset, size;                  /* first global index and width */
} circ_reg;

typedef struct {
    char source[256];                  /* file name, for messages */
    int nqubits, nclbits;
    circ_reg *qregs, *cregs;
    int nqregs, ncregs;
    circ_op *ops;
    size_t nops, ops_cap;
    uint64_t *cond_words;              /* condition values, words of 64 bits */
    size_t ncond_words, cond_cap;
} circuit;

/* Creates an empty circuit named after source. Returns TN_OK or TN_ERR_MEMORY. */
int circ_create(const char *source, circuit **out);

/* Frees the circuit and every matrix it owns; accepts NULL; sets *c to NULL. */
void circ_destroy(circuit **c);

/* Adds a register of size bits (quantum if quantum != 0) and returns its index
 * in *index. Fails with TN_ERR_INPUT on a repeated name. */
int circ_add_qreg(circuit *c, const char *name, int size, int *index);
int circ_add_creg(circuit *c, const char *name, int size, int *index);

/* Looks up a register by name; returns its index or -1. */
int circ_find_qreg(const circuit *c, const char *name);
int circ_find_creg(const circuit *c, const char *name);

/* Appends a copy of op. A GATE_UNITARY matrix is copied too. */
int circ_append(circuit *c, const circ_op *op);

/* Stores the value of a condition (little-endian 64-bit words, words of them,
 * exactly ceil(width/64)) and returns its index for circ_op.cond_value. */
int circ_add_cond_value(circuit *c, const uint64_t *value, size_t words, size_t *index);

/* Whether the classical bits (one byte per bit) of register reg equal the
 * condition value at index value. */
int circ_cond_holds(const circuit *c, int reg, size_t value, const unsigned char *clbits);

/* Whether the condition of op (which has one: cond_reg >= 0) holds for the
 * classical bits, honouring cond_bit and cond_negated. */
int circ_op_cond_holds(const circuit *c, const circ_op *op, const unsigned char *clbits);

/* Counts: gates by width (counts[k] for k qubits, k <= CIRC_MAX_GATE_QUBITS),
 * measures, resets, conditional ops. */
typedef struct {
    size_t by_width[CIRC_MAX_GATE_QUBITS + 1];
    size_t measures, resets, barriers, conditionals;
    int depth;                         /* gate layers, barriers excluded */
    int dynamic;                       /* 1 if a measured/reset qubit is used again, or an if() */
} circ_stats;

void circ_get_stats(const circuit *c, circ_stats *st);

#define CIRC_SMALL_UNITARY_MAX 5

/* The 2^n x 2^n unitary of a circuit of n <= CIRC_SMALL_UNITARY_MAX qubits
 * made of gates and barriers only (row-major, qubit 0 the most significant
 * bit): for checking a gate definition against a built-in matrix. Returns
 * TN_OK, or TN_ERR_INPUT if it measures, resets or has conditions. */
int circ_small_unitary(const circuit *c, double complex *u);

#endif
