/* resume.c - a run's checkpoints: identity, positions and payloads
 * (resume.h); the file itself is checkpoint.c's. */
#include "resume.h"

#include <math.h>
#include <mpi.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checkpoint.h"
#include "error.h"
#include "gates.h"

static MPI_Comm world_of(const run_options *opt) { return opt->grp ? opt->grp->world : MPI_COMM_SELF; }

static int world_rank(const run_options *opt)
{
    int r = 0;
    MPI_Comm_rank(world_of(opt), &r);
    return r;
}

/* Every field of every operation that changes what the circuit does. */
static unsigned long long circuit_hash(const circuit *c)
{
    unsigned long long h = CHECKPOINT_FNV_START;
    h = checkpoint_fnv(h, &c->nqubits, sizeof c->nqubits);
    h = checkpoint_fnv(h, &c->nclbits, sizeof c->nclbits);
    for (size_t i = 0; i < c->nops; i++) {
        const circ_op *op = &c->ops[i];
        h = checkpoint_fnv(h, &op->kind, sizeof op->kind);
        h = checkpoint_fnv(h, &op->gate, sizeof op->gate);
        h = checkpoint_fnv(h, &op->nqubits, sizeof op->nqubits);
        h = checkpoint_fnv(h, op->qubits, (size_t)op->nqubits * sizeof(int));
        h = checkpoint_fnv(h, op->params, sizeof op->params);
        h = checkpoint_fnv(h, &op->clbit, sizeof op->clbit);
        h = checkpoint_fnv(h, &op->cond_reg, sizeof op->cond_reg);
        h = checkpoint_fnv(h, &op->cond_bit, sizeof op->cond_bit);
        h = checkpoint_fnv(h, &op->cond_negated, sizeof op->cond_negated);
        if (op->matrix) {
            size_t d = (size_t)1 << op->nqubits;
            h = checkpoint_fnv(h, op->matrix, d * d * sizeof *op->matrix);
        }
    }
    h = checkpoint_fnv(h, c->cond_words, c->ncond_words * sizeof *c->cond_words);
    return h;
}

json_t *resume_identity(const circuit *c, const run_options *opt, const run_result *res, const char *kind)
{
    char hash[32], seed[32];
    snprintf(hash, sizeof hash, "%016llx", circuit_hash(c));
    snprintf(seed, sizeof seed, "%llu", (unsigned long long)opt->seed);
    uint16_t probe = 1;
    json_t *id = json_pack("{s:s, s:s, s:s, s:i, s:i, s:f, s:s, s:I, s:b}", "kind", kind, "byte_order",
                           *(uint8_t *)&probe ? "little" : "big", "circuit_hash", hash, "qubits", c->nqubits, "chi",
                           opt->trunc.max_chi, "cutoff", opt->trunc.cutoff, "seed", seed, "shots",
                           (json_int_t)res->shots, "probabilities", opt->probabilities != 0);
    json_t *order = json_array();
    for (int q = 0; q < c->nqubits; q++) json_array_append_new(order, json_integer(res->site_of[q]));
    json_object_set_new(id, "qubit_order", order);
    if (res->noisy) {
        json_t *obs = json_array();
        for (int k = 0; k < opt->nobservables; k++) json_array_append_new(obs, json_string(opt->observables[k]));
        json_object_set_new(id, "observables", obs);
        json_object_set_new(id, "noise_model", json_string(opt->noise->source));
        json_object_set_new(id, "noise_scale", json_real(opt->noise->scale));
        if (opt->noise->t2_kind != NOISE_T2_DEFAULT)   /* Origin: which T2 (--t2); older checkpoints had the Ramsey T2 */
            json_object_set_new(id, "t2", json_string(noise_t2_name(opt->noise->t2_kind)));
        json_object_set_new(id, "trajectories", json_integer(res->trajectories));
        json_object_set_new(id, "dephasing_1f", json_pack("[f,f]", opt->noisy.dephasing_amp, opt->noisy.dephasing_alpha));
        json_object_set_new(id, "allow", json_pack("[b,b]", opt->noisy.allow_faulty, opt->noisy.allow_uncalibrated));
    }
    return id;
}

