/* farm.c - the dynamic task farm with two-sided messages (farm.h). */
#include "farm.h"

#include <stdlib.h>

#include "error.h"

#define FARM_TAG_ASK 78
#define FARM_TAG_TASK 79

struct tn_farm {
    tn_group *g;
    MPI_Comm comm;              /* a duplicate of the world: the farm's tags meet nothing else */
    int rank;                   /* in the world */
    long ntasks;
    /* world rank 0 */
    long next;                  /* the next task to hand out */
    int stopped;                /* FARM_FAILED | FARM_STOP seen from any leader */
    int leaders_left;           /* other leaders not yet told "no more" */
    /* other leaders */
    int asked;                  /* an ask is in flight (its answer not yet received) */
};

int farm_create(tn_group *g, long ntasks, tn_farm **out)
{
    tn_farm *f = tn_calloc(1, sizeof *f);
    int ok = f != NULL, all = 0;
    MPI_Allreduce(&ok, &all, 1, MPI_INT, MPI_MIN, g->world);
    if (!all) { free(f); *out = NULL; return tn_fail(TN_ERR_MEMORY, "out of memory starting the task farm"); }
    f->g = g;
    f->ntasks = ntasks;
    f->leaders_left = g->ngroups - 1;
    MPI_Comm_dup(g->world, &f->comm);
    MPI_Comm_rank(f->comm, &f->rank);
    *out = f;
    return TN_OK;
}

/* World rank 0: the next task for an asker with these flags, or -1. */
static long hand_out(tn_farm *f, int flags)
{
    f->stopped |= flags;
    return !f->stopped && f->next < f->ntasks ? f->next++ : -1;
}

/* World rank 0: answers one ask from rank src. */
static void answer(tn_farm *f, int src, int flags)
{
    long t = hand_out(f, flags);
    MPI_Send(&t, 1, MPI_LONG, src, FARM_TAG_TASK, f->comm);
    if (t < 0) f->leaders_left--;
}

/* World rank 0: answers every ask already waiting. */
static void serve_waiting(tn_farm *f)
{
    for (;;) {
        int flag = 0, flags;
        MPI_Status st;
        MPI_Iprobe(MPI_ANY_SOURCE, FARM_TAG_ASK, f->comm, &flag, &st);
        if (!flag) return;
        MPI_Recv(&flags, 1, MPI_INT, st.MPI_SOURCE, FARM_TAG_ASK, f->comm, MPI_STATUS_IGNORE);
        answer(f, st.MPI_SOURCE, flags);
    }
}

/* Another leader: sends an ask and, if wait, receives its answer. */
static long ask(tn_farm *f, int flags)
{
    long t = -1;
    if (!f->asked) MPI_Send(&flags, 1, MPI_INT, 0, FARM_TAG_ASK, f->comm);
    MPI_Recv(&t, 1, MPI_LONG, 0, FARM_TAG_TASK, f->comm, MPI_STATUS_IGNORE);
    f->asked = 0;
    return t;
}

/* Another leader: the next task, honouring flags even when the answer to an
 * earlier ask is a task (it is then not run), and asking ahead for the one
 * after. */
static long leader_next(tn_farm *f, int flags)
{
    long t = ask(f, flags);
    if (t >= 0 && flags) t = ask(f, flags);   /* the world rank 0 answers -1 to a flagged ask */
    if (t >= 0) {
        int none = 0;
        MPI_Send(&none, 1, MPI_INT, 0, FARM_TAG_ASK, f->comm);
        f->asked = 1;
    }
    return t;
}

long farm_next(tn_farm *f, int flags)
{
    tn_group *g = f->g;
    long t = -1;
    if (g->rank == 0 && f->rank == 0) {
        f->stopped |= flags;   /* before the waiting asks are answered */
        serve_waiting(f);
        t = hand_out(f, flags);
    } else if (g->rank == 0) {
        t = leader_next(f, flags);
    }
    MPI_Bcast(&t, 1, MPI_LONG, 0, g->comm);
    return t;
}

int farm_stopped(const tn_farm *f) { return f->stopped; }

void farm_destroy(tn_farm **fp)
{
    if (!fp || !*fp) return;
    tn_farm *f = *fp;
    while (f->rank == 0 && f->leaders_left > 0) {
        int flags;
        MPI_Status st;
        MPI_Recv(&flags, 1, MPI_INT, MPI_ANY_SOURCE, FARM_TAG_ASK, f->comm, &st);
        answer(f, st.MPI_SOURCE, flags);
    }
    MPI_Comm_free(&f->comm);
    free(f);
    *fp = NULL;
}
