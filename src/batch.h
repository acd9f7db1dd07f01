/* batch.h - `tnemu batch MANIFEST.json`: many circuits with per-task `tnemu
 * run` options, farmed dynamically over MPI groups, one JSON line per task
 * in task order (see batch.c and docs/batch.md).
 * Not for: one circuit (run.c). */
#ifndef TN_BATCH_H
#define TN_BATCH_H

/* Runs `tnemu batch ARGS...`; collective over MPI_COMM_WORLD; returns a tn_status. */
int batch_command(int argc, char **argv);

/* Reads and checks the manifest at path as `tnemu batch` does before any
 * task runs, then frees it; for tests and the fuzzer. Not collective. */
int batch_check_manifest(const char *path);

#endif
