/* scal_window.c - a two-site Vidal window split on a team's grid (see
 * scalapack.h, scal_window_begin), so that a window of chi in the thousands
 * needs no rank to hold its theta or Gram matrix whole.
 *
 * The steps are the engine's (src/mps_gates.c, split_block_vidal; tensor/
 * tsvd.c's Gram path), with every matrix block-cyclic over the grid:
 *   theta_s = L_s R   for the rows s = 0, 1 of the left site (chil x 2 chir
 *                     each: L_s is the left site's rows of bit s, R the
 *                     right site as chi x 2 chir, columns (bit, bond) with
 *                     the bit fastest)
 *   the gate          on the four entries theta_s(l, 2b + t), s, t = 0, 1:
 *                     the same local element of both blocks and two
 *                     neighbouring columns, which an even block size keeps
 *                     on one rank, so it needs no communication
 *   W_s = Lambda theta_s, G = W_0^H W_0 + W_1^H W_1 (pzherk), pzheevd
 *   the kept V_k: the right site V_k^H and the left part theta V_k.
 * Which directions are kept is tsvd_gram_first_pass's decision on the
 * eigenvalues (on every rank alike: pzheevd returns them to all); where one
 * pass does not resolve them and the remainder, measured on the grid, is not
 * negligible, the window is handed back unchanged and the leader splits it
 * as before (its eigensolves still on the grid).
 * Memory: each rank holds 1/T of the two sites, theta, W, G, the
 * eigenvectors and pzheevd's workspace (T the team's size); the leader also
 * holds its sites as they are, which the new ones replace.
 * Not for: when a window goes to the grid (src/mps_gates.c). */
#include "scalapack_grid.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "tsvd.h"
#include "work.h"

/* What the leader tells its members about a window. */
typedef struct {
    int chil, chi, chir, max_rank;
    int max_keep;          /* more directions than this: the leader's own split */
    double cutoff;
    double complex gate[16];
} window_head;

/* A distributed matrix: its descriptor and this rank's block-cyclic part. */
typedef struct {
    int desc[9];
    int rows, cols;        /* local */
    double complex *a;
} dmat;

struct scal_window_state {
    window_head h;
    int m;                 /* Gram rows: 2 chir */
    int k;
    dmat theta[2], z;
    dmat vk;               /* the grid's SVD (a second chance): V_k, largest first; else unused */
    double *eig, *values;
};

/* Allocates an m x n distributed matrix on the grid (zeroed), recorded in the
 * memory ledger's peak (never refused: the grid's ranks must agree first). */
static int dmat_alloc(tn_scalapack *s, dmat *d, int m, int n)
{
    int zero = 0, nb = SCAL_BLOCK, info = 0;
    d->rows = scal_local(m, s->myrow, s->pr);
    d->cols = scal_local(n, s->mycol, s->pc);
    int lld = d->rows > 1 ? d->rows : 1;
    descinit_(d->desc, &m, &n, &nb, &nb, &zero, &zero, &s->grid, &lld, &info);
    size_t len = (size_t)lld * (size_t)(d->cols > 1 ? d->cols : 1);
    d->a = tn_calloc(len, sizeof *d->a);
    if (d->a) tn_mem_record((long long)(len * sizeof *d->a));
    return d->a && info == 0 ? TN_OK : TN_ERR_MEMORY;
}

static void dmat_free(dmat *d)
{
    if (!d->a) return;
    int lld = d->desc[8];
    tn_mem_record(-(long long)((size_t)lld * (size_t)(d->cols > 1 ? d->cols : 1) * sizeof *d->a));
    free(d->a);
    d->a = NULL;
}

/* Every rank's status agreed: the worst (a failure anywhere fails everywhere,
 * before a collective that would wait for the failed rank). */
static int agree(tn_scalapack *s, int status)
{
    double worst = status;
    int st = group_allreduce(s->g, &worst, 1, 'M');
    if (st) return st;
    if (worst != TN_OK && status == TN_OK)
        return tn_fail(TN_ERR_MEMORY, "out of memory on another rank of the team (a distributed window)");
    return status;
}

