/* mps.c - the single-process MPS engine: gates, truncation, canonical form,
 * measurement, amplitudes, expectation values and conditional sampling.
 *
 * Layout: site s holds A[s] with indices (l, p, r), column-major with l
 * fastest: element (l, p, r) is at l + chi_l * (p + 2 * r). Reshaped as a
 * (2 chi_l) x chi_r matrix it is "left-grouped"; as chi_l x (2 chi_r),
 * "right-grouped"; both views are the same memory.
 * The state is kept in mixed canonical form: sites left of `center` are
 * left-isometric, sites right of it right-isometric, so the norm and every
 * truncation live in the centre tensor. See mps.h for the conventions.
 * Vidal form (the default while only unitary gates have been applied): the
 * centre stays on site 0, every site is right-isometric (B = Gamma Lambda)
 * and the Schmidt values of every bond are kept (lambda[b], bond b left of
 * site b). A gate then needs only its own sites and the Schmidt values on
 * its left bond (Hastings, J. Math. Phys. 50, 095207 (2009)): no centre
 * moves, and gates on disjoint sites are independent, so in a group every
 * rank applies the gates inside its own segment at the same time as the
 * others; the arithmetic of each gate is the same on any rank count. A
 * measurement, reset or Kraus draw leaves Vidal form for the centre form.
 * Distributed: inside a group of P ranks each rank owns a contiguous segment of
 * sites (mpi/part.h). Every rank walks the same operations and takes the same
 * decisions (centre position, swaps, windows) from replicated metadata; each
 * step on a window of adjacent sites runs on the rank owning the window's
 * first site, which borrows the other sites from their owners and returns
 * them (mpi/group.h moves the data). The sequence of arithmetic is exactly the
 * serial one, so every result is the same on any rank count.
 * Not for: noise (src/noise*), task farming (src/run.c). */
#include "mps.h"
#include "blas.h"

#include <cblas.h>
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include "error.h"
#include "gates.h"
#include "group.h"
#include "part.h"
#include "scalapack.h"
#include "trace.h"
#include "rng.h"
#include "qr.h"
#include "tsvd.h"
#include "work.h"
#include "zgemv.h"

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
    int scal_min;
    long shifts;               /* centre moves by QR/LQ */
    int sweep_left;            /* the direction two-qubit gates have been moving the centre */
    int vidal;                 /* 1: Vidal form (lambda valid, centre on site 0) */
    int layer_begins;          /* the next gate begins a layer (mps_layer_begins) */
    int focus;                 /* Vidal form: where the centre form's centre would be now */
    struct mps *shadows;       /* per thread: a view of this state with its own workspaces */
    int nshadows;
    int layer_threads;         /* threads a layer may use (mps_set_layer_threads); 0 or 1: none */
    double *disc_log;          /* a shadow records its discarded weights here, in order */
    int ndisc_log;
    double **lambda;           /* lambda[s]: Schmidt values of the bond left of site s (chi[s]) */
    int *lambda_cap;
    double t_shift, t_contract, t_split;
    tn_trace *trace;           /* not owned; NULL: no --trace */
    mps_router router;         /* where two-qubit gates meet (mps_set_router); NULL: the median */
    void *router_ctx;
    long swaps, fused_swaps;   /* swaps applied by themselves; swaps fused into a gate */
};

#define TAG_SITE 101
#define TAG_VECTOR 102
#define TAG_BITS 103
#define REBALANCE_EVERY 64        /* multi-qubit gates between balance checks */
/* In Vidal form a balance check (a reduction over the group) makes the ranks
 * wait for each other, which costs them the head start they have on each
 * other's segments: check less often. */
#define REBALANCE_EVERY_VIDAL 256
#define REBALANCE_THRESHOLD 1.25  /* largest segment cost over the mean */

