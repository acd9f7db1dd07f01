/* group.h - task groups and the abortable point-to-point layer under them.
 *
 * The world communicator a run is given is split into G groups of contiguous
 * ranks; a group holds one state (its ranks own segments of the chain) and
 * takes tasks (shots, trajectories, batch circuits) from a farm.
 * Every wait inside a group polls for an abort note: a rank that fails sends
 * one note (its one-line message) to every rank of the world and returns; a
 * rank waiting on it receives the note and fails with the same message,
 * so a failure on one rank is a clean failure on all, never a hang.
 * Teams (group_create_teams): T contiguous ranks of which only the first,
 * the leader, belongs to a group and holds sites; the others join its
 * large eigensolves on the team's grid (mpi/scalapack.h).
 * Only group_agree() is a true collective, called once at the end of a
 * command by every world rank.
 * Not for: deciding what to compute (src/), arithmetic (tensor/). */
#ifndef TN_GROUP_H
#define TN_GROUP_H

#include <mpi.h>
#include <stddef.h>

#include "exact.h"

typedef struct {
    MPI_Comm world;            /* the job's communicator (never MPI_COMM_WORLD inside) */
    MPI_Comm comm;             /* this group */
    int world_rank, world_size;
    int rank, size;            /* within the group */
    int group, ngroups;
    double t_wait;             /* seconds spent waiting in receives */
    double t_compute_mark;
    size_t bytes_sent, bytes_received;
    int aborted;               /* an abort note was received or sent */
} tn_group;

/* Splits world into ngroups groups of contiguous ranks (1 <= ngroups <= size).
 * Collective over world. Returns TN_OK, TN_ERR_USAGE or TN_ERR_MEMORY. */
int group_create(MPI_Comm world, int ngroups, tn_group **out);

/* Splits world into teams of team_size contiguous ranks (team rank 0 is
 * the leader) and the leaders into ngroups groups of contiguous teams
 * (1 <= ngroups <= size / team_size). A leader gets its group in *grp and
 * its team in *team; another member gets *grp = NULL and its team. With
 * team_size 1, *team is NULL and *grp is group_create's. Every group's and
 * team's world is world, so an abort note reaches the members too.
 * Collective over world. Returns TN_OK, TN_ERR_USAGE (team_size does not
 * divide the ranks, ngroups out of range) or TN_ERR_MEMORY. */
int group_create_teams(MPI_Comm world, int ngroups, int team_size, tn_group **grp, tn_group **team);

/* Frees the group; accepts NULL and sets *g to NULL. */
void group_destroy(tn_group **g);

/* Sends bytes to group rank dest with tag (not collective). */
int group_send(tn_group *g, int dest, int tag, const void *buf, size_t bytes);

/* Receives exactly bytes from group rank src with tag, polling for abort
 * notes; returns the sender's failure status if one arrives. */
int group_recv(tn_group *g, int src, int tag, void *buf, size_t bytes);

/* Non-blocking sends posted by group_post (the lazy returns of src/mps.c):
 * each request, and the memory it owns until it completes. */
typedef struct {
    MPI_Request *req;
    void **owned;             /* per request: freed when it completes (NULL: nothing) */
    size_t *owned_bytes;
    int count, cap;
} group_posts;

/* Posts a send of bytes to group rank dest with tag and returns at once;
 * owned (may be NULL, else buf or memory behind it) is freed when the send
 * completes and its owned_bytes reported by the progress and wait calls.
 * The bytes count as sent now. Returns TN_OK or TN_ERR_MEMORY (nothing
 * posted, owned not freed). */
int group_post(tn_group *g, group_posts *p, int dest, int tag, const void *buf, size_t bytes, void *owned,
               size_t owned_bytes);

/* Frees the memory of the posted sends that have completed (never waits);
 * adds the bytes freed to *freed. */
void group_posts_progress(group_posts *p, size_t *freed);

/* Waits until every posted send has completed, polling for abort notes;
 * adds the bytes freed to *freed. Returns TN_OK or the abort's status. */
int group_posts_wait(tn_group *g, group_posts *p, size_t *freed);

/* After a failure: lets the pending sends go (their memory is not freed:
 * MPI may still read it) and empties p. */
void group_posts_abandon(group_posts *p);

/* The largest message tag this group accepts (MPI_TAG_UB). */
int group_tag_limit(const tn_group *g);

/* Sends buf from group rank root to every other group rank (abortable). */
int group_bcast(tn_group *g, int root, void *buf, size_t bytes);

/* Sums (op '+'), takes the max ('M') or the product ('*') of count doubles
 * over the group; every rank gets the result (abortable). */
int group_allreduce(tn_group *g, double *values, int count, char op);

/* Sums exact fixed-point totals (tensor/exact.h) over the group, the same bits
 * on every rank and for any partition of the terms. Collective over g. */
int group_allreduce_exact(tn_group *g, tn_exact *values, int count);

/* Records that this rank failed with status: sends the abort note with the
 * current error message to every world rank. Returns status. */
int group_fail(tn_group *g, int status);

/* Collective over the world: every rank passes its status; all return the
 * first failing status (lowest world rank), and world rank 0 gets that
 * rank's message recorded as the current error. */
int group_agree(MPI_Comm world, int status);

#define GROUP_TAG_ABORT 9999

#endif