/* World rank 0's status reaches every rank (it alone wrote or read). */
static int share_status(const run_options *opt, int status)
{
    int s = status;
    MPI_Bcast(&s, 1, MPI_INT, 0, world_of(opt));
    if (s == status) return status;
    return tn_fail(s, "the checkpoint failed on rank 0");
}

/* Sends a byte buffer from world rank 0 to every rank (allocated there). */
static int share_bytes(const run_options *opt, char **buf, size_t *len)
{
    MPI_Comm w = world_of(opt);
    unsigned long long n = *len;
    MPI_Bcast(&n, 1, MPI_UNSIGNED_LONG_LONG, 0, w);
    if (world_rank(opt) != 0 && !(*buf = tn_malloc((size_t)n + 1))) return TN_ERR_MEMORY;
    *len = (size_t)n;
    for (size_t done = 0; done < *len;) {
        int chunk = *len - done > (1u << 30) ? (1 << 30) : (int)(*len - done);
        MPI_Bcast(*buf + done, chunk, MPI_BYTE, 0, w);
        done += (size_t)chunk;
    }
    return TN_OK;
}

int resume_save_gates(mps *m, const run_options *opt, json_t *identity, const size_t *done, size_t ndone)
{
    char *buf = NULL;
    size_t len = 0;
    CALL(mps_save(m, &buf, &len));
    int status = TN_OK;
    if (world_rank(opt) == 0) {
        json_t *list = json_array();
        for (size_t i = 0; i < ndone; i++) json_array_append_new(list, json_integer((json_int_t)done[i]));
        json_t *pos = json_pack("{s:s, s:I, s:o}", "kind", "gates", "applied", (json_int_t)ndone, "done", list);
        status = checkpoint_write(&opt->checkpoint, identity, pos, buf, len);
        json_decref(pos);
    }
    free(buf);
    return share_status(opt, status);
}

int resume_gate_list(const char *name, json_t *position, size_t *done, size_t max_done, size_t *ndone)
{
    json_t *list = json_object_get(position, "done");
    *ndone = 0;
    if (!json_is_array(list)) return tn_fail(TN_ERR_INPUT, "%s: the checkpoint holds no gate list", name);
    size_t count = json_array_size(list);
    if (count > max_done)
        return tn_fail(TN_ERR_INPUT, "%s: the checkpoint lists %zu gates done, the circuit has %zu", name, count,
                       max_done);
    for (size_t i = 0; i < count; i++) {
        json_t *gate = json_array_get(list, i);
        if (!json_is_integer(gate) || json_integer_value(gate) < 0 || (size_t)json_integer_value(gate) >= max_done)
            return tn_fail(TN_ERR_INPUT, "%s: the checkpoint's gate list holds %s, not a gate of the circuit", name,
                           json_is_integer(gate) ? "an index out of range" : "a non-index");
        done[i] = (size_t)json_integer_value(gate);
    }
    *ndone = count;
    return TN_OK;
}

int resume_load_gates(mps *m, const run_options *opt, json_t *identity, schedule *sch, size_t *done, size_t max_done,
                      size_t *ndone)
{
    json_t *pos = NULL;
    char *buf = NULL;
    size_t len = 0;
    int status = TN_OK;
    unsigned long long count = 0;
    if (world_rank(opt) == 0) {
        status = checkpoint_read(opt->checkpoint.resume, identity, &pos, &buf, &len);
        size_t listed = 0;
        if (status == TN_OK) status = resume_gate_list(opt->checkpoint.resume, pos, done, max_done, &listed);
        count = listed;
    }
    json_decref(pos);
    status = share_status(opt, status);
    if (status == TN_OK) {
        MPI_Bcast(&count, 1, MPI_UNSIGNED_LONG_LONG, 0, world_of(opt));
        MPI_Bcast(done, (int)count * (int)sizeof(size_t), MPI_BYTE, 0, world_of(opt));
        status = share_bytes(opt, &buf, &len);
    }
    if (status == TN_OK) status = mps_restore(m, buf, len);
    free(buf);
    for (size_t i = 0; i < count && status == TN_OK; i++) status = schedule_take(sch, done[i]);
    *ndone = (size_t)count;
    return status;
}