static double run_clock(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* ---- small helpers ------------------------------------------------------ */

static size_t site_elems(const mps *m, int s) { return (size_t)m->chi[s] * 2 * m->chi[s + 1]; }

/* Makes site s able to hold elems elements (contents are not kept). */
static int reserve_site(mps *m, int s, size_t elems)
{
    if (m->site_cap[s] >= elems) return TN_OK;
    CALL(tn_mem_charge((long long)((elems - m->site_cap[s]) * sizeof(double complex))));
    double complex *p = realloc(m->site[s], elems * sizeof *p);
    if (!p) {
        tn_mem_charge(-(long long)((elems - m->site_cap[s]) * sizeof(double complex)));
        return tn_fail(TN_ERR_MEMORY, "out of memory: a site tensor of %zu bytes", elems * sizeof *p);
    }
    m->site[s] = p;
    m->site_cap[s] = elems;
    return TN_OK;
}

/* Makes lambda[s] able to hold len values. */
static int reserve_lambda(mps *m, int s, int len)
{
    if (m->lambda_cap[s] >= len) return TN_OK;
    double *p = realloc(m->lambda[s], (size_t)len * sizeof *p);
    if (!p) return tn_fail(TN_ERR_MEMORY, "out of memory: Schmidt values of %d bytes", (int)(len * sizeof *p));
    m->lambda[s] = p;
    m->lambda_cap[s] = len;
    return TN_OK;
}

/* ---- ownership and data movement ---------------------------------------- */

static int owner(const mps *m, int s) { return m->grp ? part_owner(m->lo, m->nranks, s) : 0; }
static int is_mine(const mps *m, int s) { return owner(m, s) == m->me; }

/* In a group, a failure is announced to every rank before it is returned. */
static int failed(mps *m, int status)
{
    return m->grp ? group_fail(m->grp, status) : status;
}

/* Sends site s (its two bond dimensions, then the tensor) to group rank dest,
 * and frees it here. */
static int send_site(mps *m, int s, int dest)
{
    int dims[2] = {m->chi[s], m->chi[s + 1]};
    CALL(group_send(m->grp, dest, TAG_SITE, dims, sizeof dims));
    CALL(group_send(m->grp, dest, TAG_SITE, m->site[s], site_elems(m, s) * sizeof(double complex)));
    if (m->vidal) CALL(group_send(m->grp, dest, TAG_SITE, m->lambda[s], (size_t)m->chi[s] * sizeof(double)));
    tn_mem_charge(-(long long)(m->site_cap[s] * sizeof(double complex)));
    free(m->site[s]);
    m->site[s] = NULL;
    m->site_cap[s] = 0;
    return TN_OK;
}

/* Receives site s from group rank src. */
static int recv_site(mps *m, int s, int src)
{
    int dims[2];
    CALL(group_recv(m->grp, src, TAG_SITE, dims, sizeof dims));
    m->chi[s] = dims[0];
    m->chi[s + 1] = dims[1];
    int status = reserve_site(m, s, site_elems(m, s));
    if (status == TN_OK && m->vidal) status = reserve_lambda(m, s, m->chi[s]);
    if (status) return failed(m, status);
    CALL(group_recv(m->grp, src, TAG_SITE, m->site[s], site_elems(m, s) * sizeof(double complex)));
    if (m->vidal) CALL(group_recv(m->grp, src, TAG_SITE, m->lambda[s], (size_t)m->chi[s] * sizeof(double)));
    return TN_OK;
}

/* Brings sites first..first+count-1 to the owner of first (the worker). */
static int acquire_window(mps *m, int first, int count)
{
    if (!m->grp) return TN_OK;
    int worker = owner(m, first);
    for (int s = first; s < first + count; s++) {
        int o = owner(m, s);
        if (o == worker) continue;
        if (m->me == o) CALL(send_site(m, s, worker));
        else if (m->me == worker) CALL(recv_site(m, s, o));
    }
    return TN_OK;
}

/* Returns the borrowed sites of the window to their owners. */
static int release_window(mps *m, int first, int count)
{
    if (!m->grp) return TN_OK;
    int worker = owner(m, first);
    for (int s = first; s < first + count; s++) {
        int o = owner(m, s);
        if (o == worker) continue;
        if (m->me == worker) CALL(send_site(m, s, o));
        else if (m->me == o) CALL(recv_site(m, s, worker));
    }
    return TN_OK;
}

static int eigh_on_grid(void *ctx, int rows, double complex *g, double *w);

/* The distributed eigensolver serves the centre form only: in Vidal form the
 * ranks are busy with gates of their own and cannot join one. */
static void attach_eigensolver(mps *m)
{
    int use = m->scal && !m->vidal;
    m->svd.eigh = use ? eigh_on_grid : NULL;
    m->svd.eigh_ctx = use ? m->scal : NULL;
    m->svd.eigh_min = m->scal_min;
}

static int move_center(mps *m, int target);

/* Leaves Vidal form for the centre form with the centre on site 0. Truncated
 * Vidal updates leave the right-isometries approximate (to about the
 * discarded weight), so the state is first made exactly canonical: an LQ
 * sweep from the right end, then site 0 normalised. Collective. */
static int leave_vidal(mps *m)
{
    if (!m->vidal) return TN_OK;
    m->vidal = 0;
    attach_eigensolver(m);
    m->center = m->n - 1;
    CALL(move_center(m, 0));
    if (!is_mine(m, 0)) return TN_OK;
    size_t len = site_elems(m, 0);
    double norm = cblas_dznrm2((int)len, m->site[0], 1);
    if (!(norm > 0) || !isfinite(norm))
        return failed(m, tn_fail(TN_ERR_NUMERIC, "numerical failure: the state's norm is %g", norm));
    double complex inv = 1 / norm;
    cblas_zscal((int)len, &inv, m->site[0], 1);
    return TN_OK;
}

/* Largest bond of the sites this rank holds now. */
static int local_max_bond(const mps *m)
{
    int best = 1;
    for (int s = 0; s < m->n; s++)
        if (m->site[s]) {
            if (m->chi[s] > best) best = m->chi[s];
            if (m->chi[s + 1] > best) best = m->chi[s + 1];
        }
    return best;
}

/* ---- queries (collective over the group when distributed) -------------- */

int mps_nqubits(const mps *m) { return m->n; }
int mps_center(const mps *m) { return m->center; }
int mps_focus(const mps *m) { return m->vidal ? m->focus : m->center; }
int mps_site_of(const mps *m, int qubit) { return m->site_of[qubit]; }
int mps_qubit_at(const mps *m, int site) { return m->qubit_at[site]; }

/* Combines per-rank values over the group; each decomposition happened on one rank. */
static double group_total(const mps *m, double v, char op)
{
    if (!m->grp) return v;
    group_allreduce(m->grp, &v, 1, op);
    return v;
}

int mps_local_max_bond(const mps *m) { return local_max_bond(m); }
double mps_local_fidelity(const mps *m) { return exp(tn_exact_value(m->log_fidelity)); }

int mps_local_bond(const mps *m, int b)
{
    if (b < 0 || b + 1 >= m->n) return 0;
    return m->site[b] || m->site[b + 1] ? m->chi[b + 1] : 0;
}

void mps_get_truncation(const mps *m, mps_truncation *t)
{
    tn_exact sums[3] = {m->discarded, m->log_fidelity, tn_exact_zero()};
    tn_exact_add(&sums[2], (double)m->decompositions);
    if (m->grp) group_allreduce_exact(m->grp, sums, 3);   /* one collective for all three */
    t->discarded_weight = tn_exact_value(sums[0]);
    t->log_fidelity = tn_exact_value(sums[1]);
    t->fidelity = exp(t->log_fidelity);
    t->decompositions = (size_t)tn_exact_value(sums[2]);
}

double mps_discarded_weight(const mps *m)
{
    mps_truncation t;
    mps_get_truncation(m, &t);
    return t.discarded_weight;
}

double mps_log_fidelity_estimate(const mps *m)
{
    mps_truncation t;
    mps_get_truncation(m, &t);
    return t.log_fidelity;
}

double mps_fidelity_estimate(const mps *m) { return exp(mps_log_fidelity_estimate(m)); }

size_t mps_decompositions(const mps *m)
{
    mps_truncation t;
    mps_get_truncation(m, &t);
    return t.decompositions;
}

void mps_bond_dims(const mps *m, int *dims)
{
    if (m->n < 2) return;
    double *d = calloc((size_t)m->n, sizeof(double));
    if (!d) { for (int s = 1; s < m->n; s++) dims[s - 1] = m->chi[s]; return; }
    for (int s = 1; s < m->n; s++) d[s - 1] = m->site[s] ? m->chi[s] : 0;   /* bond s: left of site s */
    if (m->grp) group_allreduce(m->grp, d, m->n - 1, 'M');
    for (int s = 1; s < m->n; s++) dims[s - 1] = (int)d[s - 1];
    free(d);
}

int mps_max_bond(const mps *m)
{
    return (int)group_total(m, local_max_bond(m), 'M');
}

size_t mps_bytes(const mps *m)
{
    size_t total = 0;
    for (int s = 0; s < m->n; s++)
        if (m->site[s]) total += site_elems(m, s) * sizeof(double complex);
    return total;
}

int mps_ranks(const mps *m) { return m->nranks; }
int mps_rebalances(const mps *m) { return m->rebalances; }

void mps_segment(const mps *m, int *lo, int *hi)
{
    *lo = m->grp ? m->lo[m->me] : 0;
    *hi = m->grp ? m->lo[m->me + 1] : m->n;
}

/* ---- lifecycle ---------------------------------------------------------- */

static int check_order(int n, const int *site_of_qubit)
{
    if (!site_of_qubit) return TN_OK;
    unsigned char *seen = calloc((size_t)n, 1);
    if (!seen) return tn_fail(TN_ERR_MEMORY, "out of memory");
    for (int q = 0; q < n; q++) {
        int s = site_of_qubit[q];
        if (s < 0 || s >= n || seen[s]) {
            free(seen);
            return tn_fail(TN_ERR_USAGE, "qubit order: site %d of qubit %d is %s", s, q,
                           (s < 0 || s >= n) ? "out of range" : "used twice");
        }
        seen[s] = 1;
    }
    free(seen);
    return TN_OK;
}

/* Allocates the metadata of an n-qubit state with every site empty. */
static int create_empty(int nqubits, const int *site_of_qubit, const mps_trunc *trunc, tn_group *grp, mps **out)
{
    *out = NULL;
    if (nqubits < 1) return tn_fail(TN_ERR_USAGE, "a state needs at least 1 qubit (got %d)", nqubits);
    CALL(check_order(nqubits, site_of_qubit));
    mps *m = tn_calloc(1, sizeof *m);
    if (!m) return TN_ERR_MEMORY;
    m->n = nqubits;
    if (trunc) m->trunc = *trunc;
    m->grp = grp && grp->size > 1 ? grp : NULL;
    m->me = m->grp ? grp->rank : 0;
    m->nranks = m->grp ? grp->size : 1;
    m->site_of = tn_calloc((size_t)nqubits, sizeof(int));
    m->qubit_at = tn_calloc((size_t)nqubits, sizeof(int));
    m->chi = tn_calloc((size_t)nqubits + 1, sizeof(int));
    m->site = tn_calloc((size_t)nqubits, sizeof(double complex *));
    m->site_cap = tn_calloc((size_t)nqubits, sizeof(size_t));
    m->lambda = tn_calloc((size_t)nqubits, sizeof(double *));
    m->lambda_cap = tn_calloc((size_t)nqubits, sizeof(int));
    m->lo = tn_calloc((size_t)m->nranks + 1, sizeof(int));
    if (!m->site_of || !m->qubit_at || !m->chi || !m->site || !m->site_cap || !m->lambda || !m->lambda_cap || !m->lo) {
        mps_destroy(&m);
        return TN_ERR_MEMORY;
    }
    for (int q = 0; q < nqubits; q++) {
        int s = site_of_qubit ? site_of_qubit[q] : q;
        m->site_of[q] = s;
        m->qubit_at[s] = q;
    }
    for (int s = 0; s <= nqubits; s++) m->chi[s] = 1;
    part_even(nqubits, m->nranks, m->lo);
    *out = m;
    return TN_OK;
}

/* Agrees on a status over the group, so that an allocation failing on one
 * rank fails every rank with that rank's message; frees *m on failure. */
static int agree_created(mps **m, tn_group *grp, int status)
{
    if (grp && grp->size > 1) {
        if (status != TN_OK) {
            group_fail(grp, status);   /* the others are waiting below: the note reaches them */
        } else {
            double worst = 0;
            status = group_allreduce(grp, &worst, 1, 'M');
        }
    }
    if (status) mps_destroy(m);
    return status;
}

int mps_create_group(int nqubits, const int *site_of_qubit, const mps_trunc *trunc, tn_group *grp, mps **out)
{
    tn_blas_threads_init();   /* the program has done it already; library users and tests get it here */
    mps *m;
    CALL(create_empty(nqubits, site_of_qubit, trunc, grp, &m));
    int status = TN_OK;
    if (tn_inject("alloc", grp ? grp->world_rank : 0))
        status = tn_fail(TN_ERR_MEMORY, "out of memory: allocation failure injected on rank %d (TNEMU_INJECT)",
                         grp ? grp->world_rank : 0);
    for (int s = 0; s < nqubits && status == TN_OK; s++) {
        if (!is_mine(m, s)) continue;
        status = reserve_site(m, s, 2);
        if (status == TN_OK) status = reserve_lambda(m, s, 1);
        if (status) break;
        m->site[s][0] = 1;
        m->site[s][1] = 0;
        m->lambda[s][0] = 1;
    }
    m->vidal = 1;   /* a product state: every Schmidt value is 1 */
    CALL(agree_created(&m, grp, status));
    *out = m;
    return TN_OK;
}

int mps_create(int nqubits, const int *site_of_qubit, const mps_trunc *trunc, mps **out)
{
    return mps_create_group(nqubits, site_of_qubit, trunc, NULL, out);
}

void mps_destroy(mps **pm)
{
    if (!pm || !*pm) return;
    mps *m = *pm;
    if (getenv("TNEMU_DEBUG_SVD"))
        fprintf(stderr, "svd stats (rank %d, sites %d..%d, decompositions %zu, largest bond %d): gram used %ld "
                "rejected %ld, fallbacks %ld, centre shifts %ld; seconds: shifts %.2f contract %.2f split %.2f\n",
                m->me, m->grp ? m->lo[m->me] : 0, m->grp ? m->lo[m->me + 1] - 1 : m->n - 1, m->decompositions,
                local_max_bond(m), m->svd.gram_used, m->svd.gram_rejected,
                m->svd.fallbacks, m->shifts, m->t_shift, m->t_contract, m->t_split);
    if (m->site)
        for (int s = 0; s < m->n; s++) {
            tn_mem_charge(-(long long)(m->site_cap[s] * sizeof(double complex)));
            free(m->site[s]);
        }
    free(m->site);
    free(m->site_cap);
    if (m->lambda)
        for (int s = 0; s < m->n; s++) free(m->lambda[s]);
    free(m->lambda);
    free(m->lambda_cap);
    free(m->site_of);
    free(m->qubit_at);
    free(m->chi);
    free(m->lo);
    for (int t = 0; t < m->nshadows; t++) {
        mps *sh = &m->shadows[t];
        tsvd_work_free(&sh->svd);
        tn_buf_free(&sh->block);
        tn_buf_free(&sh->scratch);
        tn_buf_free(&sh->gate);
        tn_buf_free(&sh->lwork);
    }
    free(m->shadows);
    tsvd_work_free(&m->svd);
    tn_buf_free(&m->block);
    tn_buf_free(&m->scratch);
    tn_buf_free(&m->gate);
    tn_buf_free(&m->lwork);
    free(m);
    *pm = NULL;
}

int mps_copy(const mps *src, mps **out)
{
    *out = NULL;
    mps *m;
    CALL(create_empty(src->n, src->site_of, &src->trunc, src->grp, &m));
    memcpy(m->chi, src->chi, (size_t)(src->n + 1) * sizeof(int));
    memcpy(m->lo, src->lo, (size_t)(src->nranks + 1) * sizeof(int));
    int status = TN_OK;
    for (int s = 0; s < src->n && status == TN_OK; s++) {
        if (!src->site[s]) continue;
        status = reserve_site(m, s, site_elems(src, s));
        if (status == TN_OK) memcpy(m->site[s], src->site[s], site_elems(src, s) * sizeof(double complex));
        if (status == TN_OK && src->vidal) status = reserve_lambda(m, s, src->chi[s]);
        if (status == TN_OK && src->vidal) memcpy(m->lambda[s], src->lambda[s], (size_t)src->chi[s] * sizeof(double));
    }
    CALL(agree_created(&m, src->grp, status));
    mps_use_scalapack(m, src->scal, src->scal_min);
    m->center = src->center;
    m->focus = src->focus;
    m->vidal = src->vidal;
    m->discarded = src->discarded;
    m->log_fidelity = src->log_fidelity;
    m->decompositions = src->decompositions;
    m->swaps = src->swaps;
    m->fused_swaps = src->fused_swaps;
    *out = m;
    return TN_OK;
}

/* ---- canonical form ----------------------------------------------------- */

/* Moves the centre from site c to c + 1 with a QR of the left-grouped A[c]
 * (both sites held here). */
static int compute_shift_right(mps *m, const void *unused)
{
    (void)unused;
    int c = m->center, rows = 2 * m->chi[c], cols = m->chi[c + 1];
    int k = rows < cols ? rows : cols, right = 2 * m->chi[c + 2];
    CALL(tn_buf_reserve(&m->scratch, (size_t)k * cols * sizeof(double complex)));
    double complex *r = m->scratch.data;
    CALL(tn_qr(&m->lwork, rows, cols, m->site[c], r));
    /* A[c+1] <- R A[c+1] */
    CALL(tn_buf_reserve(&m->block, (size_t)k * right * sizeof(double complex)));
    double complex one = 1, zero = 0;
    cblas_zgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, k, right, cols, &one, r, k, m->site[c + 1], cols, &zero,
                m->block.data, k);
    CALL(reserve_site(m, c + 1, (size_t)k * right));
    memcpy(m->site[c + 1], m->block.data, (size_t)k * right * sizeof(double complex));
    m->chi[c + 1] = k;
    m->center = c + 1;
    return TN_OK;
}

/* Moves the centre from site c to c - 1 with an LQ of the right-grouped A[c]
 * (both sites held here). */
static int compute_shift_left(mps *m, const void *unused)
{
    (void)unused;
    int c = m->center, rows = m->chi[c], cols = 2 * m->chi[c + 1];
    int k = rows < cols ? rows : cols, left = 2 * m->chi[c - 1];
    CALL(tn_buf_reserve(&m->scratch, (size_t)rows * k * sizeof(double complex)));
    double complex *l = m->scratch.data;
    CALL(tn_lq(&m->lwork, rows, cols, m->site[c], l));
    /* A[c-1] <- A[c-1] L */
    CALL(tn_buf_reserve(&m->block, (size_t)left * k * sizeof(double complex)));
    double complex one = 1, zero = 0;
    cblas_zgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, left, k, rows, &one, m->site[c - 1], left, l, rows, &zero,
                m->block.data, left);
    CALL(reserve_site(m, c - 1, (size_t)left * k));
    memcpy(m->site[c - 1], m->block.data, (size_t)left * k * sizeof(double complex));
    m->chi[c] = k;
    m->center = c - 1;
    return TN_OK;
}