/* Two blocks of rows x cols (pair) and one m x n matrix, agreed over the
 * grid; on a failure anywhere, whatever was allocated is left for dmat_free. */
static int alloc_pair_and_one(tn_scalapack *s, dmat *pair, int rows, int cols, dmat *one, int m, int n)
{
    memset(pair, 0, 2 * sizeof *pair);
    memset(one, 0, sizeof *one);
    int status = TN_OK;
    for (int b = 0; b < 2 && status == TN_OK; b++) status = dmat_alloc(s, &pair[b], rows, cols);
    if (status == TN_OK) status = dmat_alloc(s, one, m, n);
    return agree(s, status);
}

/* The global index of local row or column i on grid row/column p of np. */
static int global_index(int i, int p, int np)
{
    return ((i / SCAL_BLOCK) * np + p) * SCAL_BLOCK + i % SCAL_BLOCK;
}

/* The gate on the two blocks of theta (see the top of the file). */
static void apply_gate(dmat *t, const double complex *g)
{
    int lld = t[0].desc[8];
    for (int j = 0; j + 1 < t[0].cols; j += 2) {   /* pairs (2b, 2b + 1): an even block size keeps them here */
        double complex *c0 = t[0].a + (size_t)lld * j, *c1 = t[1].a + (size_t)lld * j;
        for (int i = 0; i < t[0].rows; i++) {
            double complex in[4] = {c0[i], c1[i], c0[i + lld], c1[i + lld]}, out[4];
            for (int o = 0; o < 4; o++)
                out[o] = g[4 * o] * in[0] + g[4 * o + 1] * in[1] + g[4 * o + 2] * in[2] + g[4 * o + 3] * in[3];
            c0[i] = out[0];
            c1[i] = out[1];
            c0[i + lld] = out[2];
            c1[i + lld] = out[3];
        }
    }
}

/* W = Lambda theta (rows weighted by the Schmidt values of the left bond); returns |W|^2 of this rank. */
static double weigh(tn_scalapack *s, const dmat *t, dmat *w, const double *lambda)
{
    int lld = t->desc[8];
    double sum = 0;
    for (int j = 0; j < t->cols; j++)
        for (int i = 0; i < t->rows; i++) {
            double complex v = t->a[i + (size_t)lld * j] * lambda[global_index(i, s->myrow, s->pr)];
            w->a[i + (size_t)lld * j] = v;
            sum += creal(v) * creal(v) + cimag(v) * cimag(v);
        }
    return sum;
}

static double local_norm2(const dmat *d)
{
    int lld = d->desc[8];
    double sum = 0;
    for (int j = 0; j < d->cols; j++)
        for (int i = 0; i < d->rows; i++) {
            double complex v = d->a[i + (size_t)lld * j];
            sum += creal(v) * creal(v) + cimag(v) * cimag(v);
        }
    return sum;
}

/* The eigenvectors of the c largest eigenvalues, ascending (columns m - c .. m - 1 of z). */
static int top_columns(tn_scalapack *s, const struct scal_window_state *st, int c, dmat *v)
{
    int status = agree(s, dmat_alloc(s, v, st->m, c));
    if (status) return status;
    int one = 1, first = st->m - c + 1;
    pzgemr2d_(&st->m, &c, st->z.a, &one, &first, st->z.desc, v->a, &one, &one, v->desc, &s->grid);
    return TN_OK;
}

/* |W - W V V^H|^2 over the team, V the take largest directions: what they miss. */
static int remainder2(tn_scalapack *s, struct scal_window_state *st, dmat *w, int take, double *out)
{
    dmat v, p;
    memset(&v, 0, sizeof v);
    memset(&p, 0, sizeof p);
    int status = top_columns(s, st, take, &v);
    if (status == TN_OK) status = agree(s, dmat_alloc(s, &p, st->h.chil, take));
    double sum = 0;
    if (status == TN_OK) {
        int one = 1;
        double complex a1 = 1, a0 = 0, am = -1;
        for (int b = 0; b < 2; b++) {
            pzgemm_("N", "N", &st->h.chil, &take, &st->m, &a1, w[b].a, &one, &one, w[b].desc, v.a, &one, &one, v.desc,
                    &a0, p.a, &one, &one, p.desc);
            pzgemm_("N", "C", &st->h.chil, &st->m, &take, &am, p.a, &one, &one, p.desc, v.a, &one, &one, v.desc, &a1,
                    w[b].a, &one, &one, w[b].desc);
            sum += local_norm2(&w[b]);
        }
        status = group_allreduce(s->g, &sum, 1, '+');
    }
    dmat_free(&v);
    dmat_free(&p);
    *out = sum;
    return status;
}

