/* cli.h - the command line: subcommands, option parsing and validation.
 *
 * Every bad option or value fails with TN_ERR_USAGE and a one-line message
 * naming the option, the value and the valid range.
 * Not for: the work itself (run.c, result.c). */
#ifndef TN_CLI_H
#define TN_CLI_H

#include <mpi.h>

#include "circuit.h"
#include "options.h"
#include "run.h"

/* Parses `tnemu run` arguments (argv[1] is "run", argv[2].. the circuit and
 * options) into rq (free rq->list_storage). Used by run and by batch tasks,
 * so both validate alike. Returns TN_OK or TN_ERR_USAGE. */
int cli_parse_run_args(int argc, char **argv, run_request *rq);

/* Reads a circuit on rank 0 of comm and parses it on every rank, in the
 * format given or implied by its name. Collective over comm. */
int cli_read_circuit(MPI_Comm comm, const char *path, const char *format, circuit **out);

/* The default number of groups for a run request on `ranks` ranks. */
int cli_choose_groups(const run_request *rq, const circuit *c, int ranks);

/* Runs `tnemu ARGS...`; returns the process exit status (0, 1 or 2). */
int cli_main(int argc, char **argv);

#endif