/* Runs step on the window [first, first + count) on the rank owning first,
 * with the window's sites brought there and returned afterwards. */
static int on_window(mps *m, int first, int count, int (*step)(mps *, const void *), const void *ctx)
{
    CALL(acquire_window(m, first, count));
    int grid = m->scal && !m->vidal;
    if (is_mine(m, first)) {
        int status = step(m, ctx);
        if (status) return failed(m, status);
        if (grid) CALL(scal_step_done(m->scal));
    } else if (grid) {   /* join the step's distributed eigensolves */
        int status = scal_serve(m->scal, owner(m, first));
        if (status) return failed(m, status);
    }
    return release_window(m, first, count);
}

static int eigh_on_grid(void *ctx, int rows, double complex *g, double *w)
{
    return scal_eigh_root(ctx, rows, g, w);
}

void mps_use_scalapack(mps *m, tn_scalapack *scal, int min_rows)
{
    int possible = m->trunc.max_chi <= 0 || 2 * m->trunc.max_chi >= min_rows;
    m->scal = m->grp && scal && min_rows > 0 && possible ? scal : NULL;
    m->scal_min = min_rows;
    attach_eigensolver(m);
}

int mps_use_center_form(mps *m)
{
    return leave_vidal(m);
}

int mps_vidal_form(const mps *m) { return m->vidal; }

void mps_layer_begins(mps *m) { m->layer_begins = 1; }

void mps_set_trace(mps *m, tn_trace *t) { m->trace = t; }

int mps_gate_spans_ranks(const mps *m, int k, const int *qubits)
{
    if (!m->grp) return 0;
    int o = owner(m, m->site_of[qubits[0]]);
    for (int j = 1; j < k; j++)
        if (owner(m, m->site_of[qubits[j]]) != o) return 1;
    return 0;
}

static int shift_center_right(mps *m)
{
    int c = m->center;
    m->shifts++;
    double t0 = run_clock();
    CALL(on_window(m, c, 2, compute_shift_right, NULL));
    m->t_shift += run_clock() - t0;
    m->center = c + 1;
    return TN_OK;
}

static int shift_center_left(mps *m)
{
    int c = m->center;
    m->shifts++;
    double t0 = run_clock();
    CALL(on_window(m, c - 1, 2, compute_shift_left, NULL));
    m->t_shift += run_clock() - t0;
    m->center = c - 1;
    return TN_OK;
}

/* Moves the orthogonality centre to site target. */
static int move_center(mps *m, int target)
{
    if (m->vidal && target != m->center) CALL(leave_vidal(m));
    while (m->center < target) CALL(shift_center_right(m));
    while (m->center > target) CALL(shift_center_left(m));
    return TN_OK;
}

/* ---- rebalancing --------------------------------------------------------- */

int mps_rebalance(mps *m, double threshold)
{
    if (!m->grp) return TN_OK;
    double *cost = tn_calloc((size_t)m->n, sizeof(double));
    int *lo = tn_calloc((size_t)m->nranks + 1, sizeof(int));
    if (!cost || !lo) { free(cost); free(lo); return failed(m, TN_ERR_MEMORY); }
    for (int s = 0; s < m->n; s++)
        if (m->site[s]) {
            double l = m->chi[s], r = m->chi[s + 1];
            cost[s] = l * r * (l + r);
        }
    int status = group_allreduce(m->grp, cost, m->n, '+');
    if (status == TN_OK && part_imbalance(m->n, m->nranks, cost, m->lo) > threshold) {
        part_balanced(m->n, m->nranks, cost, lo);
        for (int s = 0; s < m->n && status == TN_OK; s++) {   /* one global order: no deadlock */
            int from = part_owner(m->lo, m->nranks, s), to = part_owner(lo, m->nranks, s);
            if (from == to) continue;
            if (m->me == from) status = send_site(m, s, to);
            else if (m->me == to) status = recv_site(m, s, from);
        }
        if (status == TN_OK) {
            memcpy(m->lo, lo, (size_t)(m->nranks + 1) * sizeof(int));
            m->rebalances++;
            trace_rebalance(m->trace, m->nranks, m->lo);
        }
    }
    free(cost);
    free(lo);
    return status;
}

/* ---- blocks of adjacent sites ------------------------------------------- */

/* Contracts sites first..first+k-1 into m->block, shape (chi_l, 2^k, chi_r)
 * with site first+j as bit j of the middle index. */
static int contract_block(mps *m, int first, int k)
{
    size_t chil = (size_t)m->chi[first], dim = 1;
    size_t biggest = chil * 2 * m->chi[first + 1];
    for (int j = 1; j < k; j++) {
        size_t sz = chil * ((size_t)2 << j) * m->chi[first + j + 1];
        if (sz > biggest) biggest = sz;
    }
    CALL(tn_buf_reserve(&m->block, biggest * sizeof(double complex)));
    CALL(tn_buf_reserve(&m->scratch, biggest * sizeof(double complex)));
    double complex *cur = m->block.data, *next = m->scratch.data;
    memcpy(cur, m->site[first], site_elems(m, first) * sizeof *cur);
    dim = 2;
    for (int j = 1; j < k; j++) {
        int s = first + j, rows = (int)(chil * dim), inner = m->chi[s], cols = 2 * m->chi[s + 1];
        double complex one = 1, zero = 0;
        cblas_zgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, rows, cols, inner, &one, cur, rows,
                    m->site[s], inner, &zero, next, rows);
        double complex *t = cur; cur = next; next = t;
        dim *= 2;
    }
    if (cur != m->block.data) {            /* keep the result in m->block */
        tn_buf t = m->block; m->block = m->scratch; m->scratch = t;
    }
    return TN_OK;
}

/* Applies the D x D matrix g (row-major, block index order) to the middle
 * index of m->block of shape (chil, D, chir). */
static int apply_to_block(mps *m, int chil, int dim, int chir, const double complex *g)
{
    size_t slab = (size_t)chil * dim;
    CALL(tn_buf_reserve(&m->scratch, slab * chir * sizeof(double complex)));
    double complex *in = m->block.data, *out = m->scratch.data;
    double complex one = 1, zero = 0;
    /* out_r (chil x D) = in_r (chil x D) * g^T; g row-major is g^T column-major */
    for (int r = 0; r < chir; r++)
        cblas_zgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, chil, dim, dim, &one,
                    in + slab * r, chil, g, dim, &zero, out + slab * r, chil);
    tn_buf t = m->block; m->block = m->scratch; m->scratch = t;
    return TN_OK;
}

/* Records one truncation. */
static void record_discard(mps *m, double w)
{
    if (m->disc_log) {   /* a shadow: the owner records it, in gate order */
        m->disc_log[m->ndisc_log++] = w;
        return;
    }
    tn_exact_add(&m->discarded, w);
    tn_exact_add(&m->log_fidelity, log1p(-w));
    m->decompositions++;
}

/* Splits m->block (chi_l, 2^k, chi_r) back into sites first..first+k-1,
 * left to right; the centre ends on the last site of the block. */
static int split_block_rightward(mps *m, int first, int k)
{
    tsvd_trunc tt = {m->trunc.max_chi, m->trunc.cutoff};
    int chil = m->chi[first], chir = m->chi[first + k];
    for (int j = 0; j < k - 1; j++) {
        int s = first + j, rows = 2 * chil, cols = (1 << (k - 1 - j)) * chir;
        tsvd_split_result res;
        CALL(tsvd_split(&m->svd, rows, cols, m->block.data, &tt, TSVD_LEFT_ISOMETRY, &res));
        record_discard(m, res.discarded);
        int kk = res.rank;
        CALL(reserve_site(m, s, (size_t)rows * kk));
        memcpy(m->site[s], res.left, (size_t)rows * kk * sizeof(double complex));
        m->chi[s + 1] = kk;
        memcpy(m->block.data, res.right, (size_t)kk * cols * sizeof(double complex));
        chil = kk;
    }
    int last = first + k - 1;
    CALL(reserve_site(m, last, (size_t)chil * 2 * chir));
    memcpy(m->site[last], m->block.data, (size_t)chil * 2 * chir * sizeof(double complex));
    m->center = last;
    return TN_OK;
}

/* Splits m->block back into sites right to left; the centre ends on first. */
static int split_block_leftward(mps *m, int first, int k)
{
    tsvd_trunc tt = {m->trunc.max_chi, m->trunc.cutoff};
    int chil = m->chi[first], chir = m->chi[first + k];
    for (int j = k - 1; j > 0; j--) {
        int s = first + j, rows = chil << j, cols = 2 * chir;
        tsvd_split_result res;
        CALL(tsvd_split(&m->svd, rows, cols, m->block.data, &tt, TSVD_RIGHT_ISOMETRY, &res));
        record_discard(m, res.discarded);
        int kk = res.rank;
        CALL(reserve_site(m, s, (size_t)kk * cols));
        memcpy(m->site[s], res.right, (size_t)kk * cols * sizeof(double complex));
        m->chi[s] = kk;
        memcpy(m->block.data, res.left, (size_t)rows * kk * sizeof(double complex));
        chir = kk;
    }
    CALL(reserve_site(m, first, (size_t)chil * 2 * chir));
    memcpy(m->site[first], m->block.data, (size_t)chil * 2 * chir * sizeof(double complex));
    m->center = first;
    return TN_OK;
}

/* Scales x (len entries, column-major with leading dimension chil) so that
 * its norm weighted by the Schmidt values lam of its left bond is 1: the
 * norm of the state in Vidal form. Renormalising at every split (rather
 * than rescaling by the kept fraction of a norm assumed to be 1) keeps
 * rounding and truncation from compounding over any number of gates. */
static int normalise_weighted(double complex *x, int chil, size_t len, const double *lam)
{
    double norm2 = 0;
    for (size_t i = 0; i < len; i += (size_t)chil)
        for (int l = 0; l < chil; l++) {
            double complex v = x[i + l] * lam[l];
            norm2 += creal(v) * creal(v) + cimag(v) * cimag(v);
        }
    if (!(norm2 > 0) || !isfinite(norm2))
        return tn_fail(TN_ERR_NUMERIC, "numerical failure: a gate left the state with norm %g", sqrt(norm2));
    double scale = 1 / sqrt(norm2);
    for (size_t i = 0; i < len; i++) x[i] *= scale;
    return TN_OK;
}

/* Vidal form: splits m->block (the window's sites contracted, the gate
 * applied: chi_l, 2^k, chi_r) into right-isometric sites, right to left.
 * Each cut decomposes the block weighted by the Schmidt values of the
 * window's left bond (theta = Lambda B...B, whose right singular vectors are
 * the new right site and whose singular values are the new Schmidt values);
 * the new left part is the unweighted block times those vectors, so no
 * Schmidt value is ever inverted. The dropped weight is that of theta; the
 * left part is renormalised so that the state's norm is 1 again. */