/* theta's two blocks from the root's sites, the gate applied. */
static int form_theta(tn_scalapack *s, int root, struct scal_window_state *st, const double complex *left,
                      const double complex *right)
{
    const window_head *h = &st->h;
    dmat l[2], r;
    int status = alloc_pair_and_one(s, l, h->chil, h->chi, &r, h->chi, st->m);
    if (status == TN_OK) {
        int one = 1, desc_left[9], desc_right[9], two_chil = 2 * h->chil;
        double complex a1 = 1, a0 = 0;
        scal_root_desc(s, root, two_chil, h->chi, two_chil, desc_left);
        scal_root_desc(s, root, h->chi, st->m, h->chi, desc_right);
        for (int b = 0; b < 2; b++) {
            int row = 1 + b * h->chil;
            pzgemr2d_(&h->chil, &h->chi, left, &row, &one, desc_left, l[b].a, &one, &one, l[b].desc, &s->grid);
        }
        pzgemr2d_(&h->chi, &st->m, right, &one, &one, desc_right, r.a, &one, &one, r.desc, &s->grid);
        for (int b = 0; b < 2; b++)
            pzgemm_("N", "N", &h->chil, &st->m, &h->chi, &a1, l[b].a, &one, &one, l[b].desc, r.a, &one, &one, r.desc,
                    &a0, st->theta[b].a, &one, &one, st->theta[b].desc);
        apply_gate(st->theta, h->gate);
    }
    dmat_free(&l[0]);
    dmat_free(&l[1]);
    dmat_free(&r);
    return status;
}

/* Where one Gram pass cannot resolve what truncation keeps: the SVD of the
 * weighted theta on the grid (pzgesvd, exact to rounding in every singular
 * value, as tensor/tsvd.c's SVD path), V_k into st->vk. */
