/* mps.c - the core of the single-process MPS engine: the state's memory,
 * ownership of sites and their movement between ranks, queries, lifecycle,
 * canonical form (centre moves, leaving Vidal form) and rebalancing.
 * The rest of the engine: mps_gates.c (blocks of adjacent sites, gates, a
 * threaded layer of gates, Kraus operators), mps_measure.c (measurement,
 * amplitudes, expectation values, dense export, sampling, outcome
 * probabilities), mps_save.c (checkpoints); mps_internal.h holds the struct
 * and the helpers they share.
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
#include "mps_internal.h"
#include "blas.h"

#include <cblas.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "group.h"
#include "part.h"
#include "scalapack.h"
#include "trace.h"
#include "qr.h"
#include "work.h"

/* ---- small helpers ------------------------------------------------------ */

/* Makes site s able to hold elems elements (contents are not kept). */
int mps_reserve_site(mps *m, int s, size_t elems)
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
int mps_reserve_lambda(mps *m, int s, int len)
{
    if (m->lambda_cap[s] >= len) return TN_OK;
    double *p = realloc(m->lambda[s], (size_t)len * sizeof *p);
    if (!p) return tn_fail(TN_ERR_MEMORY, "out of memory: Schmidt values of %d bytes", (int)(len * sizeof *p));
    m->lambda[s] = p;
    m->lambda_cap[s] = len;
    return TN_OK;
}

/* ---- ownership and data movement ---------------------------------------- */

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

/* Receives site s from group rank src (tag: TAG_SITE, or TAG_SITE_LAZY + s). */
static int recv_site_tagged(mps *m, int s, int src, int tag)
{
    int dims[2];
    CALL(group_recv(m->grp, src, tag, dims, sizeof dims));
    m->chi[s] = dims[0];
    m->chi[s + 1] = dims[1];
    int status = mps_reserve_site(m, s, site_elems(m, s));
    if (status == TN_OK && m->vidal) status = mps_reserve_lambda(m, s, m->chi[s]);
    if (status) return failed(m, status);
    CALL(group_recv(m->grp, src, tag, m->site[s], site_elems(m, s) * sizeof(double complex)));
    if (m->vidal) CALL(group_recv(m->grp, src, tag, m->lambda[s], (size_t)m->chi[s] * sizeof(double)));
    return TN_OK;
}

static int recv_site(mps *m, int s, int src) { return recv_site_tagged(m, s, src, TAG_SITE); }

/* Whether a window's lenders go on without waiting: lazy returns are on and
 * the state is in Vidal form (the centre form's windows join collective
 * eigensolves; leaving Vidal form settles first). */
static int lends_lazily(const mps *m) { return m->lazy && m->vidal; }

/* Frees the memory of delivered lazy sends. */
static void lazy_progress(mps *m)
{
    size_t freed = 0;
    group_posts_progress(&m->posts, &freed);
    tn_mem_charge(-(long long)freed);
}

/* Posts site s to group rank dest and returns at once (lazy returns): the
 * same three messages as send_site, tagged TAG_SITE_LAZY + s, which own
 * the tensor and Schmidt values until delivered. A lender (lend) records
 * where the site is. */
static int post_site(mps *m, int s, int dest, int lend)
{
    int tag = TAG_SITE_LAZY + s;
    int *dims = malloc(2 * sizeof *dims);
    if (!dims) return failed(m, tn_fail(TN_ERR_MEMORY, "out of memory: a message"));
    dims[0] = m->chi[s];
    dims[1] = m->chi[s + 1];
    int status = group_post(m->grp, &m->posts, dest, tag, dims, 2 * sizeof *dims, dims, 0);
    if (status) { free(dims); return failed(m, status); }
    status = group_post(m->grp, &m->posts, dest, tag, m->site[s], site_elems(m, s) * sizeof(double complex),
                        m->site[s], m->site_cap[s] * sizeof(double complex));   /* its charge goes when delivered */
    if (status) return failed(m, status);
    m->site[s] = NULL;
    m->site_cap[s] = 0;
    if (m->vidal) {
        status = group_post(m->grp, &m->posts, dest, tag, m->lambda[s], (size_t)m->chi[s] * sizeof(double),
                            m->lambda[s], 0);
        if (status) return failed(m, status);
        m->lambda[s] = NULL;
        m->lambda_cap[s] = 0;
    }
    if (lend) {
        m->away[s] = dest;
        m->lazy_lends++;
    }
    return TN_OK;
}

