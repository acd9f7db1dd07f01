/* adapters.h - `tnemu adapters SPEC.json`: Cayley unitary adapter blocks on
 * a device, emulated as a batch of circuits farmed over MPI groups (see
 * adapters.c and docs/adapters.md).
 * Not for: block placement and compilation (blocks.h). */
#ifndef TN_ADAPTERS_H
#define TN_ADAPTERS_H

/* Runs `tnemu adapters ARGS...`; collective over MPI_COMM_WORLD; returns a tn_status. */
int adapters_command(int argc, char **argv);

/* Reads and checks the spec at path as `tnemu adapters` does (its device and
 * inputs files too), then frees it; for tests and the fuzzer. Not collective. */
int adapters_check_spec(const char *path);

#endif