static int split_block_vidal(mps *m, int first, int k)
{
    tsvd_trunc tt = {m->trunc.max_chi, m->trunc.cutoff};
    int chil = m->chi[first], chir = m->chi[first + k];
    const double *lam = m->lambda[first];
    for (int j = k - 1; j > 0; j--) {
        int s = first + j, rows = chil << j, cols = 2 * chir;
        size_t len = (size_t)rows * cols;
        CALL(tn_buf_reserve(&m->scratch, len * sizeof(double complex)));
        const double complex *blk = m->block.data;
        double complex *theta = m->scratch.data;
        for (size_t i = 0; i < len; i += (size_t)chil)
            for (int l = 0; l < chil; l++) theta[i + l] = blk[i + l] * lam[l];
        tsvd_split_result res;
        CALL(tsvd_split(&m->svd, rows, cols, theta, &tt, TSVD_RIGHT_VECTORS, &res));
        record_discard(m, res.discarded);
        int kk = res.rank;
        double kept = 0;
        for (int i = 0; i < kk; i++) kept += res.values[i] * res.values[i];
        if (!(kept > 0)) return tn_fail(TN_ERR_NUMERIC, "numerical failure: a gate left a bond with no weight");
        CALL(reserve_site(m, s, (size_t)kk * cols));
        CALL(reserve_lambda(m, s, kk));
        memcpy(m->site[s], res.right, (size_t)kk * cols * sizeof(double complex));
        for (int i = 0; i < kk; i++) m->lambda[s][i] = res.values[i] / sqrt(kept);
        m->chi[s] = kk;
        /* left part: block (rows x cols) times V_k (cols x kk), then normalised */
        double complex one = 1, zero = 0;
        cblas_zgemm(CblasColMajor, CblasNoTrans, CblasConjTrans, rows, kk, cols, &one, blk, rows, m->site[s], kk,
                    &zero, theta, rows);
        CALL(normalise_weighted(theta, chil, (size_t)rows * kk, lam));
        tn_buf t = m->block; m->block = m->scratch; m->scratch = t;
        chir = kk;
    }
    CALL(reserve_site(m, first, (size_t)chil * 2 * chir));
    memcpy(m->site[first], m->block.data, (size_t)chil * 2 * chir * sizeof(double complex));
    return TN_OK;
}

/* A gate on a window of adjacent sites. */
typedef struct {
    int first, k, end_left;
    const double complex *g;
    long seq;                  /* its trace sequence number */
    double *seconds;           /* NULL, or receives the time it took */
} window_update;

static int compute_window_update(mps *m, const void *ctx)
{
    const window_update *w = ctx;
    int before[CIRC_MAX_GATE_QUBITS + 1];
    memcpy(before, m->chi + w->first, (size_t)(w->k + 1) * sizeof(int));
    double t0 = run_clock();
    CALL(contract_block(m, w->first, w->k));
    CALL(apply_to_block(m, m->chi[w->first], 1 << w->k, m->chi[w->first + w->k], w->g));
    double t1 = run_clock();
    m->t_contract += t1 - t0;
    int status = m->vidal ? split_block_vidal(m, w->first, w->k)
               : w->end_left ? split_block_leftward(m, w->first, w->k) : split_block_rightward(m, w->first, w->k);
    double t2 = run_clock();
    m->t_split += t2 - t1;
    if (w->seconds) *w->seconds = t2 - t0;
    if (status == TN_OK) trace_window(m->trace, w->seq, w->first, w->k, before, m->chi + w->first, t2 - t0);
    return status;
}

/* Applies g (2^k x 2^k, row-major, site first+j as bit j of its index) to
 * the k adjacent sites from first; the centre ends at the left end if
 * end_left, else at the right end. */
static int apply_adjacent(mps *m, int first, int k, const double complex *g, int end_left)
{
    if (m->vidal) {   /* no centre to move: the window's owner applies it */
        window_update w = {first, k, end_left, g, trace_tick(m->trace), NULL};
        m->focus = end_left ? first : first + k - 1;
        return on_window(m, first, k, compute_window_update, &w);
    }
    if (m->center < first) CALL(move_center(m, first));
    if (m->center > first + k - 1) CALL(move_center(m, first + k - 1));
    window_update w = {first, k, end_left, g, trace_tick(m->trace), NULL};
    CALL(on_window(m, first, k, compute_window_update, &w));
    m->center = end_left ? first : first + k - 1;
    return TN_OK;
}

/* Records that the qubits on sites s and s + 1 have changed places. */
static void exchange_sites(mps *m, int s)
{
    int qa = m->qubit_at[s], qb = m->qubit_at[s + 1];
    m->qubit_at[s] = qb;
    m->qubit_at[s + 1] = qa;
    m->site_of[qa] = s + 1;
    m->site_of[qb] = s;
}

/* Swaps the qubits on sites s and s + 1 (a two-site SWAP update). */
static int swap_sites(mps *m, int s, int end_left)
{
    static const double complex swap[16] = {1, 0, 0, 0, 0, 0, 1, 0, 0, 1, 0, 0, 0, 0, 0, 1};
    CALL(apply_adjacent(m, s, 2, swap, end_left));
    m->swaps++;
    exchange_sites(m, s);
    return TN_OK;
}

/* ---- gates -------------------------------------------------------------- */

/* Applies a one-qubit matrix u (row-major) to site s; keeps canonical form. */
static void apply_one_site(mps *m, int s, const double complex *u)
{
    int chil = m->chi[s], chir = m->chi[s + 1];
    double complex *a = m->site[s];
    for (int r = 0; r < chir; r++) {
        double complex *p0 = a + (size_t)chil * 2 * r, *p1 = p0 + chil;
        for (int l = 0; l < chil; l++) {
            double complex x0 = p0[l], x1 = p1[l];
            p0[l] = u[0] * x0 + u[1] * x1;
            p1[l] = u[2] * x0 + u[3] * x1;
        }
    }
}

static void exchange_rows(double complex *g);

static int compare_int(const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}

/* Moves the k qubits (on distinct sites) to adjacent sites by swaps, keeping
 * their relative order, onto the window from w (w < 0: the median of site -
 * rank, which takes the fewest swaps; any w from the lowest to the highest
 * of those takes as few); returns the first site of the window in *first. */
static int gather_qubits(mps *m, int k, const int *qubits, int w, int *first)
{
    int sites[CIRC_MAX_GATE_QUBITS], offs[CIRC_MAX_GATE_QUBITS] = {0};
    for (int j = 0; j < k; j++) sites[j] = m->site_of[qubits[j]];
    qsort(sites, (size_t)k, sizeof(int), compare_int);
    for (int j = 0; j < k; j++) offs[j] = sites[j] - j;
    if (w < offs[0] || w > offs[k - 1]) w = offs[k / 2];
    if (w < 0) w = 0;
    if (w > m->n - k) w = m->n - k;
    for (int j = 0; j < k; j++) {          /* those moving left, in order */
        for (int s = sites[j]; s > w + j; s--) CALL(swap_sites(m, s - 1, 1));
        if (sites[j] > w + j) sites[j] = w + j;
    }
    for (int j = k - 1; j >= 0; j--) {     /* those moving right, in reverse order */
        for (int s = sites[j]; s < w + j; s++) CALL(swap_sites(m, s, 0));
        if (sites[j] < w + j) sites[j] = w + j;
    }
    *first = w;
    return TN_OK;
}

/* Rewrites u (gate order: qubits[0] most significant) into block order
 * (site first+j is bit j) in out. */
static void permute_gate(const mps *m, int first, int k, const int *qubits,
                         const double complex *u, double complex *out)
{
    int shift[CIRC_MAX_GATE_QUBITS];      /* gate bit of block bit j */
    for (int j = 0; j < k; j++) {
        int q = m->qubit_at[first + j];
        for (int t = 0; t < k; t++)
            if (qubits[t] == q) shift[j] = k - 1 - t;
    }
    int dim = 1 << k;
    for (int bi = 0; bi < dim; bi++) {
        int gi = 0;
        for (int j = 0; j < k; j++) gi |= ((bi >> j) & 1) << shift[j];
        for (int bj = 0; bj < dim; bj++) {
            int gj = 0;
            for (int j = 0; j < k; j++) gj |= ((bj >> j) & 1) << shift[j];
            out[(size_t)bi * dim + bj] = u[(size_t)gi * dim + gj];
        }
    }
}

int mps_apply_gate(mps *m, const double complex *u, int k, const int *qubits)
{
    if (k < 1 || k > CIRC_MAX_GATE_QUBITS || k > m->n)
        return tn_fail(TN_ERR_USAGE, "a gate on %d qubits is out of range (1 to %d)", k,
                       m->n < CIRC_MAX_GATE_QUBITS ? m->n : CIRC_MAX_GATE_QUBITS);
    for (int j = 0; j < k; j++) {
        if (qubits[j] < 0 || qubits[j] >= m->n)
            return tn_fail(TN_ERR_USAGE, "qubit %d is out of range for a %d-qubit state", qubits[j], m->n);
        for (int i = 0; i < j; i++)
            if (qubits[i] == qubits[j])
                return tn_fail(TN_ERR_USAGE, "qubit %d appears twice in one gate", qubits[j]);
    }
    if (k == 1) {
        trace_one(m->trace, m->site_of[qubits[0]]);
        if (is_mine(m, m->site_of[qubits[0]])) apply_one_site(m, m->site_of[qubits[0]], u);
        return TN_OK;
    }
    trace_gate(m->trace, k, m->layer_begins);
    int due = m->vidal ? ++m->gates_since_balance >= REBALANCE_EVERY_VIDAL && m->layer_begins
                       : ++m->gates_since_balance >= REBALANCE_EVERY;
    m->layer_begins = 0;
    if (m->grp && due) {
        m->gates_since_balance = 0;
        CALL(mps_rebalance(m, REBALANCE_THRESHOLD));
    }
    int first;
    if (k == 2) {   /* keep sweeping the way the centre came: it came from the right, go on left */
        int a = m->site_of[qubits[0]], b = m->site_of[qubits[1]];
        int lo = a < b ? a : b, hi = a < b ? b : a;
        int c = mps_focus(m);
        if (c > hi) m->sweep_left = 1;
        else if (c < lo) m->sweep_left = 0;
    }
    int end_left = k == 2 && m->sweep_left;
    mps_route route = {-1, 0};
    if (k == 2 && m->router) m->router(m->router_ctx, m, qubits, &route);
    CALL(gather_qubits(m, k, qubits, route.first, &first));
    size_t dim = (size_t)1 << k;
    CALL(tn_buf_reserve(&m->gate, dim * dim * sizeof(double complex)));
    permute_gate(m, first, k, qubits, u, m->gate.data);
    if (!route.exchange) return apply_adjacent(m, first, k, m->gate.data, end_left);
    exchange_rows(m->gate.data);
    CALL(apply_adjacent(m, first, 2, m->gate.data, end_left));
    m->fused_swaps++;
    exchange_sites(m, first);
    return TN_OK;
}

/* g (4 x 4, block order) becomes SWAP g: the gate, then its two sites'
 * qubits exchanged, in one two-site update. */
static void exchange_rows(double complex *g)
{
    for (int j = 0; j < 4; j++) {
        double complex t = g[1 * 4 + j];
        g[1 * 4 + j] = g[2 * 4 + j];
        g[2 * 4 + j] = t;
    }
}

void mps_set_router(mps *m, mps_router router, void *ctx)
{
    m->router = router;
    m->router_ctx = ctx;
}

long mps_swaps(const mps *m) { return m->swaps; }
long mps_fused_swaps(const mps *m) { return m->fused_swaps; }

/* The matrix of a gate operation: its own (GATE_UNITARY), or the built-in
 * gate's written into buf (64 entries); NULL for what is not a gate. */