/* Brings back site s (this rank's) if it is lent out. */
int mps_reclaim_site(mps *m, int s)
{
    if (!m->lazy || m->away[s] < 0) return TN_OK;
    int from = m->away[s];
    m->away[s] = -1;
    return recv_site_tagged(m, s, from, TAG_SITE_LAZY + s);
}

/* Brings sites first..first+count-1 to the owner of first (the worker).
 * Under lazy returns the lenders post their sites and go on. */
static int acquire_window(mps *m, int first, int count)
{
    if (!m->grp) return TN_OK;
    int worker = owner(m, first), lazy = lends_lazily(m);
    if (lazy) lazy_progress(m);
    for (int s = first; s < first + count; s++) {
        int o = owner(m, s);
        if (m->me == o) CALL(mps_reclaim_site(m, s));
        if (o == worker) continue;
        if (m->me == o) CALL(lazy ? post_site(m, s, worker, 1) : send_site(m, s, worker));
        else if (m->me == worker) CALL(recv_site_tagged(m, s, o, lazy ? TAG_SITE_LAZY + s : TAG_SITE));
    }
    return TN_OK;
}

/* Returns the borrowed sites of the window to their owners; under lazy
 * returns the worker posts them and the owners take them when they next
 * need them (mps_reclaim_site). */
static int release_window(mps *m, int first, int count)
{
    if (!m->grp) return TN_OK;
    int worker = owner(m, first), lazy = lends_lazily(m);
    for (int s = first; s < first + count; s++) {
        int o = owner(m, s);
        if (o == worker) continue;
        if (m->me == worker) CALL(lazy ? post_site(m, s, o, 0) : send_site(m, s, o));
        else if (m->me == o && !lazy) CALL(recv_site(m, s, worker));
    }
    return TN_OK;
}

int mps_lazy_begin(mps *m)
{
    if (!m->grp || !m->vidal || m->lazy || getenv("TNEMU_BLOCKING_LENDERS")) return TN_OK;
    if (TAG_SITE_LAZY + m->n > group_tag_limit(m->grp)) return TN_OK;   /* MPI's tags are too few: blocking */
    if (!m->away) {
        m->away = malloc((size_t)m->n * sizeof *m->away);
        if (!m->away) return failed(m, tn_fail(TN_ERR_MEMORY, "out of memory: %d site owners", m->n));
    }
    for (int s = 0; s < m->n; s++) m->away[s] = -1;
    m->lazy = 1;
    return TN_OK;
}

int mps_settle(mps *m)
{
    CALL(mps_defer_flush(m));
    if (!m->lazy) return TN_OK;
    for (int s = 0; s < m->n; s++) CALL(mps_reclaim_site(m, s));
    size_t freed = 0;
    int status = group_posts_wait(m->grp, &m->posts, &freed);
    tn_mem_charge(-(long long)freed);
    return status;
}

int mps_lazy_end(mps *m)
{
    CALL(mps_settle(m));
    m->lazy = 0;
    return TN_OK;
}

long mps_lazy_lends(const mps *m) { return m->lazy_lends; }

/* Brings every site to group rank 0 (tests and small states only). */
int mps_gather_all_sites(mps *m)
{
    CALL(mps_settle(m));
    if (!m->grp) return TN_OK;
    for (int s = 0; s < m->n; s++) {
        int o = owner(m, s);
        if (o == 0) continue;
        if (m->me == o) CALL(send_site(m, s, 0));
        else if (m->me == 0) CALL(recv_site(m, s, o));
    }
    return TN_OK;
}

/* Returns the sites gathered by mps_gather_all_sites to their owners. */
int mps_scatter_all_sites(mps *m)
{
    CALL(mps_settle(m));
    if (!m->grp) return TN_OK;
    for (int s = 0; s < m->n; s++) {
        int o = owner(m, s);
        if (o == 0) continue;
        if (m->me == 0) CALL(send_site(m, s, o));
        else if (m->me == o) CALL(recv_site(m, s, 0));
    }
    return TN_OK;
}

static int eigh_on_grid(void *ctx, int rows, double complex *g, double *w);

/* The distributed eigensolver: the team's grid in either form (its other
 * ranks do nothing else); else the group's grid in the centre form only (in
 * Vidal form the group's ranks are busy with gates of their own and cannot
 * join one). */
void mps_attach_eigensolver(mps *m)
{
    tn_scalapack *grid = m->team ? m->team : m->scal && !m->vidal ? m->scal : NULL;
    m->svd.eigh = grid ? eigh_on_grid : NULL;
    m->svd.eigh_ctx = grid;
    m->svd.eigh_min = m->scal_min;
}

