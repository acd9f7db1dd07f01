/* qnn.h - `tnemu qnn SPEC.json`: hybrid quantum/tensor-network layers
 * (angle encoding, RY/RZ layers, CZ on device couplers), expectation values
 * and parameter-shift gradients as one batch farmed over MPI groups in task
 * groups (see qnn.c and docs/qnn.md).
 * Not for: adapter blocks (adapters.h). */
#ifndef TN_QNN_H
#define TN_QNN_H

#include <jansson.h>
#include <mpi.h>

/* Runs `tnemu qnn ARGS...`; collective over MPI_COMM_WORLD; returns a tn_status. */
int qnn_command(int argc, char **argv);

/* Reads and checks the spec at path as `tnemu qnn` does, then frees it; for
 * tests and the fuzzer. Not collective. */
int qnn_check_spec(const char *path);

/* Runs the parsed spec as `tnemu qnn` does (mode, if not NULL, overrides
 * the spec's) on comm with groups MPI groups (0: chosen); path names the spec
 * in messages and anchors its relative file names. Collective over comm; its
 * rank 0 gets the result JSON in *out (the others NULL). For the library. */
int qnn_run_json(MPI_Comm comm, json_t *spec, const char *path, const char *mode, long groups, json_t **out);

/* Checks the parsed spec, then frees it; info gets: qubits, parameters per
 * set, features per input, observables, parameter sets, inputs. Not
 * collective. For the library. */
int qnn_check_json(json_t *spec, const char *path, long info[6]);

#endif
