/* engine.h - running one circuit request on a communicator: the part that
 * `tnemu run` (cli.c) and the library's tnemu_run (api_run.c) share, so the
 * command and the library cannot drift apart: the noise model read and
 * agreed on, the ranks split into teams and groups, the circuit emulated
 * and the results gathered on rank 0 of the communicator.
 * Teams (--team-size T > 1): the world's ranks form teams of T contiguous
 * ranks; the teams' leaders form the groups and hold the state exactly as
 * ranks do without teams, and each leader's eigensolves of at least
 * --scalapack-min rows run on its team's ScaLAPACK grid, which the other
 * members serve (run_serve_team) until the leader's run is over.
 * Not for: parsing options (cli.c), writing or returning results (result.c,
 * api_run.c). */
#ifndef TN_ENGINE_H
#define TN_ENGINE_H

#include <mpi.h>

#include "cli.h"
#include "group.h"
#include "noise.h"
#include "run.h"

struct tn_scalapack;

typedef struct {
    noise_model *noise;         /* the model read for rq->noise_path (NULL: none) */
    tn_group *grp;              /* the groups the ranks (the teams' leaders) were split into; NULL on a team member */
    tn_group *team;             /* --team-size > 1: this rank's team; else NULL */
    struct tn_scalapack *team_grid;   /* the team's process grid (NULL: no team) */
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
