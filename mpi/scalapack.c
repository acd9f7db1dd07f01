/* scalapack.c - pzheevd over a group's process grid (see scalapack.h). */
#include "scalapack_grid.h"

#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "work.h"

#define BLOCK SCAL_BLOCK

int scal_create(tn_group *g, tn_scalapack **out)
{
    *out = NULL;
    tn_scalapack *s = tn_calloc(1, sizeof *s);
    if (!s) return TN_ERR_MEMORY;
    s->g = g;
    s->single = tn_calloc((size_t)g->size, sizeof(int));
    int *map = tn_calloc((size_t)g->size, sizeof(int));
    if (!s->single || !map) { free(map); scal_destroy(&s); return TN_ERR_MEMORY; }
    s->handle = Csys2blacs_handle(g->comm);
    s->pr = 1;   /* the squarest grid pr x pc = P */
    for (int d = 1; d * d <= g->size; d++)
        if (g->size % d == 0) s->pr = d;
    s->pc = g->size / s->pr;
    for (int r = 0; r < g->size; r++) map[r] = r;
    s->grid = s->handle;
    Cblacs_gridmap(&s->grid, map, s->pr, s->pr, s->pc);
    Cblacs_gridinfo(s->grid, &s->pr, &s->pc, &s->myrow, &s->mycol);
    for (int r = 0; r < g->size; r++) {   /* every rank takes part in making every grid */
        int one = r;
        s->single[r] = s->handle;
        Cblacs_gridmap(&s->single[r], &one, 1, 1, 1);
    }
    free(map);
    *out = s;
    return TN_OK;
}

void scal_destroy(tn_scalapack **ps)
{
    if (!ps || !*ps) return;
    tn_scalapack *s = *ps;
    scal_window_drop(s);
    if (s->single) {
        for (int r = 0; r < s->g->size; r++)
            if (s->single[r] >= 0 && r == s->g->rank) Cblacs_gridexit(s->single[r]);
        if (s->grid >= 0) Cblacs_gridexit(s->grid);
        Cfree_blacs_system_handle(s->handle);
    }
    free(s->single);
    free(s);
    *ps = NULL;
}

long scal_solves(const tn_scalapack *s) { return s->solves; }
long scal_windows(const tn_scalapack *s) { return s->windows; }
long scal_windows_returned(const tn_scalapack *s) { return s->returned; }
long scal_windows_svd(const tn_scalapack *s) { return s->svds; }
int scal_ranks(const tn_scalapack *s) { return s->g->size; }

int scal_local(int n, int p, int np)
{
    int zero = 0, nb = BLOCK;
    return numroc_(&n, &nb, &p, &zero, &np);
}

void scal_root_desc(const tn_scalapack *s, int root, int m, int n, int ld, int *desc)
{
    int zero = 0, info = 0;
    if (s->g->rank == root) {
        int mb = m > 1 ? m : 1, nb = n > 1 ? n : 1;
        descinit_(desc, &m, &n, &mb, &nb, &zero, &zero, &s->single[root], &ld, &info);
    } else {
        memset(desc, 0, 9 * sizeof *desc);
        desc[1] = -1;
    }
}

int scal_pzheevd(tn_scalapack *s, int m, double complex *a, const int *desc, double complex *z, const int *desc_z,
                 double *eig)
{
    int one = 1, info = 0, minus = -1;
    double complex qwork;
    double qrwork;
    int qiwork;
    pzheevd_("V", "U", &m, a, &one, &one, desc, eig, z, &one, &one, desc_z, &qwork, &minus, &qrwork, &minus, &qiwork,
             &minus, &info);
    /* the workspace query of pzheevd is known to come out short for rwork and
     * iwork (PDLASRT then rejects it): take at least the documented minima */
    int lld = desc[8], cols = scal_local(m, s->mycol, s->pc);
    int lwork = (int)creal(qwork) + 1, lrwork = (int)qrwork + 1, liwork = qiwork + 1;
    int nq = cols > 1 ? cols : 1;
    int min_lrwork = 1 + 9 * m + 3 * lld * nq + lld * (BLOCK + nq) + 2 * m, min_liwork = 7 * m + 8 * s->pc + 2;
    lrwork += min_lrwork;
    if (liwork < min_liwork) liwork = min_liwork;
    double complex *work = tn_malloc((size_t)lwork * sizeof *work);
    double *rwork = tn_malloc((size_t)lrwork * sizeof *rwork);
    int *iwork = tn_malloc((size_t)liwork * sizeof *iwork);
    int status = (work && rwork && iwork) ? TN_OK : TN_ERR_MEMORY;
    long long held = (long long)((size_t)lwork * sizeof *work + (size_t)lrwork * sizeof *rwork +
                                 (size_t)liwork * sizeof *iwork);
    tn_mem_record(held);   /* in the ledger's peak (peak_tensor_bytes); never refused: a collective */
    if (status == TN_OK) {
        pzheevd_("V", "U", &m, a, &one, &one, desc, eig, z, &one, &one, desc_z, work, &lwork, rwork, &lrwork, iwork,
                 &liwork, &info);
        if (info < 0) status = tn_fail(TN_ERR_INTERNAL, "internal error: pzheevd argument %d is invalid", -info);
        else if (info > 0) status = tn_fail(TN_ERR_NUMERIC, "numerical failure: pzheevd of %d x %d (info %d)", m, m, info);
    }
    tn_mem_record(-held);
    free(work); free(rwork); free(iwork);
    return status;
}

