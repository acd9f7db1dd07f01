/* mps_gates.c - gates on the MPS: blocks of adjacent sites (contract, apply,
 * split with truncation, in the centre form or Vidal form), gates on any
 * qubits (swaps bring them together), a layer of gates on threads, and Kraus
 * operators drawn for trajectories. The struct and shared helpers are in
 * mps_internal.h; the engine's overview is at the top of mps.c.
 * Not for: measurement and sampling (mps_measure.c), noise models (src/noise*). */
#include "mps_internal.h"

#include <cblas.h>
#include <math.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "gates.h"
#include "group.h"
#include "trace.h"
#include "tsvd.h"
#include "work.h"

#define REBALANCE_EVERY 64        /* multi-qubit gates between balance checks */
/* In Vidal form a balance check (a reduction over the group) makes the ranks
 * wait for each other, which costs them the head start they have on each
 * other's segments: check less often. */
#define REBALANCE_EVERY_VIDAL 256
#define REBALANCE_THRESHOLD 1.25  /* largest segment cost over the mean */
/* Vidal form's ranks all compute at once, so the largest segment sets the
 * pace: recut at 5% (the brickwork, 156 qubits at chi 1,024, predicted on
 * 8 ranks: efficiency 0.85 at 1.25, 0.95 at 1.05; docs/scaling.md). */
#define REBALANCE_THRESHOLD_VIDAL 1.05

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
        CALL(mps_reserve_site(m, s, (size_t)rows * kk));
        memcpy(m->site[s], res.left, (size_t)rows * kk * sizeof(double complex));
        m->chi[s + 1] = kk;
        memcpy(m->block.data, res.right, (size_t)kk * cols * sizeof(double complex));
        chil = kk;
    }
    int last = first + k - 1;
    CALL(mps_reserve_site(m, last, (size_t)chil * 2 * chir));
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
        CALL(mps_reserve_site(m, s, (size_t)kk * cols));
        memcpy(m->site[s], res.right, (size_t)kk * cols * sizeof(double complex));
        m->chi[s] = kk;
        memcpy(m->block.data, res.left, (size_t)rows * kk * sizeof(double complex));
        chir = kk;
    }
    CALL(mps_reserve_site(m, first, (size_t)chil * 2 * chir));
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
        CALL(mps_reserve_site(m, s, (size_t)kk * cols));
        CALL(mps_reserve_lambda(m, s, kk));
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
    CALL(mps_reserve_site(m, first, (size_t)chil * 2 * chir));
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

/* Vidal form in a team: the two-site window split on the team's grid
 * (mpi/scal_window.c), when its Gram matrix (2 chi_r rows) is at least
 * --scalapack-min; the same steps as contract_block, apply_to_block and
 * split_block_vidal, but no rank holds theta or its Gram matrix whole.
 * *done is 0 when the grid handed the window back (one Gram pass could not
 * resolve what is kept): then nothing changed. The buffers the new sites
 * need are reserved first, so that nothing here can fail between the
 * grid's two phases. */
static int split_on_team(mps *m, const window_update *w, int *done)
{
    *done = 0;
    int first = w->first, s = first + 1, chil = m->chi[first], chir = m->chi[first + 2];
    int rows = 2 * chil, cols = 2 * chir;
    int keep = m->trunc.max_chi > 0 && m->trunc.max_chi < cols ? m->trunc.max_chi : cols;
    if (keep > rows) keep = rows;   /* theta's rank */
    CALL(mps_reserve_site(m, first, (size_t)rows * keep));
    CALL(mps_reserve_site(m, s, (size_t)keep * cols));
    CALL(mps_reserve_lambda(m, s, keep));
    const double *lam = m->lambda[first];
    scal_window sw = {chil, m->chi[s], chir, m->site[first], m->site[s], w->g, lam,
                      m->trunc.max_chi, keep, m->trunc.cutoff};
    scal_window_split sp;
    CALL(scal_window_begin(m->team, &sw, &sp));
    if (!sp.resolved) return TN_OK;
    int kk = sp.rank;
    double kept = 0;
    for (int i = 0; i < kk; i++) kept += sp.values[i] * sp.values[i];
    memcpy(m->lambda[s], sp.values, (size_t)kk * sizeof *sp.values);   /* the values live until the finish */
    CALL(scal_window_finish(m->team, m->site[s], m->site[first]));
    record_discard(m, sp.discarded);
    if (!(kept > 0)) return tn_fail(TN_ERR_NUMERIC, "numerical failure: a gate left a bond with no weight");
    for (int i = 0; i < kk; i++) m->lambda[s][i] /= sqrt(kept);
    m->chi[s] = kk;
    CALL(normalise_weighted(m->site[first], chil, (size_t)rows * kk, lam));
    *done = 1;
    return TN_OK;
}

