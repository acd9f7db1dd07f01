/* qnn.h - `tnemu qnn SPEC.json`: hybrid quantum/tensor-network layers
 * (angle encoding, RY/RZ layers, CZ on device couplers), expectation values
 * and parameter-shift gradients as one batch farmed over MPI groups in task
 * groups (see qnn.c and docs/qnn.md).
 * Not for: adapter blocks (adapters.h). */
#ifndef TN_QNN_H
#define TN_QNN_H

/* Runs `tnemu qnn ARGS...`; collective over MPI_COMM_WORLD; returns a tn_status. */
int qnn_command(int argc, char **argv);

/* Reads and checks the spec at path as `tnemu qnn` does, then frees it; for
 * tests and the fuzzer. Not collective. */
int qnn_check_spec(const char *path);

#endif
