/* scalapack.c - pzheevd over a group's process grid (see scalapack.h). */
#include "scalapack.h"

#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "work.h"

/* ScaLAPACK and BLACS ship no C headers on Debian: their Fortran/C entry points. */
void Cblacs_get(int ctxt, int what, int *val);
void Cblacs_gridmap(int *ctxt, int *usermap, int ldumap, int nprow, int npcol);
void Cblacs_gridinfo(int ctxt, int *nprow, int *npcol, int *myrow, int *mycol);
void Cblacs_gridexit(int ctxt);
int Csys2blacs_handle(MPI_Comm comm);
void Cfree_blacs_system_handle(int handle);
int numroc_(const int *n, const int *nb, const int *iproc, const int *isrcproc, const int *nprocs);
void descinit_(int *desc, const int *m, const int *n, const int *mb, const int *nb, const int *irsrc,
               const int *icsrc, const int *ictxt, const int *lld, int *info);
void pzheevd_(const char *jobz, const char *uplo, const int *n, double complex *a, const int *ia, const int *ja,
              const int *desca, double *w, double complex *z, const int *iz, const int *jz, const int *descz,
              double complex *work, const int *lwork, double *rwork, const int *lrwork, int *iwork,
              const int *liwork, int *info);
void pzgemr2d_(const int *m, const int *n, const double complex *a, const int *ia, const int *ja, const int *desca,
               double complex *b, const int *ib, const int *jb, const int *descb, const int *ictxt);

#define BLOCK 64          /* block-cyclic block size */
#define TAG_ANNOUNCE 201
#define TAG_READY 202

struct tn_scalapack {
    tn_group *g;
    int handle;           /* BLACS system handle of the group communicator */
    int grid;             /* the pr x pc grid over all ranks */
    int pr, pc, myrow, mycol;
    int *single;          /* single[r]: a 1 x 1 grid holding group rank r (-1 elsewhere) */
    long solves;
};

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
int scal_ranks(const tn_scalapack *s) { return s->g->size; }

/* The distributed eigensolve, called by every rank of the group. */
static int solve(tn_scalapack *s, int root, int m, double complex *g, double *w)
{
    int zero = 0, one = 1, info = 0, nb = BLOCK;
    int desc_root[9], desc[9], desc_z[9];
    /* the root's whole matrix, in its 1 x 1 grid (other ranks: no such grid) */
    if (s->g->rank == root) descinit_(desc_root, &m, &m, &m, &m, &zero, &zero, &s->single[root], &m, &info);
    else { memset(desc_root, 0, sizeof desc_root); desc_root[1] = -1; }
    int rows = numroc_(&m, &nb, &s->myrow, &zero, &s->pr), cols = numroc_(&m, &nb, &s->mycol, &zero, &s->pc);
    int lld = rows > 1 ? rows : 1;
    descinit_(desc, &m, &m, &nb, &nb, &zero, &zero, &s->grid, &lld, &info);
    descinit_(desc_z, &m, &m, &nb, &nb, &zero, &zero, &s->grid, &lld, &info);
    size_t local = (size_t)lld * (cols > 1 ? cols : 1);
    double complex *a = tn_malloc(local * sizeof *a), *z = tn_malloc(local * sizeof *z);
    double *eig = tn_malloc((size_t)m * sizeof *eig);
    if (!a || !z || !eig) { free(a); free(z); free(eig); return TN_ERR_MEMORY; }
    pzgemr2d_(&m, &m, g, &one, &one, desc_root, a, &one, &one, desc, &s->grid);
    double complex qwork;
    double qrwork;
    int qiwork, minus = -1;
    pzheevd_("V", "U", &m, a, &one, &one, desc, eig, z, &one, &one, desc_z, &qwork, &minus, &qrwork, &minus, &qiwork,
             &minus, &info);
    /* the workspace query of pzheevd is known to come out short for rwork and
     * iwork (PDLASRT then rejects it): take at least the documented minima */
    int lwork = (int)creal(qwork) + 1, lrwork = (int)qrwork + 1, liwork = qiwork + 1;
    int nq = cols > 1 ? cols : 1;
    int min_lrwork = 1 + 9 * m + 3 * lld * nq + lld * (BLOCK + nq) + 2 * m, min_liwork = 7 * m + 8 * s->pc + 2;
    lrwork += min_lrwork;
    if (liwork < min_liwork) liwork = min_liwork;
    double complex *work = tn_malloc((size_t)lwork * sizeof *work);
    double *rwork = tn_malloc((size_t)lrwork * sizeof *rwork);
    int *iwork = tn_malloc((size_t)liwork * sizeof *iwork);
    int status = (work && rwork && iwork) ? TN_OK : TN_ERR_MEMORY;
    long long held = (long long)(2 * local * sizeof *a + (size_t)m * sizeof *eig + (size_t)lwork * sizeof *work +
                                 (size_t)lrwork * sizeof *rwork + (size_t)liwork * sizeof *iwork);
    tn_mem_record(held);   /* in the ledger's peak (peak_tensor_bytes); never refused: a collective */
    if (status == TN_OK) {
        pzheevd_("V", "U", &m, a, &one, &one, desc, eig, z, &one, &one, desc_z, work, &lwork, rwork, &lrwork, iwork,
                 &liwork, &info);
        if (info < 0) status = tn_fail(TN_ERR_INTERNAL, "internal error: pzheevd argument %d is invalid", -info);
        else if (info > 0) status = tn_fail(TN_ERR_NUMERIC, "numerical failure: pzheevd of %d x %d (info %d)", m, m, info);
    }
    if (status == TN_OK) pzgemr2d_(&m, &m, z, &one, &one, desc_z, g, &one, &one, desc_root, &s->grid);
    if (status == TN_OK && s->g->rank == root) memcpy(w, eig, (size_t)m * sizeof *w);
    s->solves++;
    tn_mem_record(-held);
    free(work); free(rwork); free(iwork); free(a); free(z); free(eig);
    return status;
}

/* Sends the announcement m to every other rank of the group. */
static int announce(tn_scalapack *s, int m)
{
    for (int r = 0; r < s->g->size; r++)
        if (r != s->g->rank) CALL(group_send(s->g, r, TAG_ANNOUNCE, &m, sizeof m));
    return TN_OK;
}

/* Waits until every other rank of the group has said it is in the solve.
 * A rank that left on another rank's abort note never says so; the note
 * was sent to this rank too, and the abortable wait returns it, where
 * entering the solve (a collective) would wait for that rank for ever. */
static int wait_ready(tn_scalapack *s)
{
    for (int r = 0; r < s->g->size; r++) {
        int m;
        if (r != s->g->rank) CALL(group_recv(s->g, r, TAG_READY, &m, sizeof m));
    }
    return TN_OK;
}

int scal_eigh_root(tn_scalapack *s, int m, double complex *g, double *w)
{
    CALL(announce(s, m));
    CALL(wait_ready(s));
    return solve(s, s->g->rank, m, g, w);
}

int scal_step_done(tn_scalapack *s) { return announce(s, 0); }

int scal_serve(tn_scalapack *s, int root)
{
    for (;;) {
        int m;
        CALL(group_recv(s->g, root, TAG_ANNOUNCE, &m, sizeof m));
        if (m == 0) return TN_OK;
        CALL(group_send(s->g, root, TAG_READY, &m, sizeof m));
        CALL(solve(s, root, m, NULL, NULL));
    }
}
