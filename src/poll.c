/* poll.c - stopping a static run for a signal after its gates (poll.h). */
#include "poll.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>

#include "checkpoint.h"
#include "error.h"
#include "resume.h"

void poll_state_free(poll_state *p)
{
    json_decref(p->identity);
    free(p->applied);
    p->identity = NULL;
    p->applied = NULL;
}

static MPI_Comm poll_world(const run_options *opt) { return opt->grp ? opt->grp->world : MPI_COMM_SELF; }

int poll_after_gates(poll_state *p, int status, const char *phase)
{
    const run_options *opt = p->opt;
    int stop = 0, failed_any = 0;
    int due = checkpoint_due(&opt->checkpoint, poll_world(opt), status != TN_OK, &stop, &failed_any);
    if (failed_any) return status ? status : tn_fail(TN_ERR_INTERNAL, "stopped: another rank failed");
    if (!due || (p->saved && !stop)) return TN_OK;
    if (!p->saved) {
        CALL(resume_save_gates(p->m, opt, p->identity, p->applied, p->napplied));
        p->res->checkpoints++;
        p->saved = 1;
    }
    if (!stop) return TN_OK;
    return tn_fail(TN_STOPPED, "stopped by a signal while %s; checkpoint of the state after all %zu gates written to "
                   "%s (continue with --resume %s)", phase, p->c->nops, opt->checkpoint.dir, opt->checkpoint.dir);
}

int poll_sample_range(poll_state *p, long first, long count, long most, unsigned char *bits)
{
    int n = p->c->nqubits, status = TN_OK;
    long chunks = (most + SAMPLE_CHUNK - 1) / SAMPLE_CHUNK;
    for (long k = 0; k < chunks; k++) {
        long from = k * SAMPLE_CHUNK, size = count - from < SAMPLE_CHUNK ? count - from : SAMPLE_CHUNK;
        if (status == TN_OK && size > 0)
            status = mps_sample_range(p->m, first + from, (int)size, p->opt->seed, 0, bits + (size_t)from * n);
        if (k == chunks / 2) poll_inject(p->opt, "-sampling");
        status = poll_after_gates(p, status, "sampling");
        if (status) break;
    }
    return status;
}

int poll_trajectory(poll_rounds *p, size_t op, int status)
{
    if (!p || !p->opt->checkpoint.dir || p->ended) return status;
    if (status == TN_OK && op == p->pause_at) poll_inject(p->opt, "-trajectory");
    if (status == TN_OK && (op + 1) % POLL_STRIDE != 0) return TN_OK;
    const run_options *opt = p->opt;
    int stop = 0, failed_any = 0;
    int due = checkpoint_due(&opt->checkpoint, poll_world(opt), status != TN_OK, &stop, &failed_any);
    p->ended = failed_any || stop;
    if (failed_any) return status ? status : tn_fail(TN_ERR_INTERNAL, "stopped: another rank failed");
    if (!due) return TN_OK;
    p->ended = 1;   /* a failed write must not meet the others' next poll */
    CALL(resume_save_trajectories(opt, p->identity, p->res, p->round, p->n));
    p->res->checkpoints++;
    p->ended = stop;
    if (!stop) return TN_OK;
    return tn_fail(TN_STOPPED, "stopped by a signal after %ld of %ld trajectories; checkpoint written to %s "
                   "(continue with --resume %s)", p->finished, p->total, opt->checkpoint.dir, opt->checkpoint.dir);
}

int poll_idle_trajectory(poll_rounds *p, size_t nops)
{
    int status = TN_OK;
    for (size_t op = 0; op < nops && status == TN_OK; op++) status = poll_trajectory(p, op, TN_OK);
    return status;
}

void poll_inject(const run_options *opt, const char *point)
{
    if (!opt->checkpoint.dir || !getenv("TNEMU_INJECT")) return;
    int rank = 0;
    MPI_Comm_rank(poll_world(opt), &rank);
    char name[32];
    snprintf(name, sizeof name, "signal%s", point);
    if (tn_inject(name, rank)) raise(SIGUSR1);
    snprintf(name, sizeof name, "pause%s", point);
    if (tn_inject(name, rank)) checkpoint_wait_for_signal();
}
