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
 * Not for: distributing sites over ranks (mpi/), noise (src/noise*). */
#include "mps.h"

#include <cblas.h>
#include <lapacke.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "gates.h"
#include "rng.h"
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
    double discarded;          /* sum of discarded weights */
    double fidelity;           /* prod (1 - discarded weight) */
    size_t decompositions;
    tsvd_work svd;
    tn_buf block, scratch, gate, lwork;
};

/* ---- small helpers ------------------------------------------------------ */

static size_t site_elems(const mps *m, int s) { return (size_t)m->chi[s] * 2 * m->chi[s + 1]; }

/* Makes site s able to hold elems elements (contents are not kept). */
static int reserve_site(mps *m, int s, size_t elems)
{
    if (m->site_cap[s] >= elems) return TN_OK;
    double complex *p = realloc(m->site[s], elems * sizeof *p);
    if (!p) return tn_fail(TN_ERR_MEMORY, "out of memory: a site tensor of %zu bytes", elems * sizeof *p);
    m->site[s] = p;
    m->site_cap[s] = elems;
    return TN_OK;
}

int mps_nqubits(const mps *m) { return m->n; }
double mps_discarded_weight(const mps *m) { return m->discarded; }
double mps_fidelity_estimate(const mps *m) { return m->fidelity; }
size_t mps_decompositions(const mps *m) { return m->decompositions; }
int mps_site_of(const mps *m, int qubit) { return m->site_of[qubit]; }
int mps_qubit_at(const mps *m, int site) { return m->qubit_at[site]; }

void mps_bond_dims(const mps *m, int *dims)
{
    for (int s = 1; s < m->n; s++) dims[s - 1] = m->chi[s];
}

int mps_max_bond(const mps *m)
{
    int best = 1;
    for (int s = 1; s < m->n; s++)
        if (m->chi[s] > best) best = m->chi[s];
    return best;
}

size_t mps_bytes(const mps *m)
{
    size_t total = 0;
    for (int s = 0; s < m->n; s++) total += site_elems(m, s) * sizeof(double complex);
    return total;
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

int mps_create(int nqubits, const int *site_of_qubit, const mps_trunc *trunc, mps **out)
{
    *out = NULL;
    if (nqubits < 1) return tn_fail(TN_ERR_USAGE, "a state needs at least 1 qubit (got %d)", nqubits);
    CALL(check_order(nqubits, site_of_qubit));
    mps *m = tn_calloc(1, sizeof *m);
    if (!m) return TN_ERR_MEMORY;
    m->n = nqubits;
    if (trunc) m->trunc = *trunc;
    m->fidelity = 1;
    m->site_of = tn_calloc((size_t)nqubits, sizeof(int));
    m->qubit_at = tn_calloc((size_t)nqubits, sizeof(int));
    m->chi = tn_calloc((size_t)nqubits + 1, sizeof(int));
    m->site = tn_calloc((size_t)nqubits, sizeof(double complex *));
    m->site_cap = tn_calloc((size_t)nqubits, sizeof(size_t));
    if (!m->site_of || !m->qubit_at || !m->chi || !m->site || !m->site_cap) {
        mps_destroy(&m);
        return TN_ERR_MEMORY;
    }
    for (int q = 0; q < nqubits; q++) {
        int s = site_of_qubit ? site_of_qubit[q] : q;
        m->site_of[q] = s;
        m->qubit_at[s] = q;
    }
    for (int s = 0; s <= nqubits; s++) m->chi[s] = 1;
    for (int s = 0; s < nqubits; s++) {
        int status = reserve_site(m, s, 2);
        if (status) { mps_destroy(&m); return status; }
        m->site[s][0] = 1;
        m->site[s][1] = 0;
    }
    *out = m;
    return TN_OK;
}

void mps_destroy(mps **pm)
{
    if (!pm || !*pm) return;
    mps *m = *pm;
    if (m->site)
        for (int s = 0; s < m->n; s++) free(m->site[s]);
    free(m->site);
    free(m->site_cap);
    free(m->site_of);
    free(m->qubit_at);
    free(m->chi);
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
    CALL(mps_create(src->n, src->site_of, &src->trunc, &m));
    memcpy(m->chi, src->chi, (size_t)(src->n + 1) * sizeof(int));
    for (int s = 0; s < src->n; s++) {
        int status = reserve_site(m, s, site_elems(src, s));
        if (status) { mps_destroy(&m); return status; }
        memcpy(m->site[s], src->site[s], site_elems(src, s) * sizeof(double complex));
    }
    m->center = src->center;
    m->discarded = src->discarded;
    m->fidelity = src->fidelity;
    m->decompositions = src->decompositions;
    *out = m;
    return TN_OK;
}

/* ---- canonical form ----------------------------------------------------- */

/* Moves the centre from site c to c + 1 with a QR of the left-grouped A[c]. */
static int shift_center_right(mps *m)
{
    int c = m->center, rows = 2 * m->chi[c], cols = m->chi[c + 1];
    int k = rows < cols ? rows : cols;
    double complex *a = m->site[c];
    CALL(tn_buf_reserve(&m->scratch, ((size_t)k * cols + (size_t)cols) * sizeof(double complex)));
    double complex *r = m->scratch.data, *tau = r + (size_t)k * cols;
    double complex query;
    int info = LAPACKE_zgeqrf_work(LAPACK_COL_MAJOR, rows, cols, a, rows, tau, &query, -1);
    int lw = (int)creal(query) + 1;
    info |= LAPACKE_zungqr_work(LAPACK_COL_MAJOR, rows, k, k, a, rows, tau, &query, -1);
    if ((int)creal(query) + 1 > lw) lw = (int)creal(query) + 1;
    CALL(tn_buf_reserve(&m->lwork, (size_t)lw * sizeof(double complex)));
    info |= LAPACKE_zgeqrf_work(LAPACK_COL_MAJOR, rows, cols, a, rows, tau, m->lwork.data, lw);
    for (int j = 0; j < cols; j++)        /* R is the upper k x cols triangle */
        for (int i = 0; i < k; i++) r[i + (size_t)k * j] = i <= j ? a[i + (size_t)rows * j] : 0;
    info |= LAPACKE_zungqr_work(LAPACK_COL_MAJOR, rows, k, k, a, rows, tau, m->lwork.data, lw);
    if (info) return tn_fail(TN_ERR_NUMERIC, "numerical failure: QR of site %d (info %d)", c, info);
    /* A[c+1] <- R A[c+1] */
    int right = 2 * m->chi[c + 2];
    CALL(tn_buf_reserve(&m->block, (size_t)k * right * sizeof(double complex)));
    double complex one = 1, zero = 0;
    cblas_zgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, k, right, cols, &one, r, k,
                m->site[c + 1], cols, &zero, m->block.data, k);
    CALL(reserve_site(m, c + 1, (size_t)k * right));
    memcpy(m->site[c + 1], m->block.data, (size_t)k * right * sizeof(double complex));
    m->chi[c + 1] = k;
    m->center = c + 1;
    return TN_OK;
}

