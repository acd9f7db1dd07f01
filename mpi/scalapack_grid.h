/* scalapack_grid.h - what the two files of the team grid share (private to
 * mpi/scalapack.c and mpi/scal_window.c): the grid's struct, the entry
 * points of BLACS, ScaLAPACK and PBLAS (Debian ships no C headers for
 * them), the announcement protocol and the distributed eigensolve.
 * Not for: any other file; the rest of tnemu uses mpi/scalapack.h. */
#ifndef TN_SCALAPACK_GRID_H
#define TN_SCALAPACK_GRID_H

#include <complex.h>

#include "scalapack.h"

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
void pzgemm_(const char *transa, const char *transb, const int *m, const int *n, const int *k,
             const double complex *alpha, const double complex *a, const int *ia, const int *ja, const int *desca,
             const double complex *b, const int *ib, const int *jb, const int *descb, const double complex *beta,
             double complex *c, const int *ic, const int *jc, const int *descc);
void pzherk_(const char *uplo, const char *trans, const int *n, const int *k, const double *alpha,
             const double complex *a, const int *ia, const int *ja, const int *desca, const double *beta,
             double complex *c, const int *ic, const int *jc, const int *descc);
void pzgesvd_(const char *jobu, const char *jobvt, const int *m, const int *n, double complex *a, const int *ia,
              const int *ja, const int *desca, double *s, double complex *u, const int *iu, const int *ju,
              const int *descu, double complex *vt, const int *ivt, const int *jvt, const int *descvt,
              double complex *work, const int *lwork, double *rwork, int *info);
void pztranc_(const int *m, const int *n, const double complex *alpha, const double complex *a, const int *ia,
              const int *ja, const int *desca, const double complex *beta, double complex *c, const int *ic,
              const int *jc, const int *descc);

#define SCAL_BLOCK 64          /* block-cyclic block size (even: see scal_window.c) */
#define SCAL_TAG_ANNOUNCE 201
#define SCAL_TAG_READY 202
#define SCAL_TAG_WINDOW 203
/* Announcements (an int): m > 0 an m x m eigensolve, SCAL_STEP_DONE the end
 * of the root's step, SCAL_WINDOW a Vidal window (scal_window.c). */
#define SCAL_STEP_DONE 0
#define SCAL_WINDOW (-1)

struct scal_window_state;

struct tn_scalapack {
    tn_group *g;
    int handle;           /* BLACS system handle of the group communicator */
    int grid;             /* the pr x pc grid over all ranks */
    int pr, pc, myrow, mycol;
    int *single;          /* single[r]: a 1 x 1 grid holding group rank r (-1 elsewhere) */
    long solves, windows, returned, svds;   /* svds: windows the grid split by its SVD */
    struct scal_window_state *win;   /* a window between its two phases, or NULL */
};

/* Sends the announcement code to every other rank of the group. */
int scal_announce(tn_scalapack *s, int code);

/* On the root: waits until every other rank has said it is in the call. */
int scal_wait_ready(tn_scalapack *s);

/* pzheevd of the m x m matrix a (descriptor desc, upper triangle, destroyed)
 * into z (desc_z) and eig (m values, ascending, on every rank), with its
 * workspace; called by every rank of the grid. */
int scal_pzheevd(tn_scalapack *s, int m, double complex *a, const int *desc, double complex *z, const int *desc_z,
                 double *eig);

/* A member's part of a window announced by root (scal_window.c). */
int scal_window_serve(tn_scalapack *s, int root);

/* The local rows or columns of an n-long dimension on grid row/column p of np. */
int scal_local(int n, int p, int np);

/* The descriptor of an m x n column-major matrix (leading dimension ld) held
 * whole by group rank root in its 1 x 1 grid; on other ranks: no such grid. */
void scal_root_desc(const tn_scalapack *s, int root, int m, int n, int ld, int *desc);

/* Frees a window's state (after a failure between its phases). */
void scal_window_drop(tn_scalapack *s);

#endif
