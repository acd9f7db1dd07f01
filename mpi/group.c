/* group.c - task groups and abortable point-to-point messages (see group.h). */
#include "group.h"

#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "run.h"

#define NOTE_BYTES 1024   /* status (int) + message */

int group_create(MPI_Comm world, int ngroups, tn_group **out)
{
    *out = NULL;
    int wr, ws;
    MPI_Comm_rank(world, &wr);
    MPI_Comm_size(world, &ws);
    if (ngroups < 1 || ngroups > ws)
        return tn_fail(TN_ERR_USAGE, "option --groups: %d is out of range [1, %d] for %d rank%s", ngroups, ws,
                       ws, ws > 1 ? "s" : "");
    tn_group *g = tn_calloc(1, sizeof *g);
    if (!g) return TN_ERR_MEMORY;
    g->world = world;
    g->world_rank = wr;
    g->world_size = ws;
    g->ngroups = ngroups;
    g->group = (int)(((long)wr * ngroups) / ws);
    MPI_Comm_split(world, g->group, wr, &g->comm);
    MPI_Comm_rank(g->comm, &g->rank);
    MPI_Comm_size(g->comm, &g->size);
    *out = g;
    return TN_OK;
}

/* A group of world with no communicator yet: the caller splits one. */
static tn_group *group_new(MPI_Comm world, int group, int ngroups)
{
    tn_group *g = tn_calloc(1, sizeof *g);
    if (!g) return NULL;
    g->world = world;
    MPI_Comm_rank(world, &g->world_rank);
    MPI_Comm_size(world, &g->world_size);
    g->group = group;
    g->ngroups = ngroups;
    g->comm = MPI_COMM_NULL;
    return g;
}

int group_create_teams(MPI_Comm world, int ngroups, int team_size, tn_group **grp, tn_group **team)
{
    *grp = NULL;
    *team = NULL;
    int wr, ws;
    MPI_Comm_rank(world, &wr);
    MPI_Comm_size(world, &ws);
    if (team_size < 1 || ws % team_size)
        return tn_fail(TN_ERR_USAGE, "option --team-size: %d does not divide the %d rank%s (valid: a divisor of %d)",
                       team_size, ws, ws > 1 ? "s" : "", ws);
    if (team_size == 1) return group_create(world, ngroups, grp);
    int teams = ws / team_size;
    if (ngroups < 1 || ngroups > teams)
        return tn_fail(TN_ERR_USAGE, "option --groups: %d is out of range [1, %d] for %d team%s of %d ranks", ngroups,
                       teams, teams, teams > 1 ? "s" : "", team_size);
    int t = wr / team_size, leader = wr % team_size == 0;
    int group = (int)(((long)t * ngroups) / teams);   /* the leaders' groups, as group_create splits ranks */
    /* both splits are collective over world: every rank makes them, whatever else fails */
    MPI_Comm team_comm, lead_comm;
    MPI_Comm_split(world, t, wr, &team_comm);
    MPI_Comm_split(world, leader ? group : MPI_UNDEFINED, wr, &lead_comm);
    tn_group *tm = group_new(world, group, ngroups), *g = leader ? group_new(world, group, ngroups) : NULL;
    if (!tm || (leader && !g)) {
        MPI_Comm_free(&team_comm);
        if (lead_comm != MPI_COMM_NULL) MPI_Comm_free(&lead_comm);
        free(tm);
        free(g);
        return TN_ERR_MEMORY;
    }
    tm->comm = team_comm;
    MPI_Comm_rank(team_comm, &tm->rank);
    MPI_Comm_size(team_comm, &tm->size);
    if (g) {
        g->comm = lead_comm;
        MPI_Comm_rank(lead_comm, &g->rank);
        MPI_Comm_size(lead_comm, &g->size);
    }
    *grp = g;
    *team = tm;
    return TN_OK;
}

void group_destroy(tn_group **g)
{
    if (!g || !*g) return;
    if ((*g)->comm != MPI_COMM_NULL) MPI_Comm_free(&(*g)->comm);
    free(*g);
    *g = NULL;
}

/* Receives an abort note if one is waiting; returns its status, else TN_OK. */
static int check_abort(tn_group *g)
{
    int flag;
    MPI_Status st;
    MPI_Iprobe(MPI_ANY_SOURCE, GROUP_TAG_ABORT, g->world, &flag, &st);
    if (!flag) return TN_OK;
    char note[NOTE_BYTES];
    MPI_Recv(note, NOTE_BYTES, MPI_BYTE, st.MPI_SOURCE, GROUP_TAG_ABORT, g->world, MPI_STATUS_IGNORE);
    int status;
    memcpy(&status, note, sizeof status);
    g->aborted = 1;
    return tn_fail(status ? status : TN_ERR_INTERNAL, "%s", note + sizeof status);
}

/* Waits for req, polling for abort notes; on one, the request is cancelled
 * and the note's status returned. */