static int split_by_grid_svd(tn_scalapack *s, struct scal_window_state *st, const double *lambda,
                             scal_window_split *out)
{
    const window_head *h = &st->h;
    int rows = 2 * h->chil, r = rows < st->m ? rows : st->m, one = 1, info = 0;
    dmat a, vt;
    memset(&a, 0, sizeof a);
    memset(&vt, 0, sizeof vt);
    size_t rwork_len = 1 + 4 * (size_t)(rows > st->m ? rows : st->m);   /* pzgesvd's: 1 + 4 max(M, N) */
    double *sv = tn_malloc((size_t)r * sizeof *sv), *rwork = tn_malloc(rwork_len * sizeof *rwork);
    int status = sv && rwork ? TN_OK : TN_ERR_MEMORY;
    if (status == TN_OK) status = dmat_alloc(s, &a, rows, st->m);
    if (status == TN_OK) status = dmat_alloc(s, &vt, r, st->m);
    status = agree(s, status);
    double complex *work = NULL;
    if (status == TN_OK) {   /* theta's two blocks stacked (rows of bit 0, then bit 1), weighted by lambda */
        for (int b = 0; b < 2; b++) {
            int row = 1 + b * h->chil;
            pzgemr2d_(&h->chil, &st->m, st->theta[b].a, &one, &one, st->theta[b].desc, a.a, &row, &one, a.desc,
                      &s->grid);
        }
        int lld = a.desc[8];
        for (int i = 0; i < a.rows; i++) {
            double lam = lambda[global_index(i, s->myrow, s->pr) % h->chil];
            for (int j = 0; j < a.cols; j++) a.a[i + (size_t)lld * j] *= lam;
        }
        double complex query;
        int minus = -1;
        pzgesvd_("N", "V", &rows, &st->m, a.a, &one, &one, a.desc, sv, NULL, &one, &one, a.desc, vt.a, &one, &one,
                 vt.desc, &query, &minus, rwork, &info);
        int lwork = (int)creal(query) + 1;
        work = tn_malloc((size_t)lwork * sizeof *work);
        status = agree(s, work ? TN_OK : TN_ERR_MEMORY);
        if (status == TN_OK) {
            tn_mem_record((long long)((size_t)lwork * sizeof *work));
            pzgesvd_("N", "V", &rows, &st->m, a.a, &one, &one, a.desc, sv, NULL, &one, &one, a.desc, vt.a, &one, &one,
                     vt.desc, work, &lwork, rwork, &info);
            tn_mem_record(-(long long)((size_t)lwork * sizeof *work));
            /* the values and the verdict as the grid's first rank has them: every rank must decide alike */
            double verdict = info;
            status = group_bcast(s->g, 0, sv, (size_t)r * sizeof *sv);
            if (status == TN_OK) status = group_allreduce(s->g, &verdict, 1, 'M');
            info = verdict != 0;
        }
    }
    dmat_free(&a);
    double total = 0;
    for (int i = 0; status == TN_OK && i < r; i++) total += sv[i] * sv[i];
    if (status == TN_OK && info == 0 && total > 0 && isfinite(total)) {
        tsvd_trunc tt = {h->max_rank, h->cutoff};
        double dropped = 0;
        int k = tsvd_choose_rank(sv, r, &tt, &dropped);
        status = agree(s, dmat_alloc(s, &st->vk, st->m, k));
        if (status == TN_OK) {   /* V_k = (the first k rows of V^dagger)^dagger */
            double complex a1 = 1, a0 = 0;
            pztranc_(&st->m, &k, &a1, vt.a, &one, &one, vt.desc, &a0, st->vk.a, &one, &one, st->vk.desc);
            out->resolved = 1;
            out->rank = st->k = k;
            out->discarded = dropped / total;
            for (int i = 0; i < k; i++) st->eig[st->m - 1 - i] = sv[i] * sv[i];   /* as the Gram path's values */
            s->svds++;
        }
    }
    dmat_free(&vt);
    free(work);
    free(sv);
    free(rwork);
    return status;
}

/* The Gram matrix of the weighted theta, its eigendecomposition, and which
 * directions are kept (out); W is kept for a remainder when needed. */
static int decide(tn_scalapack *s, struct scal_window_state *st, const double *lambda, scal_window_split *out)
{
    const window_head *h = &st->h;
    dmat w[2], g;
    int status = alloc_pair_and_one(s, w, h->chil, st->m, &g, st->m, st->m);
    double total = 0;
    if (status == TN_OK) {
        for (int b = 0; b < 2; b++) total += weigh(s, &st->theta[b], &w[b], lambda);
        status = group_allreduce(s->g, &total, 1, '+');
    }
    if (status == TN_OK) {
        int one = 1;
        double r1 = 1, r0 = 0;
        for (int b = 0; b < 2; b++)
            pzherk_("U", "C", &st->m, &h->chil, &r1, w[b].a, &one, &one, w[b].desc, b ? &r1 : &r0, g.a, &one, &one,
                    g.desc);
        status = scal_pzheevd(s, st->m, g.a, g.desc, st->z.a, st->z.desc, st->eig);
        /* the eigenvalues as the grid's first rank has them, on every rank: the decision below must agree */
        if (status == TN_OK) status = group_bcast(s->g, 0, st->eig, (size_t)st->m * sizeof *st->eig);
        if (status == TN_ERR_NUMERIC) status = TN_OK, total = 0;   /* not resolved: the leader's own split */
    }
    dmat_free(&g);
    out->resolved = 0;
    if (status == TN_OK && total > 0 && isfinite(total)) {
        tsvd_trunc tt = {h->max_rank, h->cutoff};
        int take, rank_limited;
        int k = tsvd_gram_first_pass(st->eig, st->m, &tt, total, &take, &rank_limited);
        double dropped = -1;
        if (k > 0 && take == k) {   /* one pass resolves every kept direction: the kept weight from the eigenvalues */
            double kept = 0;
            for (int i = 0; i < k; i++) kept += st->eig[st->m - 1 - i];
            dropped = fmax(total - kept, 0);
        } else if (take > 0) {      /* the rest must be negligible (or below the numerical rank): measure it */
            status = remainder2(s, st, w, take, &dropped);
            if (status == TN_OK && !rank_limited && dropped > TSVD_RESIDUAL_TOL * TSVD_RESIDUAL_TOL * total)
                dropped = -1;
            k = take;
        }
        if (status == TN_OK && dropped >= 0 && k <= h->max_keep) {
            out->resolved = 1;
            out->rank = st->k = k;
            out->discarded = dropped / total;
        }
    }
    if (status == TN_OK && !out->resolved) status = split_by_grid_svd(s, st, lambda, out);
    dmat_free(&w[0]);
    dmat_free(&w[1]);
    return status;
}