/* ---- trajectories ---------------------------------------------------------- */

/* The sums one group adds up, in a flat vector of doubles. */
static size_t sums_size(const run_options *opt, const run_result *res)
{
    return 2 * (size_t)opt->nobservables + 6 + res->nprobs;
}

static void pack_sums(const run_options *opt, const run_result *res, double *v)
{
    int k = opt->nobservables;
    memcpy(v, res->expect_sum, (size_t)k * sizeof *v);
    memcpy(v + k, res->expect_sum2, (size_t)k * sizeof *v);
    double *t = v + 2 * k;
    t[0] = res->fidelity_sum;
    t[1] = res->log_fidelity_sum;
    t[2] = res->discarded_sum;
    t[3] = (double)res->decompositions;
    t[4] = res->rebalances;
    t[5] = (double)res->shots_here;
    if (res->nprobs) memcpy(t + 6, res->probs, res->nprobs * sizeof *v);
}

static void unpack_sums(const run_options *opt, run_result *res, const double *v)
{
    int k = opt->nobservables;
    memcpy(res->expect_sum, v, (size_t)k * sizeof *v);
    memcpy(res->expect_sum2, v + k, (size_t)k * sizeof *v);
    const double *t = v + 2 * k;
    res->fidelity_sum = t[0];
    res->log_fidelity_sum = t[1];
    res->discarded_sum = t[2];
    res->decompositions = (size_t)t[3];
    res->rebalances = (int)t[4];
    res->shots_here = (long)t[5];
    if (res->nprobs) memcpy(res->probs, t + 6, res->nprobs * sizeof *v);
}

/* World rank 0's copy of every leader's tally added up (others: NULL).
 * Collective over the world. */
static int merged_tally(const run_options *opt, run_result *res, tally **out)
{
    *out = NULL;
    int status = world_rank(opt) == 0 ? tally_copy(res->tally, out) : TN_OK;
    status = share_status(opt, status);
    if (status) return status;
    tally *send = world_rank(opt) == 0 ? *out : res->tally;
    status = share_status(opt, tally_merge_to_root(send, res->key_bits, res->noisy, world_of(opt)));
    if (status) tally_destroy(out);
    return status;
}

int resume_save_trajectories(const run_options *opt, json_t *identity, run_result *res, long next_round, int n)
{
    MPI_Comm w = world_of(opt);
    int size = 1, rank = world_rank(opt), groups = opt->grp ? opt->grp->ngroups : 1;
    MPI_Comm_size(w, &size);
    size_t per = sums_size(opt, res);
    /* each rank sends (is leader, group, sums); rank 0 keeps the leaders' rows by group */
    double *mine = tn_calloc(per + 2, sizeof *mine), *all = rank == 0 ? tn_calloc((size_t)size * (per + 2), sizeof *all) : NULL;
    int *dims = tn_calloc((size_t)n + 1, sizeof *dims);
    int status = mine && dims && (rank != 0 || all) ? TN_OK : TN_ERR_MEMORY;
    status = share_status(opt, status);   /* a failed allocation on rank 0 stops everyone before the gathers */
    tally *counts = NULL;
    if (status == TN_OK) status = merged_tally(opt, res, &counts);
    if (status) { free(mine); free(all); free(dims); return status; }
    mine[0] = res->leader;
    mine[1] = opt->grp ? opt->grp->group : 0;
    pack_sums(opt, res, mine + 2);
    MPI_Gather(mine, (int)(per + 2), MPI_DOUBLE, all, (int)(per + 2), MPI_DOUBLE, 0, w);
    MPI_Reduce(res->bond_dims, dims, n > 1 ? n - 1 : 1, MPI_INT, MPI_MAX, 0, w);
    if (rank == 0) {
        /* payload: groups x sums, then bond dimensions, then the merged counts */
        size_t fixed = (size_t)groups * per * sizeof(double) + (size_t)n * sizeof(int);
        size_t bytes = fixed + tally_bytes(counts);
        char *buf = tn_malloc(bytes + 1);
        if (!buf) status = TN_ERR_MEMORY;
        for (int r = 0; r < size && buf; r++) {
            const double *row = all + (size_t)r * (per + 2);
            if (row[0] != 0) memcpy(buf + (size_t)row[1] * per * sizeof(double), row + 2, per * sizeof(double));
        }
        if (buf) {
            memcpy(buf + (size_t)groups * per * sizeof(double), dims, (size_t)n * sizeof(int));
            tally_write(counts, buf + fixed);
            json_t *pos = json_pack("{s:s, s:I, s:i, s:I}", "kind", "trajectories", "next_round", (json_int_t)next_round,
                                    "groups", groups, "outcomes", (json_int_t)tally_size(counts));
            status = checkpoint_write(&opt->checkpoint, identity, pos, buf, bytes);
            json_decref(pos);
        }
        free(buf);
    }
    tally_destroy(&counts);
    free(mine); free(all); free(dims);
    return share_status(opt, status);
}