/* The distributed eigensolve of a matrix on the root, called by every rank of the group. */
static int solve(tn_scalapack *s, int root, int m, double complex *g, double *w)
{
    int zero = 0, one = 1, info = 0, nb = BLOCK;
    int desc_root[9], desc[9], desc_z[9];
    scal_root_desc(s, root, m, m, m, desc_root);   /* the root's whole matrix */
    int rows = scal_local(m, s->myrow, s->pr), cols = scal_local(m, s->mycol, s->pc);
    int lld = rows > 1 ? rows : 1;
    descinit_(desc, &m, &m, &nb, &nb, &zero, &zero, &s->grid, &lld, &info);
    descinit_(desc_z, &m, &m, &nb, &nb, &zero, &zero, &s->grid, &lld, &info);
    size_t local = (size_t)lld * (cols > 1 ? cols : 1);
    double complex *a = tn_malloc(local * sizeof *a), *z = tn_malloc(local * sizeof *z);
    double *eig = tn_malloc((size_t)m * sizeof *eig);
    if (!a || !z || !eig) { free(a); free(z); free(eig); return TN_ERR_MEMORY; }
    long long held = (long long)(2 * local * sizeof *a + (size_t)m * sizeof *eig);
    tn_mem_record(held);
    pzgemr2d_(&m, &m, g, &one, &one, desc_root, a, &one, &one, desc, &s->grid);
    int status = scal_pzheevd(s, m, a, desc, z, desc_z, eig);
    if (status == TN_OK) pzgemr2d_(&m, &m, z, &one, &one, desc_z, g, &one, &one, desc_root, &s->grid);
    if (status == TN_OK && s->g->rank == root) memcpy(w, eig, (size_t)m * sizeof *w);
    s->solves++;
    tn_mem_record(-held);
    free(a); free(z); free(eig);
    return status;
}

int scal_announce(tn_scalapack *s, int code)
{
    for (int r = 0; r < s->g->size; r++)
        if (r != s->g->rank) CALL(group_send(s->g, r, SCAL_TAG_ANNOUNCE, &code, sizeof code));
    return TN_OK;
}

/* A rank that left on another rank's abort note never says it is ready; the
 * note was sent to this rank too, and the abortable wait returns it, where
 * entering the solve (a collective) would wait for that rank for ever. */
int scal_wait_ready(tn_scalapack *s)
{
    for (int r = 0; r < s->g->size; r++) {
        int m;
        if (r != s->g->rank) CALL(group_recv(s->g, r, SCAL_TAG_READY, &m, sizeof m));
    }
    return TN_OK;
}

int scal_eigh_root(tn_scalapack *s, int m, double complex *g, double *w)
{
    CALL(scal_announce(s, m));
    CALL(scal_wait_ready(s));
    return solve(s, s->g->rank, m, g, w);
}

int scal_step_done(tn_scalapack *s) { return scal_announce(s, SCAL_STEP_DONE); }

int scal_serve(tn_scalapack *s, int root)
{
    for (;;) {
        int m;
        CALL(group_recv(s->g, root, SCAL_TAG_ANNOUNCE, &m, sizeof m));
        if (m == SCAL_STEP_DONE) return TN_OK;
        if (m == SCAL_WINDOW) {
            CALL(scal_window_serve(s, root));
            continue;
        }
        CALL(group_send(s->g, root, SCAL_TAG_READY, &m, sizeof m));
        CALL(solve(s, root, m, NULL, NULL));
    }
}