void scal_window_drop(tn_scalapack *s)
{
    struct scal_window_state *st = s->win;
    if (!st) return;
    dmat_free(&st->theta[0]);
    dmat_free(&st->theta[1]);
    dmat_free(&st->z);
    dmat_free(&st->vk);
    free(st->eig);
    free(st->values);
    free(st);
    s->win = NULL;
}

/* Phase one on every rank (left, right, lambda: the root's; lambda on every rank). */
static int window_first(tn_scalapack *s, int root, const window_head *h, const double complex *left,
                        const double complex *right, const double *lambda, scal_window_split *out)
{
    out->resolved = 0;
    out->values = NULL;
    struct scal_window_state *st = tn_calloc(1, sizeof *st);
    int status = st ? TN_OK : TN_ERR_MEMORY;
    if (st) {
        s->win = st;
        st->h = *h;
        st->m = 2 * h->chir;
        st->eig = tn_malloc((size_t)st->m * sizeof *st->eig);
        if (s->g->rank == root) st->values = tn_malloc((size_t)st->m * sizeof *st->values);
        if (!st->eig || (s->g->rank == root && !st->values)) status = TN_ERR_MEMORY;
        for (int b = 0; b < 2 && status == TN_OK; b++)
            status = dmat_alloc(s, &st->theta[b], h->chil, st->m);
        if (status == TN_OK) status = dmat_alloc(s, &st->z, st->m, st->m);
    }
    status = agree(s, status);
    if (status == TN_OK) status = form_theta(s, root, st, left, right);
    if (status == TN_OK) status = decide(s, st, lambda, out);
    if (status == TN_OK && out->resolved && s->g->rank == root) {
        for (int i = 0; i < st->k; i++) st->values[i] = sqrt(fmax(st->eig[st->m - 1 - i], 0));
        out->values = st->values;
    }
    if (status == TN_OK && !out->resolved) s->returned++;
    if (status != TN_OK || !out->resolved) scal_window_drop(s);
    return status;
}

/* Phase two on every rank: the new sites to the root (right: k x 2 chir,
 * left: 2 chil x k), their k directions still ascending. */
