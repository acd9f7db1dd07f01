/* adapters_spec.h - the spec of `tnemu adapters` (docs/adapters.md): what
 * it asks for, read and checked; private to adapters*.c.
 * Not for: running the adapters (adapters.c). */
#ifndef TN_ADAPTERS_SPEC_H
#define TN_ADAPTERS_SPEC_H

#include <complex.h>
#include <jansson.h>
#include <stdint.h>

#include "blocks.h"
#include "noise.h"

#define DEFAULT_SHOTS 8192
#define ADAPTERS_MAX_INPUT_NUMBERS (1L << 28)   /* 2 GiB of inputs: far more than a model's activations */
#define SPEC_STREAM 0x53504543ull   /* random generators and inputs of a spec */

/* How circuits are run: per block (exact density matrices when the blocks are
 * independent, else the MPS with trajectories), or always the MPS. */
enum adapter_method { METHOD_AUTO, METHOD_PER_BLOCK, METHOD_MPS };

typedef struct {
    /* from the spec */
    char *path;
    device_graph dev;
    int emit_originir;          /* device from Origin: OriginIR, else OpenQASM 2 */
    int k, d;
    int complex_generators;
    int compile_separate;       /* encoding, then the compiled U (else one merged preparation) */
    int method;                 /* enum adapter_method */
    double cayley_c;
    int ngen;                   /* generators given (1: shared by every block) */
    double complex *gens;       /* ngen x d x d skew-Hermitian K */
    int ninputs, pieces;        /* pieces per input */
    double *inputs;             /* ninputs x (pieces d) */
    long shots;
    uint64_t seed;
    char *noise_path;
    double noise_scale;
    noise_t2 t2;                       /* "t2": ramsey or echo (Origin calibrations); 0: the default */
    long trajectories;
    /* derived */
    double complex *unitaries;  /* ngen x d x d */
    int nblocks;                /* blocks per circuit */
    int *blocks;                /* nblocks x k device qubits */
} adapter_spec;

/* Reads and checks the spec at path; k_override > 0 replaces its block size
 * and scale_override >= 0 its noise scale (a sweep point). Returns TN_OK, or
 * TN_ERR_INPUT / TN_ERR_IO with a one-line message naming the file and key.
 * Free with adapter_spec_free even on failure. */
/* Reads a spec from its parsed JSON (path: for messages and relative file
 * names); root is changed only by the overrides (k_override > 0: the block
 * size; scale_override >= 0: the noise scale). */
int adapter_spec_from_json(json_t *root, const char *path, int k_override, double scale_override, adapter_spec *s);

int adapter_spec_read(const char *path, int k_override, double scale_override, adapter_spec *s);

/* Frees what the spec holds and zeroes it. */
void adapter_spec_free(adapter_spec *s);

#endif