static const double complex *op_matrix(const circ_op *op, double complex *buf)
{
    if (op->kind != OP_GATE) {
        tn_fail(TN_ERR_INTERNAL, "internal error: a gate was expected");
        return NULL;
    }
    if (op->gate == GATE_UNITARY) return op->matrix;
    if (op->nqubits > 3) {
        tn_fail(TN_ERR_INTERNAL, "internal error: built-in gate of %d qubits", op->nqubits);
        return NULL;
    }
    gate_matrix(op->gate, op->params, buf);
    return buf;
}

int mps_apply_op(mps *m, const circ_op *op)
{
    double complex buf[64];
    const double complex *u = op_matrix(op, buf);
    return u ? mps_apply_gate(m, u, op->nqubits, op->qubits) : TN_ERR_INTERNAL;
}

/* ---- a layer of gates on threads (Vidal form, one process) ------------- */

/* Below this bond dimension a layer's gates are too small to pay for a
 * parallel region. */
#define LAYER_THREADS_MIN_BOND 16

void mps_set_layer_threads(mps *m, int threads) { m->layer_threads = threads; }

int mps_layer_threads(const mps *m)
{
    return m->vidal && !m->grp && m->layer_threads > 1 ? m->layer_threads : 1;
}

/* Makes sh a view of m for one gate: the same site tensors, bonds and Schmidt
 * values (a gate of the layer touches only its own), with the workspaces sh
 * kept from earlier layers, recording its discarded weights in log. */
static void refresh_shadow(mps *sh, const mps *m, double *log)
{
    mps own = *sh;
    *sh = *m;
    sh->block = own.block;
    sh->scratch = own.scratch;
    sh->gate = own.gate;
    sh->lwork = own.lwork;
    sh->svd = own.svd;
    sh->shadows = NULL;
    sh->nshadows = 0;
    sh->disc_log = log;
    sh->ndisc_log = 0;
    sh->trace = NULL;   /* the layer records its gates afterwards, in order */
}

/* The window of a two-qubit gate on adjacent sites and its matrix in block order. */
static int prepare_layer_gate(const mps *m, const circ_op *op, int *first, double complex *g)
{
    double complex buf[64];
    const double complex *u = op_matrix(op, buf);
    if (!u) return TN_ERR_INTERNAL;
    int a = m->site_of[op->qubits[0]], b = m->site_of[op->qubits[op->nqubits > 1]];
    if (op->nqubits != 2 || (a - b != 1 && b - a != 1))
        return tn_fail(TN_ERR_INTERNAL, "internal error: mps_apply_layer takes two-qubit gates on adjacent sites");
    *first = a < b ? a : b;
    permute_gate(m, *first, 2, op->qubits, u, g);
    return TN_OK;
}

int mps_apply_layer(mps *m, int count, const circ_op *const *ops)
{
    int threads = mps_layer_threads(m), big = 0;
    if (threads > count) threads = count;
    for (int i = 0; i < count && !big; i++) {
        int s = m->site_of[ops[i]->qubits[0]];
        big = m->chi[s] >= LAYER_THREADS_MIN_BOND || m->chi[s + 1] >= LAYER_THREADS_MIN_BOND;
    }
    if (threads < 2 || !big) {
        for (int i = 0; i < count; i++) CALL(mps_apply_op(m, ops[i]));
        return TN_OK;
    }
    if (m->nshadows < threads) {
        mps *sh = realloc(m->shadows, (size_t)threads * sizeof *sh);
        if (!sh) return tn_fail(TN_ERR_MEMORY, "out of memory: thread workspaces");
        memset(sh + m->nshadows, 0, (size_t)(threads - m->nshadows) * sizeof *sh);
        m->shadows = sh;
        m->nshadows = threads;
    }
    /* per gate: its window, its matrix, its discarded weight and status */
    size_t bytes = (size_t)count * (16 * sizeof(double complex) + 2 * sizeof(double) + 5 * sizeof(int));
    CALL(tn_buf_reserve(&m->gate, bytes));
    double complex *g = m->gate.data;
    double *log = (double *)(g + 16 * (size_t)count), *secs = log + count;
    int *first = (int *)(secs + count), *status = first + count, *before = status + count;
    for (int i = 0; i < count; i++) {
        CALL(prepare_layer_gate(m, ops[i], &first[i], g + 16 * i));
        memcpy(before + 3 * i, m->chi + first[i], 3 * sizeof(int));
    }
    /* BLAS is on one thread (tensor/blas.h): the gates are the parallelism, and each
     * gate's arithmetic is the same on whichever thread runs it */
#pragma omp parallel for num_threads(threads) schedule(dynamic, 1)
    for (int i = 0; i < count; i++) {
        mps *sh = &m->shadows[omp_get_thread_num()];
        refresh_shadow(sh, m, log + i);
        window_update w = {first[i], 2, 0, g + 16 * i, 0, secs + i};
        status[i] = compute_window_update(sh, &w);
    }
    for (int i = 0; i < count; i++) {   /* in gate order: the same bookkeeping as one by one */
        if (status[i]) return status[i];
        record_discard(m, log[i]);
        trace_gate(m->trace, 2, i == 0 && m->layer_begins);
        trace_window(m->trace, trace_tick(m->trace), first[i], 2, before + 3 * i, m->chi + first[i], secs[i]);
    }
    m->layer_begins = 0;
    m->gates_since_balance += count;
    m->focus = first[count - 1] + 1;
    return TN_OK;
}

/* ---- measurement -------------------------------------------------------- */

/* Squared norms of the two physical slices of the centre tensor. */
static void slice_weights(const mps *m, int s, double *w0, double *w1)
{
    int chil = m->chi[s], chir = m->chi[s + 1];
    const double complex *a = m->site[s];
    double n0 = 0, n1 = 0;
    for (int r = 0; r < chir; r++) {
        const double complex *p0 = a + (size_t)chil * 2 * r, *p1 = p0 + chil;
        for (int l = 0; l < chil; l++) {
            n0 += creal(p0[l]) * creal(p0[l]) + cimag(p0[l]) * cimag(p0[l]);
            n1 += creal(p1[l]) * creal(p1[l]) + cimag(p1[l]) * cimag(p1[l]);
        }
    }
    *w0 = n0;
    *w1 = n1;
}

/* The squared norms of the two slices of the centre site s, known on every
 * rank of the group (the owner computes and broadcasts them). */
static int center_weights(mps *m, int s, double *w)
{
    if (is_mine(m, s)) slice_weights(m, s, &w[0], &w[1]);
    if (m->grp) CALL(group_bcast(m->grp, owner(m, s), w, 2 * sizeof(double)));
    return TN_OK;
}

/* Keeps slice outcome of site s, scaled by scale; zeroes the other. */
static void keep_slice(mps *m, int s, int outcome, double scale)
{
    int chil = m->chi[s], chir = m->chi[s + 1];
    double complex *a = m->site[s];
    for (int r = 0; r < chir; r++) {
        double complex *keep = a + (size_t)chil * (2 * r + outcome), *drop = a + (size_t)chil * (2 * r + !outcome);
        for (int l = 0; l < chil; l++) {
            keep[l] *= scale;
            drop[l] = 0;
        }
    }
}

int mps_project(mps *m, int qubit, int outcome, double *prob)
{
    if (qubit < 0 || qubit >= m->n)
        return tn_fail(TN_ERR_USAGE, "qubit %d is out of range for a %d-qubit state", qubit, m->n);
    int s = m->site_of[qubit];
    CALL(leave_vidal(m));   /* a projection changes the Schmidt values of every bond */
    CALL(move_center(m, s));
    double w[2];
    CALL(center_weights(m, s, w));
    double p = (outcome ? w[1] : w[0]) / (w[0] + w[1]);
    if (prob) *prob = p;
    if (!(p > MPS_PROJECT_MIN_PROB))
        return tn_fail(TN_ERR_NUMERIC, "numerical failure: projecting qubit %d onto %d, which has probability %.3g "
                       "(at most %g is rounding noise)", qubit, outcome, p, MPS_PROJECT_MIN_PROB);
    if (is_mine(m, s)) keep_slice(m, s, outcome, 1 / sqrt(outcome ? w[1] : w[0]));
    return TN_OK;
}

int mps_measure(mps *m, int qubit, double r, int *outcome)
{
    if (qubit < 0 || qubit >= m->n)
        return tn_fail(TN_ERR_USAGE, "qubit %d is out of range for a %d-qubit state", qubit, m->n);
    int s = m->site_of[qubit];
    CALL(leave_vidal(m));   /* a projection changes the Schmidt values of every bond */
    CALL(move_center(m, s));
    double w[2];
    CALL(center_weights(m, s, w));
    int bit = r < w[1] / (w[0] + w[1]);
    if (is_mine(m, s)) keep_slice(m, s, bit, 1 / sqrt(bit ? w[1] : w[0]));
    *outcome = bit;
    return TN_OK;
}

int mps_reset(mps *m, int qubit, double r)
{
    int bit;
    CALL(mps_measure(m, qubit, r, &bit));
    if (bit) {
        static const double complex x[4] = {0, 1, 1, 0};
        if (is_mine(m, m->site_of[qubit])) apply_one_site(m, m->site_of[qubit], x);
    }
    return TN_OK;
}

/* ---- amplitudes, expectation values, dense export ---------------------- */

/* Passes a buffer of elems complex numbers from the owner of site s - 1 to
 * the owner of site s when they differ (the environment moving right). */
static int pass_right(mps *m, int s, double complex *buf, size_t elems)
{
    if (!m->grp || s == 0) return TN_OK;
    int from = owner(m, s - 1), to = owner(m, s);
    if (from == to) return TN_OK;
    if (m->me == from) return group_send(m->grp, to, TAG_VECTOR, buf, elems * sizeof *buf);
    if (m->me == to) return group_recv(m->grp, from, TAG_VECTOR, buf, elems * sizeof *buf);
    return TN_OK;
}

int mps_amplitude(mps *m, const unsigned char *bits, double complex *amp)
{
    CALL(leave_vidal(m));   /* exactly canonical and normalised */
    int maxchi = local_max_bond(m);
    int status = tn_buf_reserve(&m->scratch, 2 * (size_t)maxchi * sizeof(double complex));
    if (status) return failed(m, status);
    double complex *v = m->scratch.data, *w = v + maxchi;
    v[0] = 1;
    double complex one = 1, zero = 0;
    for (int s = 0; s < m->n; s++) {
        CALL(pass_right(m, s, v, (size_t)m->chi[s]));
        if (!is_mine(m, s)) continue;
        int b = bits[m->qubit_at[s]] ? 1 : 0, chil = m->chi[s], chir = m->chi[s + 1];
        /* w (1 x chir) = v (1 x chil) * A[:, b, :] (chil x chir, ld 2 chil) */
        tn_zgemv('T', chil, chir, one, m->site[s] + (size_t)chil * b, 2 * chil, v, 1, zero, w, 1);
        double complex *t = v; v = w; w = t;
    }
    if (m->grp) {
        double complex result = is_mine(m, m->n - 1) ? v[0] : 0;
        CALL(group_bcast(m->grp, owner(m, m->n - 1), &result, sizeof result));
        *amp = result;
    } else {
        *amp = v[0];
    }
    return TN_OK;
}