static int window_second(tn_scalapack *s, int root, double complex *right, double complex *left)
{
    struct scal_window_state *st = s->win;
    const window_head *h = &st->h;
    dmat v, vh, u;
    memset(&v, 0, sizeof v);
    memset(&vh, 0, sizeof vh);
    memset(&u, 0, sizeof u);
    int k = st->k, one = 1;
    int status = TN_OK;
    if (st->vk.a) v = st->vk, memset(&st->vk, 0, sizeof st->vk);   /* the SVD's, largest first */
    else status = top_columns(s, st, k, &v);
    if (status == TN_OK) status = dmat_alloc(s, &vh, k, st->m);
    if (status == TN_OK) status = dmat_alloc(s, &u, h->chil, k);
    status = agree(s, status);
    if (status == TN_OK) {
        double complex a1 = 1, a0 = 0;
        int desc_right[9], desc_left[9], two_chil = 2 * h->chil;
        scal_root_desc(s, root, k, st->m, k, desc_right);
        scal_root_desc(s, root, two_chil, k, two_chil, desc_left);
        pztranc_(&k, &st->m, &a1, v.a, &one, &one, v.desc, &a0, vh.a, &one, &one, vh.desc);
        pzgemr2d_(&k, &st->m, vh.a, &one, &one, vh.desc, right, &one, &one, desc_right, &s->grid);
        for (int b = 0; b < 2; b++) {
            int row = 1 + b * h->chil;
            pzgemm_("N", "N", &h->chil, &k, &st->m, &a1, st->theta[b].a, &one, &one, st->theta[b].desc, v.a, &one,
                    &one, v.desc, &a0, u.a, &one, &one, u.desc);
            pzgemr2d_(&h->chil, &k, u.a, &one, &one, u.desc, left, &row, &one, desc_left, &s->grid);
        }
        s->windows++;
    }
    dmat_free(&v);
    dmat_free(&vh);
    dmat_free(&u);
    scal_window_drop(s);
    return status;
}

/* Reverses the order of the k directions: rows of right (k x n), columns of left (m x k). */
static void largest_first(int k, int n, double complex *right, int m, double complex *left)
{
    for (int c = 0; c < n; c++)
        for (int i = 0, j = k - 1; i < j; i++, j--) {
            double complex t = right[i + (size_t)k * c];
            right[i + (size_t)k * c] = right[j + (size_t)k * c];
            right[j + (size_t)k * c] = t;
        }
    for (int i = 0, j = k - 1; i < j; i++, j--)
        for (int r = 0; r < m; r++) {
            double complex t = left[r + (size_t)m * i];
            left[r + (size_t)m * i] = left[r + (size_t)m * j];
            left[r + (size_t)m * j] = t;
        }
}

int scal_window_begin(tn_scalapack *s, const scal_window *w, scal_window_split *out)
{
    window_head h = {w->chil, w->chi, w->chir, w->max_rank, w->max_keep, w->cutoff, {0}};
    memcpy(h.gate, w->gate, sizeof h.gate);
    CALL(scal_announce(s, SCAL_WINDOW));
    for (int r = 0; r < s->g->size; r++) {
        if (r == s->g->rank) continue;
        CALL(group_send(s->g, r, SCAL_TAG_WINDOW, &h, sizeof h));
        CALL(group_send(s->g, r, SCAL_TAG_WINDOW, w->lambda, (size_t)w->chil * sizeof *w->lambda));
    }
    CALL(scal_wait_ready(s));
    return window_first(s, s->g->rank, &h, w->left, w->right, w->lambda, out);
}

int scal_window_finish(tn_scalapack *s, double complex *right, double complex *left)
{
    int k = s->win->k, m = s->win->m, rows = 2 * s->win->h.chil, ascending = !s->win->vk.a;
    CALL(window_second(s, s->g->rank, right, left));
    if (ascending) largest_first(k, m, right, rows, left);   /* pzheevd's order */
    return TN_OK;
}

int scal_window_serve(tn_scalapack *s, int root)
{
    window_head h;
    CALL(group_recv(s->g, root, SCAL_TAG_WINDOW, &h, sizeof h));
    if (h.chil < 1 || h.chi < 1 || h.chir < 1)
        return tn_fail(TN_ERR_INTERNAL, "internal error: a window of bonds %d, %d, %d", h.chil, h.chi, h.chir);
    double *lambda = tn_malloc((size_t)h.chil * sizeof *lambda);
    if (!lambda) return TN_ERR_MEMORY;
    int status = group_recv(s->g, root, SCAL_TAG_WINDOW, lambda, (size_t)h.chil * sizeof *lambda);
    int ready = SCAL_WINDOW;
    if (status == TN_OK) status = group_send(s->g, root, SCAL_TAG_READY, &ready, sizeof ready);
    scal_window_split out;
    if (status == TN_OK) status = window_first(s, root, &h, NULL, NULL, lambda, &out);
    if (status == TN_OK && out.resolved) status = window_second(s, root, NULL, NULL);
    free(lambda);
    return status;
}
