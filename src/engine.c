/* engine.c - running one circuit request on a communicator, for the
 * command and the library alike (see engine.h). */
#include "engine.h"

#include <string.h>

#include "error.h"

int engine_run(MPI_Comm world, const circuit *c, run_request *rq, engine_state *st)
{
    int ranks;
    MPI_Comm_size(world, &ranks);
    memset(st, 0, sizeof *st);
    int status = TN_OK;
    if (rq->noise_path) {
        double t0 = run_now();
        status = noise_load_t2(rq->noise_path, rq->noise_format, rq->noise_scale, rq->t2, &st->noise);
        status = group_agree(world, status);   /* every rank read the file: agree before any collective */
        rq->run.noise = st->noise;
        st->t_noise = run_now() - t0;
    }
    if (status == TN_OK) status = group_create(world, cli_choose_groups(rq, c, ranks), &st->grp);
    if (status == TN_OK) {
        rq->run.grp = st->grp;
        double t0 = run_now();
        status = run_circuit(c, &rq->run, &st->res);
        st->t_run = run_now() - t0;
        if (status) group_fail(st->grp, status);
    }
    status = group_agree(world, status);
    if (status == TN_OK) status = run_collect(world, &rq->run, &st->res);
    return status;
}

void engine_state_free(engine_state *st)
{
    run_result_free(&st->res);
    group_destroy(&st->grp);
    noise_destroy(&st->noise);
}