/* Moves the centre from site c to c - 1 with an LQ of the right-grouped A[c]. */
static int shift_center_left(mps *m)
{
    int c = m->center, rows = m->chi[c], cols = 2 * m->chi[c + 1];
    int k = rows < cols ? rows : cols;
    double complex *a = m->site[c];
    CALL(tn_buf_reserve(&m->scratch, ((size_t)rows * k + (size_t)rows) * sizeof(double complex)));
    double complex *l = m->scratch.data, *tau = l + (size_t)rows * k;
    double complex query;
    int info = LAPACKE_zgelqf_work(LAPACK_COL_MAJOR, rows, cols, a, rows, tau, &query, -1);
    int lw = (int)creal(query) + 1;
    info |= LAPACKE_zunglq_work(LAPACK_COL_MAJOR, k, cols, k, a, rows, tau, &query, -1);
    if ((int)creal(query) + 1 > lw) lw = (int)creal(query) + 1;
    CALL(tn_buf_reserve(&m->lwork, (size_t)lw * sizeof(double complex)));
    info |= LAPACKE_zgelqf_work(LAPACK_COL_MAJOR, rows, cols, a, rows, tau, m->lwork.data, lw);
    for (int j = 0; j < k; j++)           /* L is the lower rows x k triangle */
        for (int i = 0; i < rows; i++) l[i + (size_t)rows * j] = i >= j ? a[i + (size_t)rows * j] : 0;
    info |= LAPACKE_zunglq_work(LAPACK_COL_MAJOR, k, cols, k, a, rows, tau, m->lwork.data, lw);
    if (info) return tn_fail(TN_ERR_NUMERIC, "numerical failure: LQ of site %d (info %d)", c, info);
    if (k != rows)                        /* compact Q from leading dimension rows to k */
        for (int j = 0; j < cols; j++)
            memmove(a + (size_t)k * j, a + (size_t)rows * j, (size_t)k * sizeof *a);
    /* A[c-1] <- A[c-1] L */
    int left = 2 * m->chi[c - 1];
    CALL(tn_buf_reserve(&m->block, (size_t)left * k * sizeof(double complex)));
    double complex one = 1, zero = 0;
    cblas_zgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, left, k, rows, &one, m->site[c - 1],
                left, l, rows, &zero, m->block.data, left);
    CALL(reserve_site(m, c - 1, (size_t)left * k));
    memcpy(m->site[c - 1], m->block.data, (size_t)left * k * sizeof(double complex));
    m->chi[c] = k;
    m->center = c - 1;
    return TN_OK;
}

