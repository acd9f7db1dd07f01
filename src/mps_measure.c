/* mps_measure.c - reading the MPS: measurement and reset of one qubit,
 * amplitudes, Pauli expectation values, the dense state vector, conditional
 * sampling of shots (pipelined over the ranks of a group) and the exact
 * outcome probabilities of a few qubits. The struct and shared helpers are in
 * mps_internal.h; the engine's overview is at the top of mps.c.
 * Not for: gates (mps_gates.c), counting the shots (src/tally.c). */
#include "mps_internal.h"

#include <cblas.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "group.h"
#include "rng.h"
#include "work.h"
#include "zgemv.h"

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

/* The weights of outcomes 0 and 1 of qubit, with the centre moved to its
 * site (*site): the first step of a projection. */
static int qubit_weights(mps *m, int qubit, int *site, double w[2])
{
    if (qubit < 0 || qubit >= m->n)
        return tn_fail(TN_ERR_USAGE, "qubit %d is out of range for a %d-qubit state", qubit, m->n);
    *site = m->site_of[qubit];
    CALL(mps_leave_vidal(m));   /* a projection changes the Schmidt values of every bond */
    CALL(mps_move_center(m, *site));
    return center_weights(m, *site, w);
}

int mps_project(mps *m, int qubit, int outcome, double *prob)
{
    CALL(mps_settle(m));   /* lazy returns: every site home */
    int s;
    double w[2];
    CALL(qubit_weights(m, qubit, &s, w));
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
    CALL(mps_settle(m));   /* lazy returns: every site home */
    int s;
    double w[2];
    CALL(qubit_weights(m, qubit, &s, w));
    int bit = r < w[1] / (w[0] + w[1]);
    if (is_mine(m, s)) keep_slice(m, s, bit, 1 / sqrt(bit ? w[1] : w[0]));
    *outcome = bit;
    return TN_OK;
}

int mps_reset(mps *m, int qubit, double r)
{
    CALL(mps_settle(m));   /* lazy returns: every site home */
    int bit;
    CALL(mps_measure(m, qubit, r, &bit));
    if (bit) {
        static const double complex x[4] = {0, 1, 1, 0};
        if (is_mine(m, m->site_of[qubit])) mps_apply_one_site(m, m->site_of[qubit], x);
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
    CALL(mps_settle(m));   /* lazy returns: every site home */
    CALL(mps_leave_vidal(m));   /* exactly canonical and normalised */
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
    CALL(mps_settle(m));   /* lazy returns: every site home */
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
    CALL(mps_leave_vidal(m));
    CALL(mps_move_center(m, lo));   /* left of lo: identity; right of hi: identity */
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
    CALL(mps_settle(m));   /* lazy returns: every site home */
    if (m->n > 30) return tn_fail(TN_ERR_USAGE, "a dense state of %d qubits is too large (at most 30)", m->n);
    CALL(mps_gather_all_sites(m));
    if (m->me == 0) {
        int status = contract_dense(m, psi);
        if (status) return failed(m, status);
        if (m->vidal) {   /* the isometries are approximate after truncation: normalise (as mps_leave_vidal would) */
            size_t len = (size_t)1 << m->n;
            double complex inv = 1 / cblas_dznrm2((int)len, psi, 1);
            cblas_zscal((int)len, &inv, psi, 1);
        }
    }
    CALL(mps_scatter_all_sites(m));
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
    CALL(mps_settle(m));   /* lazy returns: every site home */
    if (nshots < 0) return tn_fail(TN_ERR_USAGE, "shots %d is out of range (0 or more)", nshots);
    /* every site right of the centre is right-isometric; in Vidal form to
     * about the discarded weight, which the per-site normalisation of the
     * conditional probabilities absorbs (as TEBD codes sample): exact when
     * nothing was truncated, and no sweep that the ranks would do in turn */
    CALL(mps_move_center(m, 0));
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
    CALL(mps_settle(m));   /* lazy returns: every site home */
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
    CALL(mps_settle(m));   /* lazy returns: every site home */
    if (k < 0 || k > MPS_MAX_OUTCOME_QUBITS)
        return tn_fail(TN_ERR_USAGE, "outcome probabilities of %d qubits: at most %d", k, MPS_MAX_OUTCOME_QUBITS);
    for (int j = 0; j < k; j++)
        if (qubits[j] < 0 || qubits[j] >= m->n) return tn_fail(TN_ERR_USAGE, "qubit %d is out of range", qubits[j]);
    CALL(mps_leave_vidal(m));
    CALL(mps_move_center(m, 0));   /* every other site right-isometric: the right environment is the identity */
    CALL(mps_gather_all_sites(m));
    int status = TN_OK;
    if (m->me == 0) status = outcome_probs_local(m, k, qubits, probs);
    if (status) return failed(m, status);
    CALL(mps_scatter_all_sites(m));
    if (m->grp) CALL(group_bcast(m->grp, 0, probs, ((size_t)1 << k) * sizeof *probs));
    for (size_t b = 0; b < ((size_t)1 << k); b++) probs[b] = fmin(fmax(probs[b], 0), 1);   /* rounding past [0, 1] */
    return TN_OK;
}
