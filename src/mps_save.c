/* mps_save.c - saving the MPS into one buffer on group rank 0 and restoring
 * it (checkpoints), with the per-rank bookkeeping that keeps a resumed run's
 * arithmetic bit-identical on the same rank count. The struct and shared
 * helpers are in mps_internal.h.
 * Not for: the checkpoint file and where the run is (src/checkpoint.c, src/resume.c). */
#include "mps_internal.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "group.h"

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
    CALL(mps_settle(m));   /* lazy returns: every site home */
    *buf = NULL;
    *len = 0;
    rank_book *book = tn_malloc((size_t)m->nranks * sizeof *book);
    if (!book) return failed(m, TN_ERR_MEMORY);
    int status = gather_book(m, book);
    if (status) { free(book); return status; }
    CALL(mps_gather_all_sites(m));
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
    return mps_scatter_all_sites(m);
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
    CALL(mps_settle(m));   /* lazy returns: every site home */
    mps_saved_header h;
    int status = m->me == 0 ? check_saved(m, buf, len, &h) : TN_OK;
    if (status) return failed(m, status);
    CALL(mps_gather_all_sites(m));   /* rank 0 takes every site, then fills them */
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
        status = mps_reserve_site(m, s, site_elems(m, s));
        if (status) return failed(m, status);
        memcpy(m->site[s], p, site_elems(m, s) * sizeof(double complex));
        p += site_elems(m, s) * sizeof(double complex);
    }
    for (int s = 0; s < m->n && m->me == 0 && h.vidal; s++) {
        status = mps_reserve_lambda(m, s, m->chi[s]);
        if (status) return failed(m, status);
        memcpy(m->lambda[s], p, (size_t)m->chi[s] * sizeof(double));
        p += (size_t)m->chi[s] * sizeof(double);
    }
    m->vidal = h.vidal;
    mps_attach_eigensolver(m);
    m->center = h.center;
    m->focus = h.focus;
    m->sweep_left = h.sweep_left;
    m->rebalances = h.rebalances;
    m->gates_since_balance = h.gates_since_balance;
    m->shifts = h.shifts;
    return mps_scatter_all_sites(m);
}
