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
 * every solve and its members serve for the whole run. A team also splits
 * whole Vidal windows on its grid (scal_window_begin): the leader's two
 * sites are spread over it, and theta, its Gram matrix, the eigensolve and
 * the new sites are formed there, so that no rank holds a window's theta
 * or Gram matrix whole (mpi/scal_window.c).
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

/* Vidal windows split on the grid so far (scal_window_begin, resolved). */
long scal_windows(const tn_scalapack *s);

/* Of those, the windows one Gram pass could not resolve, split by the
 * grid's SVD (pzgesvd) instead; and the windows the grid handed back to
 * the leader (the SVD failed too). */
long scal_windows_svd(const tn_scalapack *s);
long scal_windows_returned(const tn_scalapack *s);

/* A two-site Vidal window on the root: the sites as the engine holds them,
 * left (chil, 2, chi) and right (chi, 2, chir), column-major; the gate 4 x 4,
 * row-major, the left site as bit 0 of its index; the Schmidt values of the
 * window's left bond; the truncation (tensor/tsvd.h's tsvd_trunc); the
 * most directions the caller has room for (more: not resolved). */
typedef struct {
    int chil, chi, chir;
    const double complex *left, *right, *gate;
    const double *lambda;
    int max_rank, max_keep;
    double cutoff;
} scal_window;

/* What the first phase decided: resolved 0 means neither one distributed
 * Gram matrix nor the grid's SVD (where the Gram matrix cannot resolve the
 * directions truncation keeps) gave a split: nothing changed and the caller
 * splits the window itself.
 * Else rank k, the relative discarded weight of theta (weighted by lambda,
 * the gate applied), and on the root the k singular values, descending, up
 * to a common factor (valid until the next window). */
typedef struct {
    int resolved, rank;
    double discarded;
    const double *values;
} scal_window_split;

/* On the root: announces the window, spreads its sites over the grid and
 * decides the split (tsvd.h's Gram path, one pass). When resolved, the root
 * must call scal_window_finish next (the grid holds the window until then). */
int scal_window_begin(tn_scalapack *s, const scal_window *w, scal_window_split *out);

/* On the root: brings the split back: right (k x 2 chir, the new right
 * site V_k^dagger) and left (2 chil x k: theta unweighted times V_k, not yet
 * normalised), k columns in the order of the values. */
int scal_window_finish(tn_scalapack *s, double complex *right, double complex *left);

/* The ranks of the grid (its group's size). */
int scal_ranks(const tn_scalapack *s);

#endif
