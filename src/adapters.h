/* adapters.h - `tnemu adapters SPEC.json`: Cayley unitary adapter blocks on
 * a device, emulated as a batch of circuits farmed over MPI groups (see
 * adapters.c and docs/adapters.md).
 * Not for: block placement and compilation (blocks.h). */
#ifndef TN_ADAPTERS_H
#define TN_ADAPTERS_H

#include <jansson.h>
#include <mpi.h>

/* Runs `tnemu adapters ARGS...`; collective over MPI_COMM_WORLD; returns a tn_status. */
int adapters_command(int argc, char **argv);

/* Reads and checks the spec at path as `tnemu adapters` does (its device and
 * inputs files too), then frees it; for tests and the fuzzer. Not collective. */
int adapters_check_spec(const char *path);

/* Runs the parsed spec as `tnemu adapters` does (no overrides, no summary)
 * on comm with groups MPI groups (0: chosen); path names the spec in
 * messages and anchors its relative file names. Collective over comm; its
 * rank 0 gets the result JSON in *out (the others NULL). For the library. */
int adapters_run_json(MPI_Comm comm, json_t *spec, const char *path, long groups, json_t **out);

/* Checks the parsed spec as a run would (device, noise model and inputs files
 * read, blocks placed), then frees it; info gets: block qubits k, 2^k, complex
 * generators (0/1), generators, inputs, numbers per input, blocks per
 * circuit, circuits. Not collective. For the library. */
int adapters_check_json(json_t *spec, const char *path, long info[8]);

#endif
