/* mps_internal.h - what the files of the MPS engine (src/mps.c, mps_gates.c,
 * mps_measure.c, mps_save.c) share: the struct mps, the message tags of its
 * data movement, small inline helpers and the internal functions one file
 * defines for the others (mps_ prefix, not in mps.h).
 * Not for: any other file; everything else uses the handle and mps.h. */
#ifndef TN_MPS_INTERNAL_H
#define TN_MPS_INTERNAL_H

#include "mps.h"

#include <complex.h>
#include <stddef.h>
#include <time.h>

#include "error.h"
#include "group.h"
#include "part.h"
#include "scalapack.h"
#include "trace.h"
#include "tsvd.h"
#include "work.h"

struct mps {
    int n;
    mps_trunc trunc;
    int *site_of;              /* qubit -> site */
    int *qubit_at;             /* site -> qubit */
    int *chi;                  /* chi[s]: bond left of site s; chi[0] = chi[n] = 1 */
    double complex **site;     /* site tensors */
    size_t *site_cap;          /* capacity of each site tensor, in elements */
    int center;
    tn_exact discarded;        /* sum of discarded weights (exact: any partition, the same bits) */
    tn_exact log_fidelity;     /* sum of log(1 - discarded weight) */
    size_t decompositions;
    tsvd_work svd;
    tn_buf block, scratch, gate, lwork;
    tn_group *grp;             /* NULL: this process owns every site */
    int *lo;                   /* partition: rank r owns [lo[r], lo[r+1]) */
    int me, nranks;
    long gates_since_balance;
    int rebalances;
    tn_scalapack *scal;        /* not owned; NULL: every decomposition on one rank */
    tn_scalapack *team;        /* not owned; the team's grid (mps_use_team); NULL: no team */
    int scal_min;
    long shifts;               /* centre moves by QR/LQ */
    int sweep_left;            /* the direction two-qubit gates have been moving the centre */
    int vidal;                 /* 1: Vidal form (lambda valid, centre on site 0) */
    int layer_begins;          /* the next gate begins a layer (mps_layer_begins) */
    int focus;                 /* Vidal form: where the centre form's centre would be now */
    struct mps *shadows;       /* per thread: a view of this state with its own workspaces */
    int nshadows;
    int layer_threads;         /* threads a layer may use (mps_set_layer_threads); 0 or 1: none */
    long threaded_gates;       /* gates a layer ran on threads (mps_threaded_gates) */
    double *disc_log;          /* a shadow records its discarded weights here, in order */
    int ndisc_log;
    double **lambda;           /* lambda[s]: Schmidt values of the bond left of site s (chi[s]) */
    int *lambda_cap;
    double t_shift, t_contract, t_split;
    tn_trace *trace;           /* not owned; NULL: no --trace */
    mps_router router;         /* where two-qubit gates meet (mps_set_router); NULL: the median */
    void *router_ctx;
    long swaps, fused_swaps;   /* swaps applied by themselves; swaps fused into a gate */
    /* lazy returns (mps_lazy_begin): a lender posts its sites and goes on;
     * they come back when it needs them again */
    int lazy;                  /* 1 between mps_lazy_begin and mps_settle (every rank alike) */
    int *away;                 /* per site this rank owns: the group rank holding it now, or -1 */
    group_posts posts;         /* sends not yet delivered, owning their tensors */
    long lazy_lends;           /* sites this rank lent without waiting for them */
    /* deferred updates (mps_defer_begin): queued, then run on threads */
    int defer;                 /* 1 between mps_defer_begin and mps_defer_end */
    struct mps_deferred *deferred;
    int ndeferred, deferred_cap;
    char *defer_tok;           /* one byte per site: the tasks' dependence on it */
    int *defer_depth;          /* per site: the longest chain of queued updates on it */
};

/* Tags of the engine's point-to-point messages (mpi/group.h), one per kind. */
#define TAG_SITE 101
#define TAG_VECTOR 102
#define TAG_BITS 103
#define TAG_BOOK 104
#define TAG_SITE_LAZY 1000     /* + site: a site lent or returned under lazy returns */

/* ---- small helpers, inline in every file of the engine ------------------ */

static inline double run_clock(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static inline size_t site_elems(const mps *m, int s) { return (size_t)m->chi[s] * 2 * m->chi[s + 1]; }

static inline int owner(const mps *m, int s) { return m->grp ? part_owner(m->lo, m->nranks, s) : 0; }
static inline int is_mine(const mps *m, int s) { return owner(m, s) == m->me; }

/* In a group, a failure is announced to every rank before it is returned. */
static inline int failed(mps *m, int status)
{
    return m->grp ? group_fail(m->grp, status) : status;
}

/* Largest bond of the sites this rank holds now. */
static inline int local_max_bond(const mps *m)
{
    int best = 1;
    for (int s = 0; s < m->n; s++)
        if (m->site[s]) {
            if (m->chi[s] > best) best = m->chi[s];
            if (m->chi[s + 1] > best) best = m->chi[s + 1];
        }
    return best;
}

/* ---- internal functions (defined in the file named) ---------------------- */

/* mps.c: memory, data movement, canonical form */
int mps_reserve_site(mps *m, int s, size_t elems);
int mps_reserve_lambda(mps *m, int s, int len);
int mps_gather_all_sites(mps *m);
int mps_scatter_all_sites(mps *m);
void mps_attach_eigensolver(mps *m);
int mps_leave_vidal(mps *m);
int mps_on_window(mps *m, int first, int count, int (*step)(mps *, const void *), const void *ctx);
int mps_move_center(mps *m, int target);
int mps_reclaim_site(mps *m, int s);

/* mps_gates.c */
void mps_apply_one_site(mps *m, int s, const double complex *u);

#endif