/* The 2x2 matrix of Pauli c. */
static int pauli_matrix(char c, double complex *p)
{
    switch (c) {
    case 'I': p[0] = 1; p[1] = 0; p[2] = 0; p[3] = 1; return 1;
    case 'X': p[0] = 0; p[1] = 1; p[2] = 1; p[3] = 0; return 1;
    case 'Y': p[0] = 0; p[1] = -I; p[2] = I; p[3] = 0; return 1;
    case 'Z': p[0] = 1; p[1] = 0; p[2] = 0; p[3] = -1; return 1;
    default: return 0;
    }
}

/* E <- A^dagger (E A with the Pauli p on the physical index): one step of
 * the transfer-matrix contraction of <psi|P|psi> over site s. */
static void transfer_step(mps *m, int s, const double complex *p, double complex *e, double complex *enew,
                          double complex *t, double complex *t2)
{
    int chil = m->chi[s], chir = m->chi[s + 1];
    double complex one = 1, zero = 0;
    /* t (chil x 2chir) = e (chil x chil) * A (chil x 2 chir) */
    cblas_zgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, chil, 2 * chir, chil, &one, e, chil, m->site[s], chil,
                &zero, t, chil);
    for (int r = 0; r < chir; r++) {   /* t2[:, p', r] = sum_p P[p', p] t[:, p, r] */
        const double complex *x0 = t + (size_t)chil * 2 * r, *x1 = x0 + chil;
        double complex *y0 = t2 + (size_t)chil * 2 * r, *y1 = y0 + chil;
        for (int l = 0; l < chil; l++) {
            y0[l] = p[0] * x0[l] + p[1] * x1[l];
            y1[l] = p[2] * x0[l] + p[3] * x1[l];
        }
    }
    /* enew (chir x chir) = A^H (chir x 2chil) * t2 (2chil x chir) */
    cblas_zgemm(CblasColMajor, CblasConjTrans, CblasNoTrans, chir, chir, 2 * chil, &one, m->site[s], 2 * chil, t2,
                2 * chil, &zero, enew, chir);
}

int mps_expect_pauli(mps *m, const char *paulis, double complex *value)
{
    int lo = m->n, hi = -1;
    for (int q = 0; q < m->n; q++) {
        double complex p[4];
        if (!pauli_matrix(paulis[q], p))
            return tn_fail(TN_ERR_USAGE, "Pauli '%c' on qubit %d is not one of I X Y Z", paulis[q], q);
        if (paulis[q] != 'I') {
            int s = m->site_of[q];
            if (s < lo) lo = s;
            if (s > hi) hi = s;
        }
    }
    if (hi < 0) { *value = 1; return TN_OK; }
    CALL(leave_vidal(m));
    CALL(move_center(m, lo));   /* left of lo: identity; right of hi: identity */
    int maxchi = local_max_bond(m);
    size_t env = (size_t)maxchi * maxchi, tsz = (size_t)maxchi * 2 * maxchi;
    int status = tn_buf_reserve(&m->scratch, (2 * env + 2 * tsz) * sizeof(double complex));
    if (status) return failed(m, status);
    double complex *e = m->scratch.data, *enew = e + env, *t = enew + env, *t2 = t + tsz;
    if (is_mine(m, lo)) {   /* sites left of lo are left-isometric: the identity */
        int chi = m->chi[lo];
        memset(e, 0, (size_t)chi * chi * sizeof *e);
        for (int i = 0; i < chi; i++) e[i + (size_t)chi * i] = 1;
    }
    for (int s = lo; s <= hi; s++) {
        if (s > lo) CALL(pass_right(m, s, e, (size_t)m->chi[s] * m->chi[s]));
        if (!is_mine(m, s)) continue;
        double complex p[4] = {1, 0, 0, 1};
        pauli_matrix(paulis[m->qubit_at[s]], p);
        transfer_step(m, s, p, e, enew, t, t2);
        double complex *tmp = e; e = enew; enew = tmp;
    }
    double complex tr = 0;
    if (is_mine(m, hi)) {
        int chi = m->chi[hi + 1];
        for (int i = 0; i < chi; i++) tr += e[i + (size_t)chi * i];
    }
    if (m->grp) CALL(group_bcast(m->grp, owner(m, hi), &tr, sizeof tr));
    /* a Pauli string is Hermitian with eigenvalues +-1: its expectation is real
     * and in [-1, 1]; what rounding puts outside (1.0000000000000002) is clamped */
    *value = fmin(fmax(creal(tr), -1), 1);
    return TN_OK;
}

/* Brings every site to group rank 0 (tests and small states only). */
static int gather_all_sites(mps *m)
{
    if (!m->grp) return TN_OK;
    for (int s = 0; s < m->n; s++) {
        int o = owner(m, s);
        if (o == 0) continue;
        if (m->me == o) CALL(send_site(m, s, 0));
        else if (m->me == 0) CALL(recv_site(m, s, o));
    }
    return TN_OK;
}

/* Returns the sites gathered by gather_all_sites to their owners. */
static int scatter_all_sites(mps *m)
{
    if (!m->grp) return TN_OK;
    for (int s = 0; s < m->n; s++) {
        int o = owner(m, s);
        if (o == 0) continue;
        if (m->me == 0) CALL(send_site(m, s, o));
        else if (m->me == o) CALL(recv_site(m, s, 0));
    }
    return TN_OK;
}

static int contract_dense(mps *m, double complex *psi)
{
    size_t full = (size_t)1 << m->n;
    double complex *cur = tn_malloc(full * sizeof *cur), *next = tn_malloc(full * sizeof *next);
    if (!cur || !next) { free(cur); free(next); return TN_ERR_MEMORY; }
    size_t dim = 1;
    cur[0] = 1;
    double complex one = 1, zero = 0;
    for (int s = 0; s < m->n; s++) {
        int chil = m->chi[s], chir = m->chi[s + 1];
        cblas_zgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, (int)dim, 2 * chir, chil, &one, cur,
                    (int)dim, m->site[s], chil, &zero, next, (int)dim);
        double complex *t = cur; cur = next; next = t;
        dim *= 2;
    }
    for (size_t i = 0; i < full; i++) {
        size_t idx = 0;
        for (int s = 0; s < m->n; s++) idx |= ((i >> s) & 1u) << m->qubit_at[s];
        psi[idx] = cur[i];
    }
    free(cur);
    free(next);
    return TN_OK;
}

int mps_to_dense(mps *m, double complex *psi)
{
    if (m->n > 30) return tn_fail(TN_ERR_USAGE, "a dense state of %d qubits is too large (at most 30)", m->n);
    CALL(gather_all_sites(m));
    if (m->me == 0) {
        int status = contract_dense(m, psi);
        if (status) return failed(m, status);
        if (m->vidal) {   /* the isometries are approximate after truncation: normalise (as leave_vidal would) */
            size_t len = (size_t)1 << m->n;
            double complex inv = 1 / cblas_dznrm2((int)len, psi, 1);
            cblas_zscal((int)len, &inv, psi, 1);
        }
    }
    CALL(scatter_all_sites(m));
    if (m->grp) CALL(group_bcast(m->grp, 0, psi, ((size_t)1 << m->n) * sizeof *psi));
    return TN_OK;
}

/* ---- sampling ----------------------------------------------------------- */

#define SAMPLE_BATCH 1024   /* shots advanced together through one GEMM per site */
#define SAMPLE_MIN_BATCH 128   /* smaller batches than this waste the GEMM */

/* Advances the batch of count shots (first, first+1, ...) through site s:
 * v (count x chi_l, leading dimension count) becomes count x chi_r. */
static void sample_site(mps *m, int s, int first, int count, uint64_t seed, uint64_t stream, double complex *v,
                        double complex *w, unsigned char *bits)
{
    int chil = m->chi[s], chir = m->chi[s + 1], q = m->qubit_at[s];
    double complex one = 1, zero = 0;
    /* w (count x 2chir) = v (count x chil) * A (chil x 2chir); column p + 2r */
    cblas_zgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, count, 2 * chir, chil, &one, v, count, m->site[s], chil,
                &zero, w, count);
    for (int i = 0; i < count; i++) {
        double n0 = 0, n1 = 0;
        for (int r = 0; r < chir; r++) {
            double complex a0 = w[i + (size_t)count * 2 * r], a1 = w[i + (size_t)count * (2 * r + 1)];
            n0 += creal(a0) * creal(a0) + cimag(a0) * cimag(a0);
            n1 += creal(a1) * creal(a1) + cimag(a1) * cimag(a1);
        }
        double u = rng_uniform_at(seed, stream, (uint32_t)(first + i), (uint32_t)s);
        int b = u < n1 / (n0 + n1);
        bits[(size_t)i * m->n + q] = (unsigned char)b;
        double scale = 1 / sqrt(b ? n1 : n0);
        for (int r = 0; r < chir; r++) v[i + (size_t)count * r] = w[i + (size_t)count * (2 * r + b)] * scale;
    }
}

/* Samples shots [first, first+count) into bits (rows of n). In a group the
 * batch's left environment passes from rank to rank along the chain, so
 * consecutive batches flow through the ranks as a pipeline. */
static int sample_batch(mps *m, int first, int count, uint64_t seed, uint64_t stream, unsigned char *bits)
{
    int maxchi = local_max_bond(m);
    size_t vsz = (size_t)count * maxchi, wsz = (size_t)count * 2 * maxchi;
    int status = tn_buf_reserve(&m->block, (vsz + wsz) * sizeof(double complex));
    if (status) return failed(m, status);
    double complex *v = m->block.data, *w = v + vsz;
    for (int i = 0; i < count; i++) v[i] = 1;
    for (int s = 0; s < m->n; s++) {
        CALL(pass_right(m, s, v, (size_t)count * m->chi[s]));
        if (is_mine(m, s)) sample_site(m, s, first, count, seed, stream, v, w, bits);
    }
    return TN_OK;
}

/* Merges the bits each rank drew for its own sites (the others are 0) so
 * that every rank of the group holds all of them. */
static int merge_bits(mps *m, unsigned char *bits, size_t bytes)
{
    if (!m->grp) return TN_OK;
    if (m->me != 0) {
        CALL(group_send(m->grp, 0, TAG_BITS, bits, bytes));
    } else {
        unsigned char *other = tn_malloc(bytes);
        if (!other) return failed(m, TN_ERR_MEMORY);
        for (int r = 1; r < m->nranks; r++) {
            int status = group_recv(m->grp, r, TAG_BITS, other, bytes);
            if (status) { free(other); return status; }
            for (size_t i = 0; i < bytes; i++) bits[i] |= other[i];
        }
        free(other);
    }
    return group_bcast(m->grp, 0, bits, bytes);
}

int mps_sample_range(mps *m, long first_shot, int nshots, uint64_t seed, uint64_t stream, unsigned char *bits)
{
    if (nshots < 0) return tn_fail(TN_ERR_USAGE, "shots %d is out of range (0 or more)", nshots);
    /* every site right of the centre is right-isometric; in Vidal form to
     * about the discarded weight, which the per-site normalisation of the
     * conditional probabilities absorbs (as TEBD codes sample): exact when
     * nothing was truncated, and no sweep that the ranks would do in turn */
    CALL(move_center(m, 0));
    memset(bits, 0, (size_t)nshots * m->n);
    /* in a group, at least two batches per rank keep the pipeline of ranks busy */
    int batch = m->nranks > 1 ? (nshots + 2 * m->nranks - 1) / (2 * m->nranks) : SAMPLE_BATCH;
    if (batch > SAMPLE_BATCH) batch = SAMPLE_BATCH;
    if (batch < SAMPLE_MIN_BATCH) batch = SAMPLE_MIN_BATCH;
    for (int done = 0; done < nshots; done += batch) {
        int count = nshots - done < batch ? nshots - done : batch;
        CALL(sample_batch(m, (int)(first_shot + done), count, seed, stream, bits + (size_t)done * m->n));
    }
    return merge_bits(m, bits, (size_t)nshots * m->n);
}