/* Moves the orthogonality centre to site target. */
static int move_center(mps *m, int target)
{
    while (m->center < target) CALL(shift_center_right(m));
    while (m->center > target) CALL(shift_center_left(m));
    return TN_OK;
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
    m->discarded += w;
    m->fidelity *= 1 - w;
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
        tsvd_result res;
        CALL(tsvd_truncated(&m->svd, rows, cols, m->block.data, &tt, &res));
        record_discard(m, res.discarded);
        int kk = res.rank;
        CALL(reserve_site(m, s, (size_t)rows * kk));
        memcpy(m->site[s], res.u, (size_t)rows * kk * sizeof(double complex));
        m->chi[s + 1] = kk;
        double complex *rest = m->block.data;      /* S V^dagger, kk x cols */
        for (int c = 0; c < cols; c++)
            for (int i = 0; i < kk; i++) rest[i + (size_t)kk * c] = res.s[i] * res.vt[i + (size_t)res.ldvt * c];
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
        tsvd_result res;
        CALL(tsvd_truncated(&m->svd, rows, cols, m->block.data, &tt, &res));
        record_discard(m, res.discarded);
        int kk = res.rank;
        CALL(reserve_site(m, s, (size_t)kk * cols));
        double complex *a = m->site[s];
        for (int c = 0; c < cols; c++)
            for (int i = 0; i < kk; i++) a[i + (size_t)kk * c] = res.vt[i + (size_t)res.ldvt * c];
        m->chi[s] = kk;
        double complex *rest = m->block.data;      /* U S, rows x kk */
        for (int c = 0; c < kk; c++)
            for (int i = 0; i < rows; i++) rest[i + (size_t)rows * c] = res.u[i + (size_t)rows * c] * res.s[c];
        chir = kk;
    }
    CALL(reserve_site(m, first, (size_t)chil * 2 * chir));
    memcpy(m->site[first], m->block.data, (size_t)chil * 2 * chir * sizeof(double complex));
    m->center = first;
    return TN_OK;
}

/* Applies g (2^k x 2^k, row-major, site first+j as bit j of its index) to
 * the k adjacent sites from first; the centre ends at the left end if
 * end_left, else at the right end. */
static int apply_adjacent(mps *m, int first, int k, const double complex *g, int end_left)
{
    if (m->center < first) CALL(move_center(m, first));
    if (m->center > first + k - 1) CALL(move_center(m, first + k - 1));
    CALL(contract_block(m, first, k));
    CALL(apply_to_block(m, m->chi[first], 1 << k, m->chi[first + k], g));
    if (end_left) return split_block_leftward(m, first, k);
    return split_block_rightward(m, first, k);
}

/* Swaps the qubits on sites s and s + 1 (a two-site SWAP update). */
static int swap_sites(mps *m, int s, int end_left)
{
    static const double complex swap[16] = {1, 0, 0, 0, 0, 0, 1, 0, 0, 1, 0, 0, 0, 0, 0, 1};
    CALL(apply_adjacent(m, s, 2, swap, end_left));
    int qa = m->qubit_at[s], qb = m->qubit_at[s + 1];
    m->qubit_at[s] = qb;
    m->qubit_at[s + 1] = qa;
    m->site_of[qa] = s + 1;
    m->site_of[qb] = s;
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

static int compare_int(const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}

/* Moves the k qubits (on distinct sites) to adjacent sites by swaps, keeping
 * their relative order; returns the first site of the window in *first. */
static int gather_qubits(mps *m, int k, const int *qubits, int *first)
{
    int sites[CIRC_MAX_GATE_QUBITS], offs[CIRC_MAX_GATE_QUBITS];
    for (int j = 0; j < k; j++) sites[j] = m->site_of[qubits[j]];
    qsort(sites, (size_t)k, sizeof(int), compare_int);
    for (int j = 0; j < k; j++) offs[j] = sites[j] - j;
    int w = offs[k / 2];   /* median of site - rank: fewest swaps */
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
        apply_one_site(m, m->site_of[qubits[0]], u);
        return TN_OK;
    }
    int first, end_left = 0;
    if (k == 2) {   /* end where the centre is cheaper to move next: toward it */
        int lo = m->site_of[qubits[0]] < m->site_of[qubits[1]] ? m->site_of[qubits[0]] : m->site_of[qubits[1]];
        end_left = m->center <= lo;
    }
    CALL(gather_qubits(m, k, qubits, &first));
    size_t dim = (size_t)1 << k;
    CALL(tn_buf_reserve(&m->gate, dim * dim * sizeof(double complex)));
    permute_gate(m, first, k, qubits, u, m->gate.data);
    return apply_adjacent(m, first, k, m->gate.data, end_left);
}

