/* blocks.h - adapter blocks on a device: the coupling graph, disjoint
 * connected k-qubit blocks on it, and the emission of a compiled block
 * (synth.h) as OpenQASM 2 with IBM's native set (rz, sx, x, cz) or OriginIR
 * (U3, CZ).
 * Not for: compiling a block (synth.c), running circuits (run.c), the
 * adapter spec (adapters.c). */
#ifndef TN_BLOCKS_H
#define TN_BLOCKS_H

#include <complex.h>
#include <stddef.h>

#include "circuit.h"
#include "noise.h"
#include "synth.h"

typedef struct {
    int nqubits;
    int nedges;
    int (*edges)[2];           /* undirected, each once (a < b) */
    char name[64];
} device_graph;

/* Reads a coupling graph: an IBM conf_*.json ("coupling_map"), Origin's grid
 * topology JSON ("full_grid_edges_126"/"n_qubits"), or builds a line of n or
 * a rows x cols grid (kind "line" / "grid"). Returns TN_OK, TN_ERR_IO,
 * TN_ERR_INPUT or TN_ERR_MEMORY. */
int device_read(const char *path, device_graph *g);
int device_line(int n, device_graph *g);
int device_grid(int rows, int cols, device_graph *g);
void device_free(device_graph *g);

/* Chooses disjoint connected k-qubit blocks (as many as it can, greedily from
 * the least connected qubits) avoiding qubits and couplers the noise model
 * marks unusable or lacks (noise may be NULL). blocks: at least
 * nqubits/k * k ints; qubit j of block b is blocks[b*k + j]. Returns the
 * number of blocks. */
int blocks_place(const device_graph *g, int k, const noise_model *noise, int *blocks);

/* Whether the calibration noise (NULL: none, all usable) lets qubit q, or
 * the coupler a-b (a working CZ), be used. */
int device_qubit_usable(const noise_model *noise, int q);
int device_coupler_usable(const noise_model *noise, int a, int b);

/* The k x k coupling of the device qubits qubits[0..k-1] (for blocks_state_prep). */
void blocks_coupling(const device_graph *g, int k, const int *qubits, unsigned char *adj);

/* Appends ops on the device qubits qubits[] to text as OpenQASM 2 in IBM's
 * native gates (rz, sx, x, cz) or as OriginIR (U3, CZ). Returns TN_OK or
 * TN_ERR_MEMORY. */
typedef struct {
    char *text;
    size_t len, cap;
} text_buf;
int text_printf(text_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int blocks_emit_qasm(text_buf *b, const native_op *ops, int nops, const int *qubits);
int blocks_emit_originir(text_buf *b, const native_op *ops, int nops, const int *qubits);

/* Appends to c the very operations that parsing blocks_emit_qasm's text
 * (originir = 0: rz, sx, cz) or blocks_emit_originir's (U3, CZ) gives, without
 * the text: the same gates, qubits and parameters (%.17g reads back exactly).
 * Returns TN_OK or TN_ERR_MEMORY. */
int blocks_append_ops(circuit *c, const native_op *ops, int nops, const int *qubits, int originir);

#endif