int mps_sample(mps *m, int nshots, uint64_t seed, uint64_t stream, unsigned char *bits)
{
    return mps_sample_range(m, 0, nshots, seed, stream, bits);
}

/* ---- outcome probabilities ---------------------------------------------- */

/* The exhaustive walk of mps_outcome_probs: the left environment E (chi x chi)
 * of a partial assignment is kept per measured level, and the unmeasured
 * sites between two measured ones are summed over both outcomes. */
typedef struct {
    mps *m;
    const int *bit_at;          /* per site: index of its measured qubit, or -1 */
    int last;                   /* the last measured site */
    double complex **level;     /* level[d]: E before the d-th measured site */
    double complex *tmp, *a, *b;
    double *probs;
} probs_walk;

/* E' (chir x chir) = sum over p in outcomes of A_p^H E A_p for site s. */
static void env_step(const mps *m, int s, const double complex *e, int p_lo, int p_hi, double complex *tmp,
                     double complex *out)
{
    int chil = m->chi[s], chir = m->chi[s + 1];
    double complex one = 1, zero = 0;
    for (int p = p_lo; p <= p_hi; p++) {
        const double complex *ap = m->site[s] + (size_t)chil * p;   /* chil x chir, leading dimension 2 chil */
        cblas_zgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, chil, chir, chil, &one, e, chil, ap, 2 * chil,
                    &zero, tmp, chil);
        cblas_zgemm(CblasColMajor, CblasConjTrans, CblasNoTrans, chir, chir, chil, &one, ap, 2 * chil, tmp, chil,
                    p == p_lo ? &zero : &one, out, chir);
    }
}

static double env_trace(const double complex *e, int chi)
{
    double tr = 0;
    for (int i = 0; i < chi; i++) tr += creal(e[i + (size_t)chi * i]);
    return tr;
}

/* Branches on the measured site s (depth d), whose environment is level[d]. */
static void probs_branch(probs_walk *w, int s, int d, size_t mask)
{
    mps *m = w->m;
    int j = w->bit_at[s];
    for (int p = 0; p <= 1; p++) {
        env_step(m, s, w->level[d], p, p, w->tmp, w->a);
        int t = s + 1;
        double complex *cur = w->a, *other = w->b;
        if (s == w->last) {
            w->probs[mask | (size_t)p << j] = env_trace(cur, m->chi[t]);
            continue;
        }
        if (env_trace(cur, m->chi[t]) < 1e-300) continue;   /* an impossible prefix: all its outcomes are 0 */
        for (; w->bit_at[t] < 0; t++) {
            env_step(m, t, cur, 0, 1, w->tmp, other);
            double complex *x = cur; cur = other; other = x;
        }
        memcpy(w->level[d + 1], cur, (size_t)m->chi[t] * m->chi[t] * sizeof *cur);
        probs_branch(w, t, d + 1, mask | (size_t)p << j);
    }
}

/* The walk on one process, over the whole chain (centre at site 0). */
static int outcome_probs_local(mps *m, int k, const int *qubits, double *probs)
{
    int n = m->n, maxchi = 1, first = -1, last = -1;
    for (int s = 0; s <= n; s++) if (m->chi[s] > maxchi) maxchi = m->chi[s];
    int *bit_at = tn_malloc((size_t)n * sizeof(int));
    double complex **level = tn_calloc((size_t)k + 1, sizeof *level);
    size_t sq = (size_t)maxchi * maxchi;
    double complex *work = tn_malloc(((size_t)k + 4) * sq * sizeof *work);
    if (!bit_at || !level || !work) { free(bit_at); free(level); free(work); return TN_ERR_MEMORY; }
    for (int s = 0; s < n; s++) bit_at[s] = -1;
    for (int j = 0; j < k; j++) bit_at[m->site_of[qubits[j]]] = j;
    for (int s = 0; s < n; s++)
        if (bit_at[s] >= 0) { if (first < 0) first = s; last = s; }
    for (int d = 0; d <= k; d++) level[d] = work + (size_t)d * sq;
    probs_walk w = {m, bit_at, last, level, work + (size_t)(k + 1) * sq, work + (size_t)(k + 2) * sq,
                    work + (size_t)(k + 3) * sq, probs};
    memset(probs, 0, ((size_t)1 << k) * sizeof *probs);
    if (k == 0) {
        probs[0] = 1;
    } else {
        double complex *cur = w.a, *other = w.b;
        cur[0] = 1;
        for (int s = 0; s < first; s++) {
            env_step(m, s, cur, 0, 1, w.tmp, other);
            double complex *x = cur; cur = other; other = x;
        }
        memcpy(level[0], cur, (size_t)m->chi[first] * m->chi[first] * sizeof *cur);
        probs_branch(&w, first, 0, 0);
    }
    free(bit_at);
    free(level);
    free(work);
    return TN_OK;
}

int mps_outcome_probs(mps *m, int k, const int *qubits, double *probs)
{
    if (k < 0 || k > MPS_MAX_OUTCOME_QUBITS)
        return tn_fail(TN_ERR_USAGE, "outcome probabilities of %d qubits: at most %d", k, MPS_MAX_OUTCOME_QUBITS);
    for (int j = 0; j < k; j++)
        if (qubits[j] < 0 || qubits[j] >= m->n) return tn_fail(TN_ERR_USAGE, "qubit %d is out of range", qubits[j]);
    CALL(leave_vidal(m));
    CALL(move_center(m, 0));   /* every other site right-isometric: the right environment is the identity */
    CALL(gather_all_sites(m));
    int status = TN_OK;
    if (m->me == 0) status = outcome_probs_local(m, k, qubits, probs);
    if (status) return failed(m, status);
    CALL(scatter_all_sites(m));
    if (m->grp) CALL(group_bcast(m->grp, 0, probs, ((size_t)1 << k) * sizeof *probs));
    for (size_t b = 0; b < ((size_t)1 << k); b++) probs[b] = fmin(fmax(probs[b], 0), 1);   /* rounding past [0, 1] */
    return TN_OK;
}

/* ---- saving and restoring (checkpoints) ---------------------------------- */

/* The fixed part of a saved state (native byte order; checkpoint.c records
 * the byte order and checks it). Then: site_of[n], qubit_at[n], chi[n+1],
 * lo[nranks+1] (int32), per rank its book (rank_book: the exact discarded
 * weight and log-fidelity, the decomposition count), the site tensors, and in Vidal form (vidal = 1; 0 in files
 * written before it existed) the Schmidt values lambda[s] (chi[s] doubles
 * per site). The partition and the per-rank
 * bookkeeping are kept so that a state resumed on the same rank count
 * continues with bit-identical arithmetic; on another rank count the
 * bookkeeping is combined on rank 0. */
typedef struct {
    int32_t n, center, sweep_left, rebalances, nranks, vidal;
    int64_t gates_since_balance, shifts;
    int32_t focus;           /* Vidal form: where the centre would be (the scheduler follows it) */
    int32_t fused_swaps;     /* swaps fused into gates so far (0 in checkpoints older than the count) */
} mps_saved_header;

/* One rank's running totals, as saved (48 bytes, no padding). */
typedef struct {
    tn_exact discarded, log_fidelity;
    int64_t decompositions;
    int64_t swaps;           /* swaps applied so far (replicated: every rank's is the same) */
} rank_book;

#define TAG_BOOK 104

static size_t saved_ints(int n, int nranks) { return 3 * (size_t)n + 1 + (size_t)nranks + 1; }

/* Per-rank bookkeeping gathered on group rank 0. */
static int gather_book(mps *m, rank_book *book)
{
    rank_book mine = {m->discarded, m->log_fidelity, (int64_t)m->decompositions, m->swaps};
    book[0] = mine;
    if (!m->grp) return TN_OK;
    if (m->me != 0) return group_send(m->grp, 0, TAG_BOOK, &mine, sizeof mine);
    for (int r = 1; r < m->nranks; r++) CALL(group_recv(m->grp, r, TAG_BOOK, book + r, sizeof *book));
    return TN_OK;
}

int mps_save(mps *m, char **buf, size_t *len)
{
    *buf = NULL;
    *len = 0;
    rank_book *book = tn_malloc((size_t)m->nranks * sizeof *book);
    if (!book) return failed(m, TN_ERR_MEMORY);
    int status = gather_book(m, book);
    if (status) { free(book); return status; }
    CALL(gather_all_sites(m));
    if (m->me == 0) {
        size_t bytes = sizeof(mps_saved_header) + saved_ints(m->n, m->nranks) * 4 + (size_t)m->nranks * sizeof(rank_book);
        for (int s = 0; s < m->n; s++) bytes += site_elems(m, s) * sizeof(double complex);
        if (m->vidal)
            for (int s = 0; s < m->n; s++) bytes += (size_t)m->chi[s] * sizeof(double);
        char *p = *buf = tn_malloc(bytes);
        if (!p) {
            status = TN_ERR_MEMORY;
        } else {
            mps_saved_header h = {m->n, m->center, m->sweep_left, m->rebalances, m->nranks, m->vidal,
                                  m->gates_since_balance, m->shifts, m->focus,
                                  m->fused_swaps < INT32_MAX ? (int32_t)m->fused_swaps : INT32_MAX};
            memcpy(p, &h, sizeof h);
            p += sizeof h;
            for (int q = 0; q < m->n; q++, p += 4) { int32_t v = m->site_of[q]; memcpy(p, &v, 4); }
            for (int s = 0; s < m->n; s++, p += 4) { int32_t v = m->qubit_at[s]; memcpy(p, &v, 4); }
            for (int s = 0; s <= m->n; s++, p += 4) { int32_t v = m->chi[s]; memcpy(p, &v, 4); }
            for (int r = 0; r <= m->nranks; r++, p += 4) { int32_t v = m->grp ? m->lo[r] : (r ? m->n : 0); memcpy(p, &v, 4); }
            memcpy(p, book, (size_t)m->nranks * sizeof(rank_book));
            p += (size_t)m->nranks * sizeof(rank_book);
            for (int s = 0; s < m->n; s++) {
                size_t b = site_elems(m, s) * sizeof(double complex);
                memcpy(p, m->site[s], b);
                p += b;
            }
            for (int s = 0; s < m->n && m->vidal; s++) {
                memcpy(p, m->lambda[s], (size_t)m->chi[s] * sizeof(double));
                p += (size_t)m->chi[s] * sizeof(double);
            }
            *len = bytes;
        }
    }
    free(book);
    if (status) return failed(m, status);
    return scatter_all_sites(m);
}

/* Bond dimensions a saved state may claim: far above any that fits in memory,
 * low enough that sizes computed from two of them cannot overflow. */
#define SAVED_MAX_CHI (1 << 24)

/* The qubit order (a permutation and its inverse), the centre and the
 * partition of a saved state (ints: its int32 part) are ones restore can use. */