int resume_load_trajectories(const run_options *opt, json_t *identity, run_result *res, long *next_round, int n)
{
    int groups = opt->grp ? opt->grp->ngroups : 1, group = opt->grp ? opt->grp->group : 0;
    size_t per = sums_size(opt, res);
    size_t fixed = (size_t)groups * per * sizeof(double) + (size_t)n * sizeof(int);
    json_t *pos = NULL;
    char *buf = NULL;
    size_t len = 0;
    long long round = 0;
    int status = TN_OK;
    if (world_rank(opt) == 0) {
        status = checkpoint_read(opt->checkpoint.resume, identity, &pos, &buf, &len);
        json_t *g = json_object_get(pos, "groups"), *r = json_object_get(pos, "next_round");
        if (status == TN_OK && (!json_is_integer(g) || !json_is_integer(r)))
            status = tn_fail(TN_ERR_INPUT, "%s: the checkpoint holds no trajectory position", opt->checkpoint.resume);
        else if (status == TN_OK && json_integer_value(g) != groups)
            status = tn_fail(TN_ERR_USAGE, "option --resume: the checkpoint was written by %d group(s); resume with "
                             "--groups %d (trajectory sums are added per group)", (int)json_integer_value(g),
                             (int)json_integer_value(g));
        else if (status == TN_OK && len < fixed)
            status = tn_fail(TN_ERR_INPUT, "%s: the checkpoint payload has %zu bytes, this run expects at least %zu",
                             opt->checkpoint.resume, len, fixed);
        if (status == TN_OK) round = json_integer_value(r);
        long long rounds = (res->trajectories + groups - 1) / groups;
        if (status == TN_OK && (round < 0 || round > rounds))
            status = tn_fail(TN_ERR_INPUT, "%s: the checkpoint's next round %lld is not in [0, %lld]",
                             opt->checkpoint.resume, round, rounds);
    }
    json_decref(pos);
    status = share_status(opt, status);
    if (status == TN_OK) status = share_bytes(opt, &buf, &len);
    if (status == TN_OK) {
        MPI_Bcast(&round, 1, MPI_LONG_LONG, 0, world_of(opt));
        *next_round = (long)round;
        if (res->leader) unpack_sums(opt, res, (const double *)(buf + (size_t)group * per * sizeof(double)));
        const int *dims = (const int *)(buf + (size_t)groups * per * sizeof(double));
        memcpy(res->bond_dims, dims, (size_t)(n > 1 ? n - 1 : 0) * sizeof(int));
        /* the merged counts go to the first leader: the groups' counts are added at the end */
        if (res->leader && group == 0) status = tally_read(res->tally, buf + fixed, len - fixed, opt->checkpoint.resume);
        status = share_status(opt, status);   /* a bad tally on one rank stops every rank here */
    }
    free(buf);
    return status;
}
