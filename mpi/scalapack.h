/* scalapack.h - Hermitian eigendecompositions spread over a group's ranks.
 *
 * A split whose Gram matrix is at least --scalapack-min rows is solved by
 * ScaLAPACK's pzheevd on a process grid over all ranks of the group, instead
 * of LAPACK's zheevd on the one rank holding the window. The matrix lives on
 * that rank (the root); pzgemr2d spreads it over the grid block-cyclically
 * and brings the eigenvectors back.
 * Protocol: while a window step runs on its root, every other rank of the
 * group serves (scal_serve): it waits for announcements from the root and
 * joins each eigensolve, until the root says the step is done. Before each
 * solve the root waits for every server to say it is ready, so a server
 * that left on an abort note is never waited for inside the solve.
 * The group may also be a team (mpi/group.h): the leader is the root of
 * every solve and its members serve for the whole run.
 * Not for: deciding when to use it (src/mps.c), local LAPACK (tensor/). */
#ifndef TN_SCALAPACK_H
#define TN_SCALAPACK_H

#include <complex.h>

#include "group.h"

typedef struct tn_scalapack tn_scalapack;

/* Sets up the BLACS grids of the group (collective over it). */
int scal_create(tn_group *g, tn_scalapack **out);
void scal_destroy(tn_scalapack **s);

/* On the root: announces an m x m eigensolve to the group and runs it.
 * g (m x m, column-major, upper triangle used) is replaced by the
 * eigenvectors; w receives the eigenvalues in ascending order (zheevd's
 * contract). Returns TN_OK or TN_ERR_NUMERIC. */
int scal_eigh_root(tn_scalapack *s, int m, double complex *g, double *w);

/* On the root: tells the serving ranks that the window step is over. */
int scal_step_done(tn_scalapack *s);

/* On every other rank: joins the root's eigensolves until its step is done. */
int scal_serve(tn_scalapack *s, int root);

/* Eigensolves run so far on the grid. */
long scal_solves(const tn_scalapack *s);

/* The ranks of the grid (its group's size). */
int scal_ranks(const tn_scalapack *s);

#endif