static int wait_abortable(tn_group *g, MPI_Request *req)
{
    int done = 0;
    while (!done) {
        MPI_Test(req, &done, MPI_STATUS_IGNORE);
        if (done) break;
        int status = check_abort(g);
        if (status != TN_OK) {
            MPI_Cancel(req);
            MPI_Request_free(req);
            return status;
        }
    }
    return TN_OK;
}

int group_send(tn_group *g, int dest, int tag, const void *buf, size_t bytes)
{
    const char *p = buf;
    double t0 = run_now();
    while (bytes > 0) {   /* MPI counts are int: send in pieces of at most 1 GiB */
        int chunk = bytes > (1u << 30) ? (1 << 30) : (int)bytes;
        MPI_Request req;   /* a peer that failed never receives: the wait must be abortable too */
        MPI_Isend(p, chunk, MPI_BYTE, dest, tag, g->comm, &req);
        int status = wait_abortable(g, &req);
        if (status) { g->t_wait += run_now() - t0; return status; }
        p += chunk;
        bytes -= (size_t)chunk;
        g->bytes_sent += (size_t)chunk;
    }
    g->t_wait += run_now() - t0;
    return TN_OK;
}

int group_recv(tn_group *g, int src, int tag, void *buf, size_t bytes)
{
    char *p = buf;
    double t0 = run_now();
    while (bytes > 0) {
        int chunk = bytes > (1u << 30) ? (1 << 30) : (int)bytes;
        MPI_Request req;
        MPI_Irecv(p, chunk, MPI_BYTE, src, tag, g->comm, &req);
        int status = wait_abortable(g, &req);
        if (status) { g->t_wait += run_now() - t0; return status; }
        p += chunk;
        bytes -= (size_t)chunk;
        g->bytes_received += (size_t)chunk;
    }
    g->t_wait += run_now() - t0;
    return TN_OK;
}

/* Makes room for need more requests. */
static int posts_reserve(group_posts *p, size_t need)
{
    if ((size_t)(p->cap - p->count) >= need) return TN_OK;
    size_t cap = p->cap ? 2 * (size_t)p->cap : 16;
    while (cap - (size_t)p->count < need) cap *= 2;
    if (cap > (1u << 30)) return tn_fail(TN_ERR_MEMORY, "out of memory: pending messages");
    MPI_Request *req = realloc(p->req, cap * sizeof *req);
    if (!req) return tn_fail(TN_ERR_MEMORY, "out of memory: pending messages");
    p->req = req;
    void **owned = realloc(p->owned, cap * sizeof *owned);
    if (!owned) return tn_fail(TN_ERR_MEMORY, "out of memory: pending messages");
    p->owned = owned;
    size_t *ob = realloc(p->owned_bytes, cap * sizeof *ob);
    if (!ob) return tn_fail(TN_ERR_MEMORY, "out of memory: pending messages");
    p->owned_bytes = ob;
    p->cap = (int)cap;
    return TN_OK;
}

int group_post(tn_group *g, group_posts *p, int dest, int tag, const void *buf, size_t bytes, void *owned,
               size_t owned_bytes)
{
    const char *c = buf;
    size_t chunks = bytes ? (bytes + (1u << 30) - 1) / (1u << 30) : 1;
    CALL(posts_reserve(p, chunks));   /* room for every piece first: all or nothing */
    do {
        int piece = bytes > (1u << 30) ? (1 << 30) : (int)bytes;
        MPI_Isend(c, piece, MPI_BYTE, dest, tag, g->comm, &p->req[p->count]);
        c += piece;
        bytes -= (size_t)piece;
        g->bytes_sent += (size_t)piece;
        p->owned[p->count] = bytes == 0 ? owned : NULL;   /* the last piece frees it */
        p->owned_bytes[p->count] = bytes == 0 ? owned_bytes : 0;
        p->count++;
    } while (bytes > 0);
    return TN_OK;
}

void group_posts_progress(group_posts *p, size_t *freed)
{
    int k = 0;   /* keeps the pending ones, in order */
    for (int i = 0; i < p->count; i++) {
        int done;
        MPI_Test(&p->req[i], &done, MPI_STATUS_IGNORE);
        if (done) {
            free(p->owned[i]);
            *freed += p->owned_bytes[i];
            continue;
        }
        p->req[k] = p->req[i];
        p->owned[k] = p->owned[i];
        p->owned_bytes[k] = p->owned_bytes[i];
        k++;
    }
    p->count = k;
}

int group_posts_wait(tn_group *g, group_posts *p, size_t *freed)
{
    double t0 = run_now();
    for (int i = 0; i < p->count; i++) {
        int status = wait_abortable(g, &p->req[i]);
        if (status) {   /* this request was cancelled and freed; the rest go too */
            p->req[i] = MPI_REQUEST_NULL;
            g->t_wait += run_now() - t0;
            return status;
        }
        free(p->owned[i]);
        p->owned[i] = NULL;
        *freed += p->owned_bytes[i];
        p->owned_bytes[i] = 0;
    }
    p->count = 0;
    g->t_wait += run_now() - t0;
    return TN_OK;
}

