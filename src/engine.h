/* engine.h - running one circuit request on a communicator: the part that
 * `tnemu run` (cli.c) and the library's tnemu_run (api_run.c) share, so the
 * command and the library cannot drift apart: the noise model read and
 * agreed on, the ranks split into groups, the circuit emulated and the
 * results gathered on rank 0 of the communicator.
 * Not for: parsing options (cli.c), writing or returning results (result.c,
 * api_run.c). */
#ifndef TN_ENGINE_H
#define TN_ENGINE_H

#include <mpi.h>

#include "cli.h"
#include "group.h"
#include "noise.h"
#include "run.h"

typedef struct {
    noise_model *noise;         /* the model read for rq->noise_path (NULL: none) */
    tn_group *grp;              /* the groups the ranks were split into */
    run_result res;             /* collected on rank 0 of the communicator */
    double t_noise, t_run;      /* seconds reading the noise model; emulating */
} engine_state;

/* Emulates c as rq asks (rq->run.noise and rq->run.grp are set here) on
 * world; every rank of world calls it with the same request and circuit.
 * Returns the status every rank agrees on; on TN_OK rank 0 of world holds
 * the collected result in st->res. Free st with engine_state_free whatever
 * the status. Collective over world. */
int engine_run(MPI_Comm world, const circuit *c, run_request *rq, engine_state *st);

void engine_state_free(engine_state *st);

#endif