int mps_apply_op(mps *m, const circ_op *op)
{
    if (op->kind != OP_GATE)
        return tn_fail(TN_ERR_INTERNAL, "internal error: mps_apply_op on a non-gate operation");
    if (op->gate == GATE_UNITARY) return mps_apply_gate(m, op->matrix, op->nqubits, op->qubits);
    double complex u[64];
    if (op->nqubits > 3) return tn_fail(TN_ERR_INTERNAL, "internal error: built-in gate of %d qubits", op->nqubits);
    gate_matrix(op->gate, op->params, u);
    return mps_apply_gate(m, u, op->nqubits, op->qubits);
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

int mps_project(mps *m, int qubit, int outcome, double *prob)
{
    if (qubit < 0 || qubit >= m->n)
        return tn_fail(TN_ERR_USAGE, "qubit %d is out of range for a %d-qubit state", qubit, m->n);
    int s = m->site_of[qubit];
    CALL(move_center(m, s));
    double w0, w1;
    slice_weights(m, s, &w0, &w1);
    double p = (outcome ? w1 : w0) / (w0 + w1);
    if (prob) *prob = p;
    if (!(p > 0))
        return tn_fail(TN_ERR_NUMERIC, "numerical failure: projecting qubit %d onto %d, which has probability 0",
                       qubit, outcome);
    double scale = 1 / sqrt(outcome ? w1 : w0);
    int chil = m->chi[s], chir = m->chi[s + 1];
    double complex *a = m->site[s];
    for (int r = 0; r < chir; r++) {
        double complex *keep = a + (size_t)chil * (2 * r + outcome), *drop = a + (size_t)chil * (2 * r + !outcome);
        for (int l = 0; l < chil; l++) {
            keep[l] *= scale;
            drop[l] = 0;
        }
    }
    return TN_OK;
}

int mps_measure(mps *m, int qubit, double r, int *outcome)
{
    if (qubit < 0 || qubit >= m->n)
        return tn_fail(TN_ERR_USAGE, "qubit %d is out of range for a %d-qubit state", qubit, m->n);
    int s = m->site_of[qubit];
    CALL(move_center(m, s));
    double w0, w1;
    slice_weights(m, s, &w0, &w1);
    int bit = r < w1 / (w0 + w1);
    CALL(mps_project(m, qubit, bit, NULL));
    *outcome = bit;
    return TN_OK;
}

int mps_reset(mps *m, int qubit, double r)
{
    int bit;
    CALL(mps_measure(m, qubit, r, &bit));
    if (bit) {
        static const double complex x[4] = {0, 1, 1, 0};
        apply_one_site(m, m->site_of[qubit], x);
    }
    return TN_OK;
}

/* ---- amplitudes, expectation values, dense export ---------------------- */

int mps_amplitude(mps *m, const unsigned char *bits, double complex *amp)
{
    int maxchi = mps_max_bond(m);
    CALL(tn_buf_reserve(&m->scratch, 2 * (size_t)maxchi * sizeof(double complex)));
    double complex *v = m->scratch.data, *w = v + maxchi;
    v[0] = 1;
    double complex one = 1, zero = 0;
    for (int s = 0; s < m->n; s++) {
        int b = bits[m->qubit_at[s]] ? 1 : 0, chil = m->chi[s], chir = m->chi[s + 1];
        /* w (1 x chir) = v (1 x chil) * A[:, b, :] (chil x chir, ld 2 chil) */
        tn_zgemv('T', chil, chir, one, m->site[s] + (size_t)chil * b, 2 * chil, v, 1, zero, w, 1);
        double complex *t = v; v = w; w = t;
    }
    *amp = v[0];
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
    CALL(move_center(m, lo));
    int maxchi = mps_max_bond(m);
    size_t env = (size_t)maxchi * maxchi, tsz = (size_t)maxchi * 2 * maxchi;
    CALL(tn_buf_reserve(&m->scratch, (2 * env + 2 * tsz) * sizeof(double complex)));
    double complex *e = m->scratch.data, *enew = e + env, *t = enew + env, *t2 = t + tsz;
    double complex one = 1, zero = 0;
    e[0] = 1;
    for (int s = lo; s <= hi; s++) {
        int chil = m->chi[s], chir = m->chi[s + 1];
        double complex p[4] = {1, 0, 0, 1};
        pauli_matrix(paulis[m->qubit_at[s]], p);
        /* t (chil x 2chir) = e (chil x chil) * A (chil x 2 chir) */
        cblas_zgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, chil, 2 * chir, chil, &one, e, chil,
                    m->site[s], chil, &zero, t, chil);
        for (int r = 0; r < chir; r++) {   /* t2[:, p', r] = sum_p P[p', p] t[:, p, r] */
            const double complex *x0 = t + (size_t)chil * 2 * r, *x1 = x0 + chil;
            double complex *y0 = t2 + (size_t)chil * 2 * r, *y1 = y0 + chil;
            for (int l = 0; l < chil; l++) {
                y0[l] = p[0] * x0[l] + p[1] * x1[l];
                y1[l] = p[2] * x0[l] + p[3] * x1[l];
            }
        }
        /* enew (chir x chir) = A^H (chir x 2chil) * t2 (2chil x chir) */
        cblas_zgemm(CblasColMajor, CblasConjTrans, CblasNoTrans, chir, chir, 2 * chil, &one,
                    m->site[s], 2 * chil, t2, 2 * chil, &zero, enew, chir);
        double complex *tmp = e; e = enew; enew = tmp;
    }
    double complex tr = 0;
    int chi = m->chi[hi + 1];
    for (int i = 0; i < chi; i++) tr += e[i + (size_t)chi * i];
    *value = tr;
    return TN_OK;
}

