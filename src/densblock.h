/* densblock.h - exact output distributions of a circuit made of independent
 * blocks: disjoint qubit sets that no gate and no noise step joins. Each block
 * is evolved as its own 2^k x 2^k density matrix under the noise plan the
 * trajectory path uses (noisy.h: the same as-soon-as-possible schedule, idle
 * relaxation until the last operation of the whole circuit, gate channels,
 * coherent errors), and its readout confusion is applied to its distribution
 * exactly. Shots are then drawn per block (multinomial), so the result has no
 * trajectory sampling error.
 * Not for: circuits whose noise couples blocks (a static ZZ coupler between
 * two blocks, 1/f dephasing: the trajectory path of run.c), mid-circuit
 * measurement, blocks wider than DENSBLOCK_MAX_K qubits. */
#ifndef TN_DENSBLOCK_H
#define TN_DENSBLOCK_H

#include "circuit.h"
#include "noise.h"
#include "rng.h"

#define DENSBLOCK_MAX_K 6

/* The distribution of each block's k qubits after circuit c under noise
 * (NULL: noiseless), readout errors included: probs[b * 2^k + idx], bit j of
 * idx the outcome of qubit blocks[b * k + j]. Qubits outside every block may
 * carry no gate. When the blocks are not independent (a gate or a noise step
 * joins two of them, or joins a block with a qubit outside it; 1/f dephasing;
 * an operation after a measurement), *why_not gets a reason code > 0
 * (densblock_reason says it), probs is left unset and TN_OK is returned; else
 * *why_not = 0.
 * Returns TN_OK, TN_ERR_MEMORY, or the noise plan's errors (TN_ERR_INPUT: a
 * qubit or gate the calibration marks unusable or lacks). Not collective. */
int densblock_probs(const circuit *c, const noise_model *noise, int k, int nblocks, const int *blocks, double *probs,
                    int *why_not);

/* The reason of a code densblock_probs gives, as a static string. */
const char *densblock_reason(int why_not);

/* Draws `shots` outcomes from the distribution probs[0..n-1] (it need not be
 * normalised exactly) as counts[0..n-1]: a multinomial by sequential
 * binomials, each drawn exactly by inversion outward from its mode, in
 * O(sqrt(shots)) per outcome. Deterministic for the stream r. */
void densblock_multinomial(rng_stream *r, long shots, const double *probs, int n, long *counts);

/* One binomial(n, p) draw from r, exactly (inversion from the mode). */
long densblock_binomial(rng_stream *r, long n, double p);

#endif