void group_posts_abandon(group_posts *p)
{
    for (int i = 0; i < p->count; i++)
        if (p->req[i] != MPI_REQUEST_NULL) MPI_Request_free(&p->req[i]);
    free(p->req);
    free(p->owned);
    free(p->owned_bytes);
    memset(p, 0, sizeof *p);
}

int group_tag_limit(const tn_group *g)
{
    int *ub = NULL, flag = 0;
    MPI_Comm_get_attr(g->comm, MPI_TAG_UB, &ub, &flag);
    return flag && ub ? *ub : 32767;
}

#define TAG_BCAST 9001
#define TAG_REDUCE 9002

int group_bcast(tn_group *g, int root, void *buf, size_t bytes)
{
    if (g->size == 1) return TN_OK;
    if (g->rank == root) {
        for (int r = 0; r < g->size; r++)
            if (r != root) CALL(group_send(g, r, TAG_BCAST, buf, bytes));
        return TN_OK;
    }
    return group_recv(g, root, TAG_BCAST, buf, bytes);
}

int group_allreduce(tn_group *g, double *values, int count, char op)
{
    if (g->size == 1) return TN_OK;
    size_t bytes = (size_t)count * sizeof(double);
    if (g->rank != 0) {
        CALL(group_send(g, 0, TAG_REDUCE, values, bytes));
        return group_recv(g, 0, TAG_REDUCE, values, bytes);
    }
    double *other = tn_malloc(bytes);
    if (!other) return group_fail(g, TN_ERR_MEMORY);
    for (int r = 1; r < g->size; r++) {   /* in rank order: the same rounding on any run */
        int status = group_recv(g, r, TAG_REDUCE, other, bytes);
        if (status) { free(other); return status; }
        for (int i = 0; i < count; i++) {
            if (op == '+') values[i] += other[i];
            else if (op == '*') values[i] *= other[i];
            else if (other[i] > values[i]) values[i] = other[i];
        }
    }
    free(other);
    for (int r = 1; r < g->size; r++) CALL(group_send(g, r, TAG_REDUCE, values, bytes));
    return TN_OK;
}

int group_allreduce_exact(tn_group *g, tn_exact *values, int count)
{
    if (g->size == 1) return TN_OK;
    size_t bytes = (size_t)count * sizeof(tn_exact);
    if (g->rank != 0) {
        CALL(group_send(g, 0, TAG_REDUCE, values, bytes));
        return group_recv(g, 0, TAG_REDUCE, values, bytes);
    }
    tn_exact *other = tn_malloc(bytes);
    if (!other) return group_fail(g, TN_ERR_MEMORY);
    for (int r = 1; r < g->size; r++) {
        int status = group_recv(g, r, TAG_REDUCE, other, bytes);
        if (status) { free(other); return status; }
        for (int i = 0; i < count; i++) tn_exact_merge(&values[i], other[i]);
    }
    free(other);
    for (int r = 1; r < g->size; r++) CALL(group_send(g, r, TAG_REDUCE, values, bytes));
    return TN_OK;
}

int group_fail(tn_group *g, int status)
{
    if (!g || g->aborted || g->world_size == 1) return status;
    g->aborted = 1;
    char note[NOTE_BYTES];
    memset(note, 0, sizeof note);
    memcpy(note, &status, sizeof status);
    strncpy(note + sizeof status, tn_last_message(), NOTE_BYTES - sizeof status - 1);
    for (int r = 0; r < g->world_size; r++) {
        if (r == g->world_rank) continue;
        MPI_Request req;   /* small notes go eagerly; never wait on a peer that may be gone */
        MPI_Isend(note, NOTE_BYTES, MPI_BYTE, r, GROUP_TAG_ABORT, g->world, &req);
        MPI_Request_free(&req);
    }
    return status;
}

int group_agree(MPI_Comm world, int status)
{
    int wr, ws;
    MPI_Comm_rank(world, &wr);
    MPI_Comm_size(world, &ws);
    if (ws == 1) return status;
    /* the failing rank of lowest index speaks for everyone */
    int mine = status != TN_OK ? wr : ws, first;
    MPI_Allreduce(&mine, &first, 1, MPI_INT, MPI_MIN, world);
    if (first == ws) return TN_OK;
    char note[NOTE_BYTES];
    memset(note, 0, sizeof note);
    if (wr == first) {
        memcpy(note, &status, sizeof status);
        strncpy(note + sizeof status, tn_last_message(), NOTE_BYTES - sizeof status - 1);
    }
    MPI_Bcast(note, NOTE_BYTES, MPI_BYTE, first, world);
    int agreed;
    memcpy(&agreed, note, sizeof agreed);
    tn_fail(agreed, "%s", note + sizeof agreed);
    /* drop abort notes still in flight, so finalize finds no unmatched message */
    int flag = 1;
    while (flag) {
        MPI_Status st;
        MPI_Iprobe(MPI_ANY_SOURCE, GROUP_TAG_ABORT, world, &flag, &st);
        if (flag) MPI_Recv(note, NOTE_BYTES, MPI_BYTE, st.MPI_SOURCE, GROUP_TAG_ABORT, world, MPI_STATUS_IGNORE);
    }
    return agreed;
}