/* Leaves Vidal form for the centre form with the centre on site 0. Truncated
 * Vidal updates leave the right-isometries approximate (to about the
 * discarded weight), so the state is first made exactly canonical: an LQ
 * sweep from the right end, then site 0 normalised. Collective. */
int mps_leave_vidal(mps *m)
{
    CALL(mps_settle(m));
    if (!m->vidal) return TN_OK;
    m->vidal = 0;
    mps_attach_eigensolver(m);
    m->center = m->n - 1;
    CALL(mps_move_center(m, 0));
    if (!is_mine(m, 0)) return TN_OK;
    size_t len = site_elems(m, 0);
    double norm = cblas_dznrm2((int)len, m->site[0], 1);
    if (!(norm > 0) || !isfinite(norm))
        return failed(m, tn_fail(TN_ERR_NUMERIC, "numerical failure: the state's norm is %g", norm));
    double complex inv = 1 / norm;
    cblas_zscal((int)len, &inv, m->site[0], 1);
    return TN_OK;
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
        status = mps_reserve_site(m, s, 2);
        if (status == TN_OK) status = mps_reserve_lambda(m, s, 1);
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
    group_posts_abandon(&m->posts);   /* empty unless the run failed with sends pending */
    free(m->away);
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
    free(m->deferred);
    free(m->defer_tok);
    free(m->defer_depth);
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
        status = mps_reserve_site(m, s, site_elems(src, s));
        if (status == TN_OK) memcpy(m->site[s], src->site[s], site_elems(src, s) * sizeof(double complex));
        if (status == TN_OK && src->vidal) status = mps_reserve_lambda(m, s, src->chi[s]);
        if (status == TN_OK && src->vidal) memcpy(m->lambda[s], src->lambda[s], (size_t)src->chi[s] * sizeof(double));
    }
    CALL(agree_created(&m, src->grp, status));
    m->center = src->center;
    m->focus = src->focus;
    m->vidal = src->vidal;
    mps_use_scalapack(m, src->scal, src->scal_min);   /* after vidal: which grid depends on the form */
    mps_use_team(m, src->team, src->scal_min);
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
    CALL(mps_reserve_site(m, c + 1, (size_t)k * right));
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
    CALL(mps_reserve_site(m, c - 1, (size_t)left * k));
    memcpy(m->site[c - 1], m->block.data, (size_t)left * k * sizeof(double complex));
    m->chi[c] = k;
    m->center = c - 1;
    return TN_OK;
}

/* Runs step on the window [first, first + count) on the rank owning first,
 * with the window's sites brought there and returned afterwards. */
int mps_on_window(mps *m, int first, int count, int (*step)(mps *, const void *), const void *ctx)
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

/* Whether a split of min_rows rows can happen under the bond limit. */
static int grid_possible(const mps *m, int min_rows)
{
    return min_rows > 0 && (m->trunc.max_chi <= 0 || 2 * m->trunc.max_chi >= min_rows);
}

void mps_use_scalapack(mps *m, tn_scalapack *scal, int min_rows)
{
    m->scal = m->grp && scal && grid_possible(m, min_rows) ? scal : NULL;
    m->scal_min = min_rows;
    mps_attach_eigensolver(m);
}

void mps_use_team(mps *m, tn_scalapack *team, int min_rows)
{
    m->team = team && grid_possible(m, min_rows) ? team : NULL;
    if (m->team) m->scal_min = min_rows;
    mps_attach_eigensolver(m);
}

int mps_use_center_form(mps *m)
{
    return mps_leave_vidal(m);
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
    CALL(mps_on_window(m, c, 2, compute_shift_right, NULL));
    m->t_shift += run_clock() - t0;
    m->center = c + 1;
    return TN_OK;
}

static int shift_center_left(mps *m)
{
    int c = m->center;
    m->shifts++;
    double t0 = run_clock();
    CALL(mps_on_window(m, c - 1, 2, compute_shift_left, NULL));
    m->t_shift += run_clock() - t0;
    m->center = c - 1;
    return TN_OK;
}

/* Moves the orthogonality centre to site target. */
int mps_move_center(mps *m, int target)
{
    CALL(mps_settle(m));
    if (m->vidal && target != m->center) CALL(mps_leave_vidal(m));
    while (m->center < target) CALL(shift_center_right(m));
    while (m->center > target) CALL(shift_center_left(m));
    return TN_OK;
}

/* ---- rebalancing --------------------------------------------------------- */

int mps_rebalance(mps *m, double threshold)
{
    CALL(mps_settle(m));
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