static int check_saved_layout(const mps *m, const char *ints, const mps_saved_header *h)
{
    int n = m->n;
    if (h->center < 0 || h->center >= n) return tn_fail(TN_ERR_INPUT, "the saved state has a bad centre");
    for (int q = 0; q < n; q++) {
        int32_t site, back;
        memcpy(&site, ints + 4 * (size_t)q, 4);
        if (site >= 0 && site < n) memcpy(&back, ints + 4 * ((size_t)n + site), 4);
        if (site < 0 || site >= n || back != q) return tn_fail(TN_ERR_INPUT, "the saved state has a bad qubit order");
    }
    int32_t prev = 0, lo;
    for (int r = 0; r <= h->nranks; r++, prev = lo) {
        memcpy(&lo, ints + 4 * (3 * (size_t)n + 1 + r), 4);
        if (lo < prev || lo > n || (r == 0 && lo != 0) || (r == h->nranks && lo != n))
            return tn_fail(TN_ERR_INPUT, "the saved state has a bad partition");
    }
    return TN_OK;
}

/* Checks a saved state's structure before anything is changed. */
static int check_saved(const mps *m, const char *buf, size_t len, mps_saved_header *h)
{
    if (len < sizeof *h) return tn_fail(TN_ERR_INPUT, "the saved state is truncated");
    memcpy(h, buf, sizeof *h);
    if (h->n != m->n) return tn_fail(TN_ERR_INPUT, "the saved state has %d qubits, this circuit %d", (int)h->n, m->n);
    if (h->nranks < 1 || h->nranks > 1 << 24) return tn_fail(TN_ERR_INPUT, "the saved state has a bad rank count");
    if (h->vidal != 0 && h->vidal != 1) return tn_fail(TN_ERR_INPUT, "the saved state has a bad canonical form");
    if (h->focus < 0 || h->focus >= m->n) return tn_fail(TN_ERR_INPUT, "the saved state has a bad focus site");
    size_t need = sizeof *h + saved_ints(m->n, h->nranks) * 4 + (size_t)h->nranks * sizeof(rank_book);
    if (len < need) return tn_fail(TN_ERR_INPUT, "the saved state is truncated");
    CALL(check_saved_layout(m, buf + sizeof *h, h));
    const char *chi = buf + sizeof *h + 2 * (size_t)m->n * 4;
    for (int s = 0; s <= m->n; s++) {
        int32_t c;
        memcpy(&c, chi + 4 * (size_t)s, 4);
        if (c < 1 || c > SAVED_MAX_CHI || ((s == 0 || s == m->n) && c != 1))
            return tn_fail(TN_ERR_INPUT, "the saved state has a bad bond dimension");
        if (s < m->n) {
            int32_t r;
            memcpy(&r, chi + 4 * (size_t)(s + 1), 4);
            if (r < 1 || r > SAVED_MAX_CHI) return tn_fail(TN_ERR_INPUT, "the saved state has a bad bond dimension");
            need += (size_t)c * 2 * (size_t)r * sizeof(double complex);
            if (h->vidal) need += (size_t)c * sizeof(double);
            if (need > len) break;   /* each term < 2^54: the sum cannot wrap before it passes len */
        }
    }
    if (len != need) return tn_fail(TN_ERR_INPUT, "the saved state has %zu bytes, its header says %zu", len, need);
    return TN_OK;
}

int mps_restore(mps *m, const char *buf, size_t len)
{
    mps_saved_header h;
    int status = m->me == 0 ? check_saved(m, buf, len, &h) : TN_OK;
    if (status) return failed(m, status);
    CALL(gather_all_sites(m));   /* rank 0 takes every site, then fills them */
    if (m->grp) CALL(group_bcast(m->grp, 0, &h, sizeof h));
    size_t nints = saved_ints(m->n, h.nranks), nbook = (size_t)h.nranks;
    int32_t *ints = tn_malloc(nints * sizeof *ints);
    rank_book *book = tn_malloc(nbook * sizeof *book);
    if (!ints || !book) { free(ints); free(book); return failed(m, TN_ERR_MEMORY); }
    const char *p = buf + sizeof h;
    if (m->me == 0) {
        memcpy(ints, p, nints * sizeof *ints);
        memcpy(book, p + nints * 4, nbook * sizeof *book);
    }
    if (m->grp) status = group_bcast(m->grp, 0, ints, nints * sizeof *ints);
    if (m->grp && status == TN_OK) status = group_bcast(m->grp, 0, book, nbook * sizeof *book);
    if (status) { free(ints); free(book); return status; }
    for (int q = 0; q < m->n; q++) {
        m->site_of[q] = ints[q];
        m->qubit_at[q] = ints[m->n + q];
    }
    for (int s = 0; s <= m->n; s++) m->chi[s] = ints[2 * m->n + s];
    int same_ranks = h.nranks == m->nranks;
    if (same_ranks && m->grp)   /* the partition as it was: the same ranks do the same decompositions */
        for (int r = 0; r <= m->nranks; r++) m->lo[r] = ints[3 * m->n + 1 + r];
    if (same_ranks) {
        m->discarded = book[m->me].discarded;
        m->log_fidelity = book[m->me].log_fidelity;
        m->decompositions = (size_t)book[m->me].decompositions;
    } else {   /* combined on rank 0 (exactly: the totals do not depend on the partition), neutral elsewhere */
        rank_book all = {tn_exact_zero(), tn_exact_zero(), 0, 0};
        for (int r = 0; r < h.nranks; r++) {
            tn_exact_merge(&all.discarded, book[r].discarded);
            tn_exact_merge(&all.log_fidelity, book[r].log_fidelity);
            all.decompositions += book[r].decompositions;
        }
        m->discarded = m->me == 0 ? all.discarded : tn_exact_zero();
        m->log_fidelity = m->me == 0 ? all.log_fidelity : tn_exact_zero();
        m->decompositions = m->me == 0 ? (size_t)all.decompositions : 0;
    }
    m->swaps = book[0].swaps;
    m->fused_swaps = h.fused_swaps;
    free(ints);
    free(book);
    p += nints * 4 + nbook * sizeof(rank_book);
    for (int s = 0; s < m->n && m->me == 0; s++) {
        status = reserve_site(m, s, site_elems(m, s));
        if (status) return failed(m, status);
        memcpy(m->site[s], p, site_elems(m, s) * sizeof(double complex));
        p += site_elems(m, s) * sizeof(double complex);
    }
    for (int s = 0; s < m->n && m->me == 0 && h.vidal; s++) {
        status = reserve_lambda(m, s, m->chi[s]);
        if (status) return failed(m, status);
        memcpy(m->lambda[s], p, (size_t)m->chi[s] * sizeof(double));
        p += (size_t)m->chi[s] * sizeof(double);
    }
    m->vidal = h.vidal;
    attach_eigensolver(m);
    m->center = h.center;
    m->focus = h.focus;
    m->sweep_left = h.sweep_left;
    m->rebalances = h.rebalances;
    m->gates_since_balance = h.gates_since_balance;
    m->shifts = h.shifts;
    return scatter_all_sites(m);
}

/* ---- Kraus operators (trajectories) ------------------------------------- */

/* The reduced density matrix (D x D, row-major) of the middle index of a
 * (chil, D, chir) tensor holding the orthogonality centre. */
static void block_density(const double complex *b, int chil, int dim, int chir, double complex *rho)
{
    for (int x = 0; x < dim; x++)
        for (int y = x; y < dim; y++) {
            double complex s = 0;
            for (int r = 0; r < chir; r++) {
                const double complex *px = b + (size_t)chil * (x + (size_t)dim * r);
                const double complex *py = b + (size_t)chil * (y + (size_t)dim * r);
                for (int l = 0; l < chil; l++) s += px[l] * conj(py[l]);
            }
            rho[x * dim + y] = s;
            rho[y * dim + x] = conj(s);
        }
}

/* Picks operator i with probability tr(K_i rho K_i^dagger) / total using r;
 * returns its index and weight in *weight. */
static int choose_kraus(int nops, const double complex *ops, int dim, const double complex *rho, double r,
                        double *weight)
{
    double w[64] = {0}, total = 0;
    int count = nops < 64 ? nops : 64;
    for (int i = 0; i < count; i++) {
        const double complex *k = ops + (size_t)i * dim * dim;
        double s = 0;   /* tr(K rho K^dagger) = sum_{a,x,y} K[a,x] rho[x,y] conj(K[a,y]) */
        for (int a = 0; a < dim; a++)
            for (int x = 0; x < dim; x++)
                for (int y = 0; y < dim; y++) s += creal(k[a * dim + x] * rho[x * dim + y] * conj(k[a * dim + y]));
        w[i] = s > 0 ? s : 0;
        total += w[i];
    }
    double target = r * total, acc = 0;
    int pick = count - 1;
    for (int i = 0; i < count; i++) {
        acc += w[i];
        if (target < acc) { pick = i; break; }
    }
    while (pick > 0 && w[pick] == 0) pick--;   /* never an operator of weight 0 */
    *weight = w[pick] / total;
    return pick;
}

typedef struct {
    int first, k, nops;
    const double complex *ops;   /* in block order */
    double r;
    int chosen;
} kraus_update;

static int compute_kraus_update(mps *m, const void *ctx)
{
    kraus_update *ku = (kraus_update *)ctx;
    int chil = m->chi[ku->first], chir = m->chi[ku->first + ku->k], dim = 1 << ku->k;
    CALL(contract_block(m, ku->first, ku->k));
    double complex rho[64], g[64];
    double p;
    block_density(m->block.data, chil, dim, chir, rho);
    ku->chosen = choose_kraus(ku->nops, ku->ops, dim, rho, ku->r, &p);
    if (!(p > MPS_PROJECT_MIN_PROB))
        return tn_fail(TN_ERR_NUMERIC, "numerical failure: every Kraus operator has probability 0 on this state");
    for (int e = 0; e < dim * dim; e++) g[e] = ku->ops[(size_t)ku->chosen * dim * dim + e] / sqrt(p);
    CALL(apply_to_block(m, chil, dim, chir, g));
    return split_block_rightward(m, ku->first, ku->k);
}

int mps_apply_kraus(mps *m, int nops, const double complex *ops, int k, const int *qubits, double r, int *chosen)
{
    if (k < 1 || k > 3 || k > m->n || nops < 1 || nops > 64)
        return tn_fail(TN_ERR_USAGE, "a Kraus set of %d operators on %d qubits is out of range "
                       "(1 to 64 operators on 1 to 3 qubits)", nops, k);
    for (int j = 0; j < k; j++)
        if (qubits[j] < 0 || qubits[j] >= m->n)
            return tn_fail(TN_ERR_USAGE, "qubit %d is out of range for a %d-qubit state", qubits[j], m->n);
    int first = m->site_of[qubits[0]];
    if (k > 1) CALL(gather_qubits(m, k, qubits, -1, &first));
    size_t dim = (size_t)1 << k, dd = dim * dim;
    CALL(tn_buf_reserve(&m->gate, (size_t)nops * dd * sizeof(double complex)));
    double complex *block_ops = m->gate.data;
    for (int i = 0; i < nops; i++) permute_gate(m, first, k, qubits, ops + i * dd, block_ops + i * dd);
    CALL(leave_vidal(m));   /* a non-unitary draw changes the Schmidt values of every bond */
    if (m->center < first) CALL(move_center(m, first));
    if (m->center > first + k - 1) CALL(move_center(m, first + k - 1));
    kraus_update ku = {first, k, nops, block_ops, r, 0};
    CALL(on_window(m, first, k, compute_kraus_update, &ku));
    m->center = first + k - 1;
    if (m->grp) CALL(group_bcast(m->grp, owner(m, first), &ku.chosen, sizeof ku.chosen));
    *chosen = ku.chosen;
    return TN_OK;
}
