/* engine.c - running one circuit request on a communicator, for the
 * command and the library alike (see engine.h). */
#include "engine.h"

#include <string.h>

#include "error.h"
#include "scalapack.h"

/* Splits world into teams and groups, and sets up the teams' grids. */
static int make_groups(MPI_Comm world, const circuit *c, const run_request *rq, engine_state *st)
{
    int ranks, team_size = rq->team_size > 1 ? (int)rq->team_size : 1;
    MPI_Comm_size(world, &ranks);
    CALL(group_create_teams(world, cli_choose_groups(rq, c, ranks / team_size), team_size, &st->grp, &st->team));
    if (!st->team) return TN_OK;
    int status = scal_create(st->team, &st->team_grid);   /* collective over the team */
    return group_agree(world, status);
}

/* A leader's run: the circuit, then the end of its team's service and the
 * one fact of the result its members cannot know (whether it was noisy). */
static int lead(const circuit *c, run_request *rq, engine_state *st)
{
    int status = run_circuit(c, &rq->run, &st->res);
    if (status == TN_OK && st->team_grid) {
        status = scal_step_done(st->team_grid);
        int noisy = st->res.noisy;
        if (status == TN_OK) status = group_bcast(st->team, 0, &noisy, sizeof noisy);
    }
    if (status) group_fail(st->grp, status);
    return status;
}

/* A team member's run: serving its leader's eigensolves. */
static int serve(const circuit *c, run_request *rq, engine_state *st)
{
    int status = TN_OK, noisy = 0;
    if (tn_inject("team", st->team->world_rank))
        status = tn_fail(TN_ERR_NUMERIC, "numerical failure injected on rank %d (TNEMU_INJECT)", st->team->world_rank);
    if (status == TN_OK) status = run_serve_team(c, &rq->run, &st->res);
    if (status == TN_OK) status = group_bcast(st->team, 0, &noisy, sizeof noisy);
    st->res.noisy = noisy;
    if (status) group_fail(st->team, status);
    return status;
}

int engine_run(MPI_Comm world, const circuit *c, run_request *rq, engine_state *st)
{
    memset(st, 0, sizeof *st);
    int status = TN_OK;
    if (rq->noise_path) {
        double t0 = run_now();
        status = noise_load_t2(rq->noise_path, rq->noise_format, rq->noise_scale, rq->t2, &st->noise);
        status = group_agree(world, status);   /* every rank read the file: agree before any collective */
        rq->run.noise = st->noise;
        st->t_noise = run_now() - t0;
    }
    if (status == TN_OK) status = make_groups(world, c, rq, st);
    if (status == TN_OK) {
        rq->run.grp = st->grp;
        rq->run.team_grid = st->team_grid;
        double t0 = run_now();
        status = st->grp ? lead(c, rq, st) : serve(c, rq, st);
        if (st->team_grid) {
            st->res.scalapack_solves = scal_solves(st->team_grid);
            st->res.team_windows = scal_windows(st->team_grid);
            st->res.team_windows_returned = scal_windows_returned(st->team_grid);
            st->res.team_windows_svd = scal_windows_svd(st->team_grid);
        }
        st->t_run = run_now() - t0;
    }
    status = group_agree(world, status);
    if (status == TN_OK) status = run_collect(world, &rq->run, &st->res);
    return status;
}

void engine_state_free(engine_state *st)
{
    run_result_free(&st->res);
    scal_destroy(&st->team_grid);
    group_destroy(&st->team);
    group_destroy(&st->grp);
    noise_destroy(&st->noise);
}