int mps_to_dense(mps *m, double complex *psi)
{
    if (m->n > 30) return tn_fail(TN_ERR_USAGE, "a dense state of %d qubits is too large (at most 30)", m->n);
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

/* ---- sampling ----------------------------------------------------------- */

#define SAMPLE_BATCH 1024   /* shots advanced together through one GEMM per site */

/* Samples shots [first, first+count) of the batch into bits. */
static int sample_batch(mps *m, int first, int count, uint64_t seed, uint64_t stream, unsigned char *bits)
{
    int maxchi = mps_max_bond(m);
    size_t vsz = (size_t)count * maxchi, wsz = (size_t)count * 2 * maxchi;
    CALL(tn_buf_reserve(&m->block, (vsz + wsz) * sizeof(double complex)));
    CALL(tn_buf_reserve(&m->scratch, (size_t)count * sizeof(rng_stream)));
    double complex *v = m->block.data, *w = v + vsz;
    rng_stream *rng = m->scratch.data;
    for (int i = 0; i < count; i++) {
        rng_init_sub(&rng[i], seed, stream, (uint32_t)(first + i));
        v[i] = 1;
    }
    double complex one = 1, zero = 0;
    for (int s = 0; s < m->n; s++) {
        int chil = m->chi[s], chir = m->chi[s + 1], q = m->qubit_at[s];
        /* w (count x 2chir) = v (count x chil) * A (chil x 2chir); column p + 2r */
        cblas_zgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, count, 2 * chir, chil, &one, v, count,
                    m->site[s], chil, &zero, w, count);
        for (int i = 0; i < count; i++) {
            double n0 = 0, n1 = 0;
            for (int r = 0; r < chir; r++) {
                double complex a0 = w[i + (size_t)count * 2 * r], a1 = w[i + (size_t)count * (2 * r + 1)];
                n0 += creal(a0) * creal(a0) + cimag(a0) * cimag(a0);
                n1 += creal(a1) * creal(a1) + cimag(a1) * cimag(a1);
            }
            int b = rng_uniform(&rng[i]) < n1 / (n0 + n1);
            bits[(size_t)i * m->n + q] = (unsigned char)b;
            double scale = 1 / sqrt(b ? n1 : n0);
            for (int r = 0; r < chir; r++) v[i + (size_t)count * r] = w[i + (size_t)count * (2 * r + b)] * scale;
        }
    }
    return TN_OK;
}

int mps_sample(mps *m, int nshots, uint64_t seed, uint64_t stream, unsigned char *bits)
{
    if (nshots < 0) return tn_fail(TN_ERR_USAGE, "shots %d is out of range (0 or more)", nshots);
    CALL(move_center(m, 0));
    for (int first = 0; first < nshots; first += SAMPLE_BATCH) {
        int count = nshots - first < SAMPLE_BATCH ? nshots - first : SAMPLE_BATCH;
        CALL(sample_batch(m, first, count, seed, stream, bits + (size_t)first * m->n));
    }
    return TN_OK;
}