/* Whether this window goes to the team's grid whole (split_on_team). */
static int window_on_team(const mps *m, const window_update *w)
{
    return m->vidal && m->team && w->k == 2 && 2 * m->chi[w->first + 2] >= m->scal_min;
}

static int compute_window_update(mps *m, const void *ctx)
{
    const window_update *w = ctx;
    int before[CIRC_MAX_GATE_QUBITS + 1];
    memcpy(before, m->chi + w->first, (size_t)(w->k + 1) * sizeof(int));
    double t0 = run_clock();
    if (window_on_team(m, w)) {
        int done;
        CALL(split_on_team(m, w, &done));
        if (done) {
            double t2 = run_clock();
            m->t_split += t2 - t0;
            if (w->seconds) *w->seconds = t2 - t0;
            trace_window(m->trace, w->seq, w->first, w->k, before, m->chi + w->first, t2 - t0);
            return TN_OK;
        }
    }
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

static int defer_update(mps *m, int first, int k, const double complex *g, int end_left, long seq);

/* Applies g (2^k x 2^k, row-major, site first+j as bit j of its index) to
 * the k adjacent sites from first; the centre ends at the left end if
 * end_left, else at the right end. */
static int apply_adjacent(mps *m, int first, int k, const double complex *g, int end_left)
{
    if (m->vidal) {   /* no centre to move: the window's owner applies it */
        window_update w = {first, k, end_left, g, trace_tick(m->trace), NULL};
        m->focus = end_left ? first : first + k - 1;
        if (m->defer && k == 2) return defer_update(m, first, 2, g, end_left, w.seq);
        CALL(mps_defer_flush(m));   /* a wider window runs now, after the queue */
        return mps_on_window(m, first, k, compute_window_update, &w);
    }
    if (m->center < first) CALL(mps_move_center(m, first));
    if (m->center > first + k - 1) CALL(mps_move_center(m, first + k - 1));
    window_update w = {first, k, end_left, g, trace_tick(m->trace), NULL};
    CALL(mps_on_window(m, first, k, compute_window_update, &w));
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
void mps_apply_one_site(mps *m, int s, const double complex *u)
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

/* What every multi-qubit gate does before its update: its trace line and,
 * when due, a rebalance (collective over the group, on the same gate on
 * every rank: the counters are replicated). */
static int begin_gate(mps *m, int k)
{
    trace_gate(m->trace, k, m->layer_begins);
    int due = m->vidal ? ++m->gates_since_balance >= REBALANCE_EVERY_VIDAL && m->layer_begins
                       : ++m->gates_since_balance >= REBALANCE_EVERY;
    m->layer_begins = 0;
    if (m->grp && due) {
        m->gates_since_balance = 0;
        CALL(mps_rebalance(m, m->vidal ? REBALANCE_THRESHOLD_VIDAL : REBALANCE_THRESHOLD));
    }
    return TN_OK;
}

/* A two-qubit gate on sites lo..hi keeps sweeping the way the centre came:
 * when it came from the right, go on left. */
static void follow_sweep(mps *m, int lo, int hi)
{
    int c = mps_focus(m);
    if (c > hi) m->sweep_left = 1;
    else if (c < lo) m->sweep_left = 0;
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
        int site = m->site_of[qubits[0]];
        trace_one(m->trace, site);
        if (is_mine(m, site)) {
            if (m->defer) return defer_update(m, site, 1, u, 0, 0);
            CALL(mps_reclaim_site(m, site));
            mps_apply_one_site(m, site, u);
        }
        return TN_OK;
    }
    CALL(begin_gate(m, k));
    int first;
    if (k == 2) {
        int a = m->site_of[qubits[0]], b = m->site_of[qubits[1]];
        follow_sweep(m, a < b ? a : b, a < b ? b : a);
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

/* ---- a layer of gates on threads (Vidal form) --------------------------- */

/* Below this bond dimension a layer's gates are too small to pay for a
 * parallel region. */
#define LAYER_THREADS_MIN_BOND 16

void mps_set_layer_threads(mps *m, int threads) { m->layer_threads = threads; }

int mps_layer_threads(const mps *m)
{
    return m->vidal && !m->team && m->layer_threads > 1 ? m->layer_threads : 1;
}

/* In a group every rank gathers, whatever its threads: the ranks then walk the
 * gates alike (one that gathered and one that did not would send their
 * messages in different orders around a collective) and a rank with one
 * thread runs its layer one by one. */
int mps_layer_gathers(const mps *m) { return m->vidal && (m->grp || m->layer_threads > 1); }

long mps_threaded_gates(const mps *m) { return m->threaded_gates; }

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

/* What mps_apply_gate does for each gate of the layer besides its window
 * update, in gate order (begin_gate, follow_sweep, where the centre would
 * be, the window's trace number). Collective when a rebalance is due. */
static int layer_bookkeeping(mps *m, int count, const int *first, long *seq)
{
    for (int i = 0; i < count; i++) {
        CALL(begin_gate(m, 2));
        follow_sweep(m, first[i], first[i] + 1);
        m->focus = m->sweep_left ? first[i] : first[i] + 1;
        seq[i] = trace_tick(m->trace);
    }
    return TN_OK;
}

/* One gate of the layer as apply_adjacent runs it: on the rank owning its
 * first site, borrowing the other site when it belongs to a neighbour (a
 * no-op on a rank holding neither). */
static int layer_gate_on_window(mps *m, int first, const double complex *g, long seq)
{
    window_update w = {first, 2, 0, g, seq, NULL};
    return mps_on_window(m, first, 2, compute_window_update, &w);
}

/* The gates marked local (both sites this rank's) on threads, each on a
 * shadow of m; their discarded weights and trace lines are recorded after,
 * in gate order. */
static int reserve_shadows(mps *m, int threads)
{
    if (m->nshadows >= threads) return TN_OK;
    mps *sh = realloc(m->shadows, (size_t)threads * sizeof *sh);
    if (!sh) return tn_fail(TN_ERR_MEMORY, "out of memory: thread workspaces");
    memset(sh + m->nshadows, 0, (size_t)(threads - m->nshadows) * sizeof *sh);
    m->shadows = sh;
    m->nshadows = threads;
    return TN_OK;
}

static int layer_gates_on_threads(mps *m, int count, int threads, const int *local, const int *first,
                                  const double complex *g, const long *seq)
{
    CALL(reserve_shadows(m, threads));
    /* per gate: its discarded weight, seconds, status and bonds before */
    size_t bytes = (size_t)count * (2 * sizeof(double) + 4 * sizeof(int));
    CALL(tn_buf_reserve(&m->scratch, bytes));
    double *log = m->scratch.data, *secs = log + count;
    int *status = (int *)(secs + count), *before = status + count;
    for (int i = 0; i < count; i++) {
        status[i] = TN_OK;
        if (local[i]) memcpy(before + 3 * i, m->chi + first[i], 3 * sizeof(int));
    }
    /* BLAS is on one thread (tensor/blas.h): the gates are the parallelism, and each
     * gate's arithmetic is the same on whichever thread runs it */
#pragma omp parallel for num_threads(threads) schedule(dynamic, 1)
    for (int i = 0; i < count; i++) {
        if (!local[i]) continue;
        mps *sh = &m->shadows[omp_get_thread_num()];
        refresh_shadow(sh, m, log + i);
        window_update w = {first[i], 2, 0, g + 16 * i, 0, secs + i};
        status[i] = compute_window_update(sh, &w);
    }
    int bad = TN_OK;
    for (int i = 0; i < count; i++) {   /* in gate order: the same bookkeeping as one by one */
        if (!local[i]) continue;
        if (status[i]) { bad = status[i]; break; }
        record_discard(m, log[i]);
        trace_window(m->trace, seq[i], first[i], 2, before + 3 * i, m->chi + first[i], secs[i]);
        m->threaded_gates++;
    }
    return bad ? failed(m, bad) : TN_OK;
}

/* In a group, the gates whose window lies in this rank's segment run on its
 * threads; every other gate (one spanning a boundary: the lender protocol;
 * one on other ranks' sites: nothing here) goes first, one by one in gate
 * order, so each rank's sequence of messages is that of applying the layer
 * gate by gate (local gates send nothing), and the layer's gates touch
 * disjoint sites and bonds, so their order changes no bit. */
int mps_apply_layer(mps *m, int count, const circ_op *const *ops)
{
    /* per gate: its matrix (block order), window, trace number, whether it is this rank's */
    size_t bytes = (size_t)count * (16 * sizeof(double complex) + sizeof(long) + 2 * sizeof(int));
    CALL(tn_buf_reserve(&m->gate, bytes));
    double complex *g = m->gate.data;
    long *seq = (long *)(g + 16 * (size_t)count);
    int *first = (int *)(seq + count), *local = first + count;
    CALL(mps_defer_flush(m));
    for (int i = 0; i < count; i++) CALL(prepare_layer_gate(m, ops[i], &first[i], g + 16 * i));
    CALL(layer_bookkeeping(m, count, first, seq));   /* may rebalance: the segments are final after it */
    int nlocal = 0;
    for (int i = 0; i < count; i++) {
        local[i] = is_mine(m, first[i]) && is_mine(m, first[i] + 1);
        nlocal += local[i];
    }
    int threads = mps_layer_threads(m);
    if (threads > nlocal) threads = nlocal;
    if (threads < 2) {   /* this rank's gates too: one by one */
        for (int i = 0; i < count; i++) CALL(layer_gate_on_window(m, first[i], g + 16 * i, seq[i]));
        return TN_OK;
    }
    for (int i = 0; i < count; i++)
        if (!local[i]) CALL(layer_gate_on_window(m, first[i], g + 16 * i, seq[i]));
    int big = 0;   /* this rank's gates, with their sites home (lazy returns) */
    for (int i = 0; i < count; i++) {
        if (!local[i]) continue;
        CALL(mps_reclaim_site(m, first[i]));
        CALL(mps_reclaim_site(m, first[i] + 1));
        if (m->chi[first[i]] >= LAYER_THREADS_MIN_BOND || m->chi[first[i] + 1] >= LAYER_THREADS_MIN_BOND) big = 1;
    }
    if (!big) {
        for (int i = 0; i < count; i++)
            if (local[i]) CALL(layer_gate_on_window(m, first[i], g + 16 * i, seq[i]));
        return TN_OK;
    }
    return layer_gates_on_threads(m, count, threads, local, first, g, seq);
}

/* ---- deferred updates: a routed circuit's gates and swaps on threads ----- */

/* Between mps_defer_begin and mps_defer_end the one- and two-site updates
 * are queued (the router and the scheduler need only where the qubits are,
 * which the swaps keep up to date as they are queued). mps_defer_flush runs
 * the queue as OpenMP tasks, each after the earlier ones that share a site
 * with it: updates on disjoint sites touch disjoint tensors, bonds and
 * Schmidt values (a window reads the Schmidt values of its left bond and the
 * bonds at its ends, which only windows sharing its sites write). Each runs
 * on its thread's shadow with one BLAS thread, and a split is a function of
 * its matrix alone (tensor/tsvd.c), so every update's arithmetic is the
 * serial one; the bookkeeping then follows the queue's order. */

#define DEFER_MAX 4096   /* updates queued at most; a flush makes room */
/* A queue whose updates are mostly one chain (a qubit carried along, as in
 * the QFT) runs one by one: tasks handing each update's tensors from one
 * core to the other made QFT-63 at chi 64 10-20% slower on 2 threads. */
#define DEFER_MIN_PARALLELISM 1.5

struct mps_deferred {
    int first, k, end_left;     /* k = 1: a one-site gate */
    long seq;                   /* the window's trace number */
    double complex g[16];       /* block order */
    int before[3], after[3];    /* bonds, when run on a thread */
    double discarded, seconds;
    int ran, status;
};

static int defer_update(mps *m, int first, int k, const double complex *g, int end_left, long seq)
{
    if (m->ndeferred == DEFER_MAX) CALL(mps_defer_flush(m));
    if (m->ndeferred == m->deferred_cap) {
        int cap = m->deferred_cap ? 2 * m->deferred_cap : 256;
        if (cap > DEFER_MAX) cap = DEFER_MAX;
        struct mps_deferred *q = realloc(m->deferred, (size_t)cap * sizeof *q);
        if (!q) return tn_fail(TN_ERR_MEMORY, "out of memory: %d queued gate updates", cap);
        m->deferred = q;
        m->deferred_cap = cap;
    }
    struct mps_deferred *d = &m->deferred[m->ndeferred++];
    d->first = first;
    d->k = k;
    d->end_left = end_left;
    d->seq = seq;
    memcpy(d->g, g, (size_t)(k == 1 ? 4 : 16) * sizeof *g);
    return TN_OK;
}

int mps_defer_begin(mps *m)
{
    if (m->defer || m->grp || !m->vidal || mps_layer_threads(m) < 2) return TN_OK;
    if (!m->defer_tok) {
        m->defer_tok = calloc((size_t)m->n + 1, 1);
        m->defer_depth = calloc((size_t)m->n + 1, sizeof *m->defer_depth);
        if (!m->defer_tok || !m->defer_depth) return tn_fail(TN_ERR_MEMORY, "out of memory: %d site tokens", m->n);
    }
    m->defer = 1;
    return TN_OK;
}

/* One queued update, as it would run by itself (records and traces on m). */
static int run_deferred_here(mps *m, const struct mps_deferred *d)
{
    if (d->k == 1) {
        mps_apply_one_site(m, d->first, d->g);
        return TN_OK;
    }
    window_update w = {d->first, 2, d->end_left, d->g, d->seq, NULL};
    return compute_window_update(m, &w);
}

/* One queued update as a task: on this thread's shadow, unless an update
 * has failed (the state is then abandoned: later tasks do nothing). */
static void run_deferred_task(mps *m, struct mps_deferred *d, int *stop)
{
    d->ran = 0;
    if (__atomic_load_n(stop, __ATOMIC_ACQUIRE)) return;
    d->ran = 1;
    d->status = TN_OK;
    if (d->k == 1) {
        mps_apply_one_site(m, d->first, d->g);
        return;
    }
    mps *sh = &m->shadows[omp_get_thread_num()];
    refresh_shadow(sh, m, &d->discarded);
    memcpy(d->before, m->chi + d->first, 3 * sizeof(int));
    window_update w = {d->first, 2, d->end_left, d->g, 0, &d->seconds};
    d->status = compute_window_update(sh, &w);
    memcpy(d->after, m->chi + d->first, 3 * sizeof(int));
    if (d->status) __atomic_store_n(stop, 1, __ATOMIC_RELEASE);
}

/* Whether the queue's windows are big enough to pay for threads (by the
 * bonds before it). */
static int deferred_worth_threads(const mps *m, int count, const struct mps_deferred *q)
{
    for (int i = 0; i < count; i++)
        if (q[i].k == 2 && (m->chi[q[i].first] >= LAYER_THREADS_MIN_BOND ||
                            m->chi[q[i].first + 2] >= LAYER_THREADS_MIN_BOND))
            return 1;
    return 0;
}

/* The queue's two-site updates over its longest chain of updates that
 * share sites: how many could run at once on average. */
static double deferred_parallelism(mps *m, int count, const struct mps_deferred *q)
{
    int *depth = m->defer_depth, windows = 0, longest = 1;
    memset(depth, 0, (size_t)m->n * sizeof *depth);
    for (int i = 0; i < count; i++) {
        if (q[i].k != 2) continue;
        int s = q[i].first, d = 1 + (depth[s] > depth[s + 1] ? depth[s] : depth[s + 1]);
        depth[s] = depth[s + 1] = d;
        if (d > longest) longest = d;
        windows++;
    }
    return (double)windows / longest;
}

int mps_defer_flush(mps *m)
{
    int count = m->ndeferred, threads = mps_layer_threads(m);
    if (count == 0) return TN_OK;
    m->ndeferred = 0;
    struct mps_deferred *q = m->deferred;
    if (threads < 2 || !deferred_worth_threads(m, count, q) ||
        deferred_parallelism(m, count, q) < DEFER_MIN_PARALLELISM) {   /* one by one, in order */
        for (int i = 0; i < count; i++) {
            int status = run_deferred_here(m, &q[i]);
            if (status) return failed(m, status);
        }
        return TN_OK;
    }
    CALL(reserve_shadows(m, threads));
    int stop = 0;
#pragma omp parallel num_threads(threads) shared(stop)
#pragma omp single
    for (int i = 0; i < count; i++) {
        struct mps_deferred *d = &q[i];
        if (d->k == 1) {
#pragma omp task firstprivate(d) depend(inout: m->defer_tok[d->first])
            run_deferred_task(m, d, &stop);
        } else {
#pragma omp task firstprivate(d) depend(inout: m->defer_tok[d->first], m->defer_tok[d->first + 1])
            run_deferred_task(m, d, &stop);
        }
    }
    int bad = TN_OK;
    for (int i = 0; i < count; i++) {   /* in queue order: the same bookkeeping as one by one */
        struct mps_deferred *d = &q[i];
        if (!d->ran || d->k == 1) continue;
        if (d->status) {
            if (!bad) bad = d->status;
            continue;
        }
        record_discard(m, d->discarded);
        trace_window(m->trace, d->seq, d->first, 2, d->before, d->after, d->seconds);
        m->threaded_gates++;
    }
    return bad ? failed(m, bad) : TN_OK;
}

int mps_defer_end(mps *m)
{
    int status = mps_defer_flush(m);
    m->defer = 0;
    return status;
}

void mps_defer_abandon(mps *m)
{
    m->ndeferred = 0;
    m->defer = 0;
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
    CALL(mps_settle(m));
    CALL(mps_leave_vidal(m));   /* a non-unitary draw changes the Schmidt values of every bond */
    if (m->center < first) CALL(mps_move_center(m, first));
    if (m->center > first + k - 1) CALL(mps_move_center(m, first + k - 1));
    kraus_update ku = {first, k, nops, block_ops, r, 0};
    CALL(mps_on_window(m, first, k, compute_kraus_update, &ku));
    m->center = first + k - 1;
    if (m->grp) CALL(group_bcast(m->grp, owner(m, first), &ku.chosen, sizeof ku.chosen));
    *chosen = ku.chosen;
    return TN_OK;
}
