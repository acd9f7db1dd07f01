/* run.c - emulating one circuit on one process (see run.h). */
#include "run.h"

#include <ctype.h>
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "error.h"
#include "order.h"
#include "poll.h"
#include "progress.h"
#include "resume.h"
#include "rng.h"
#include "scalapack.h"
#include "schedule.h"
#include "trace.h"
#include "work.h"

#define DEFAULT_SHOTS 1024
#define DEFAULT_TRAJECTORIES 100

double run_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

int run_parse_observable(const char *spec, int nqubits, char *paulis)
{
    memset(paulis, 'I', (size_t)nqubits);
    const char *p = spec;
    int terms = 0;
    while (*p) {
        while (*p == ' ' || *p == '\t' || *p == '*') p++;
        if (!*p) break;
        char letter = (char)toupper((unsigned char)*p);
        const char *digits = p + 1;
        char *end;
        long q = strtol(digits, &end, 10);
        if ((letter != 'X' && letter != 'Y' && letter != 'Z' && letter != 'I') || end == digits ||
            !isdigit((unsigned char)*digits) || (*end && *end != ' ' && *end != '\t' && *end != '*'))
            return tn_fail(TN_ERR_USAGE,
                           "option --observable: '%s' is not a list of P<qubit> with P in X Y Z I", spec);
        if (q < 0 || q >= nqubits)
            return tn_fail(TN_ERR_USAGE, "option --observable: qubit %ld in '%s' is out of range [0, %d]",
                           q, spec, nqubits - 1);
        if (paulis[q] != 'I')
            return tn_fail(TN_ERR_USAGE, "option --observable: qubit %ld appears twice in '%s'", q, spec);
        paulis[q] = letter;
        terms++;
        p = end;
    }
    if (!terms) return tn_fail(TN_ERR_USAGE, "option --observable: '%s' names no Pauli", spec);
    return TN_OK;
}

int run_parse_bits(const char *spec, int nqubits, unsigned char *bits)
{
    size_t len = strlen(spec);
    if (len != (size_t)nqubits)
        return tn_fail(TN_ERR_USAGE, "option --amplitude: '%.40s%s' has %zu bits, the circuit has %d qubits",
                       spec, len > 40 ? "..." : "", len, nqubits);
    for (size_t i = 0; i < len; i++) {
        if (spec[i] != '0' && spec[i] != '1')
            return tn_fail(TN_ERR_USAGE, "option --amplitude: character %zu of the bitstring is '%c', not 0 or 1",
                           i + 1, spec[i]);
        bits[len - 1 - i] = (unsigned char)(spec[i] - '0');
    }
    return TN_OK;
}

void run_result_free(run_result *res)
{
    tn_mem_charge(-(long long)res->counts_charged);
    free(res->counts);
    free(res->count_keys);
    tally_destroy(&res->tally);
    free(res->amplitudes);
    free(res->expectation);
    free(res->expectation_stderr);
    free(res->bond_dims);
    free(res->site_of);
    free(res->expect_sum);
    free(res->expect_reports);
    free(res->expect_sum2);
    free(res->count_stderr);
    free(res->probs);
    memset(res, 0, sizeof *res);
}

/* ---- the two ways to run ------------------------------------------------ */

static int has_measure(const circuit *c)
{
    for (size_t i = 0; i < c->nops; i++)
        if (c->ops[i].kind == OP_MEASURE) return 1;
    return 0;
}

static void note_state(const mps *m, run_result *res)
{
    size_t bytes = mps_bytes(m);
    if (bytes > res->peak_state_bytes) res->peak_state_bytes = bytes;
    if (mps_swaps(m) > res->swaps) res->swaps = mps_swaps(m);   /* every state routes alike */
    if (mps_fused_swaps(m) > res->fused_swaps) res->fused_swaps = mps_fused_swaps(m);
    if (mps_layer_threads(m) > res->layer_threads) res->layer_threads = mps_layer_threads(m);
    if (mps_threaded_gates(m) > res->threaded_gates) res->threaded_gates = mps_threaded_gates(m);
    if (mps_lazy_lends(m) > res->lazy_lends) res->lazy_lends = mps_lazy_lends(m);
}

/* note_state after running the queued updates (mps_defer_flush), so that
 * what it reads is the state as it is; returns the flush's status. */
static int note_state_flushed(mps *m, run_result *res, int status)
{
    if (status == TN_OK) status = mps_defer_flush(m);
    note_state(m, res);
    return status;
}

static int group_index(const run_options *opt) { return opt->grp ? opt->grp->group : 0; }
static int group_count(const run_options *opt) { return opt->grp ? opt->grp->ngroups : 1; }

/* The qubit each key bit comes from (-1: a bit never measured). */
static int *bit_sources(const circuit *c, int width)
{
    int *src = tn_malloc((size_t)(width ? width : 1) * sizeof(int));
    if (!src) return NULL;
    int measured = has_measure(c);
    for (int j = 0; j < width; j++) src[j] = measured ? -1 : j;
    for (size_t i = 0; i < c->nops && measured; i++)
        if (c->ops[i].kind == OP_MEASURE) src[c->ops[i].clbit] = c->ops[i].qubits[0];
    return src;
}

/* ---- shots in chunks ------------------------------------------------------ */

/* Shots are drawn in chunks of a bounded size and counted as they come, so
 * memory grows with the distinct outcomes, never with the shots. A chunk is
 * a multiple of the sampler's batch of 1024 shots (mps_measure.c): chunks cut no
 * batch, and shot i draws from its own substream i as before. */
#define CHUNK_BYTES ((size_t)8 << 20)   /* sampled qubits per chunk, about */
#define CHUNK_ALIGN 1024

typedef struct {
    long size;                  /* shots per chunk */
    unsigned char *qbits;       /* size x n sampled qubits */
    unsigned char *row;         /* one shot's key bits */
    size_t charged;             /* bytes on the ledger */
} shot_chunks;

/* Buffers for chunks of at most `shots` shots of n qubits and width key bits. */
static int chunks_begin(shot_chunks *ch, int n, int width, long shots)
{
    memset(ch, 0, sizeof *ch);
    long size = (long)(CHUNK_BYTES / (size_t)n) / CHUNK_ALIGN * CHUNK_ALIGN;
    if (size < CHUNK_ALIGN) size = CHUNK_ALIGN;
    ch->size = shots < size ? (shots > 0 ? shots : 1) : size;
    size_t bytes = (size_t)ch->size * n + (size_t)width + 1;
    char what[96];
    snprintf(what, sizeof what, "a chunk of %ld sampled shots", ch->size);
    CALL(tn_mem_charge_for((long long)bytes, what));
    ch->charged = bytes;
    ch->qbits = tn_malloc((size_t)ch->size * n);
    ch->row = tn_calloc((size_t)width + 1, 1);
    return ch->qbits && ch->row ? TN_OK : TN_ERR_MEMORY;
}

static void chunks_end(shot_chunks *ch)
{
    tn_mem_charge(-(long long)ch->charged);
    free(ch->qbits);
    free(ch->row);
    memset(ch, 0, sizeof *ch);
}

/* The key bits of shot s of the chunk: bit j from qubit src[j] (0 if < 0). */
static unsigned char *chunk_row(const shot_chunks *ch, int n, long s, const int *src, int width)
{
    const unsigned char *q = ch->qbits + (size_t)s * n;
    for (int j = 0; j < width; j++) ch->row[j] = src[j] >= 0 ? q[src[j]] : 0;
    return ch->row;
}

/* Samples this group's range of shots, chunk by chunk, into res->tally,
 * polling for signals as it goes (poll.h): every rank runs the loop over the
 * largest group's share, so all of them poll equally often. */
static int sample_static(const circuit *c, const run_options *opt, run_result *res, poll_state *pl)
{
    int n = c->nqubits, width = res->key_bits;
    long g = group_index(opt), groups = group_count(opt);
    long first = res->shots * g / groups, count = res->shots * (g + 1) / groups - first;
    long most = (res->shots + groups - 1) / groups;
    int *src = bit_sources(c, width);
    shot_chunks ch;
    int status = src ? chunks_begin(&ch, n, width, most) : TN_ERR_MEMORY;
    if (status) {   /* the other ranks leave at their first poll */
        if (src) chunks_end(&ch);
        free(src);
        return poll_after_gates(pl, status, "sampling");
    }
    for (long done = 0; done < most && status == TN_OK; done += ch.size) {
        long k = count - done < ch.size ? count - done : ch.size, kmost = most - done < ch.size ? most - done : ch.size;
        if (k < 0) k = 0;
        status = poll_sample_range(pl, first + done, k, kmost, ch.qbits);
        for (long s = 0; s < k && status == TN_OK && res->leader; s++)
            status = tally_add(res->tally, chunk_row(&ch, n, s, src, width), 1);
    }
    res->shots_here = count;
    if (src) chunks_end(&ch);
    free(src);
    return status;
}

/* Applies the gates among ops [from, to) in the scheduler's order. */
/* A two-qubit gate on adjacent sites: it can join a layer run on threads. */
static int joins_layer(const circ_op *op, const mps *m)
{
    if (op->kind != OP_GATE || op->nqubits != 2) return 0;
    int d = mps_site_of(m, op->qubits[0]) - mps_site_of(m, op->qubits[1]);
    return d == 1 || d == -1;
}

/* Applies the gathered layer (one gate by itself as usual). */
static int flush_layer(mps *m, const circ_op **layer, int *count)
{
    int n = *count;
    *count = 0;
    if (n == 1) return mps_apply_op(m, layer[0]);
    return n ? mps_apply_layer(m, n, layer) : TN_OK;
}

static int apply_gates(const circuit *c, size_t from, size_t to, mps *m, const run_options *opt, run_result *res)
{
    schedule *sch;
    CALL(schedule_create(c, from, to, &sch));
    schedule_attach(sch, m);
    /* in Vidal form the two-qubit gates of a layer run on threads (in a group: each rank's own) */
    const circ_op **layer = tn_malloc((to - from + 1) * sizeof *layer);
    if (!layer) { schedule_destroy(&sch); return TN_ERR_MEMORY; }
    int nlayer = 0;
    /* In a group a layer's first multi-qubit gate goes by itself: it may
     * rebalance the segments, and the scheduler orders the rest of the layer
     * (boundary gates first) by the segments after it, as one by one. */
    int opening = 0;
    size_t i, done = 0;
    int rank = opt->grp ? opt->grp->world_rank : 0;
    int status = mps_lazy_begin(m);   /* lenders go on without waiting; mps_lazy_end below */
    /* a routed circuit's gates and swaps are queued and run on threads (one process) */
    if (status == TN_OK && !schedule_by_layers(sch)) status = mps_defer_begin(m);
    progress pr;
    progress_start_gates(&pr, rank, opt->progress_every, c, from, to, opt->trunc.max_chi,
                         from == 0 && to == c->nops ? "gates" : "prefix gates");
    while (status == TN_OK && schedule_next(sch, m, &i)) {
        const circ_op *op = &c->ops[i];
        if (schedule_new_layer(sch)) {
            status = flush_layer(m, layer, &nlayer);
            mps_layer_begins(m);
            opening = mps_ranks(m) > 1;
        }
        progress_gate(&pr, m, i);   /* its work at the bonds now (a layer's gates: when gathered) */
        if (status == TN_OK && schedule_by_layers(sch) && mps_layer_gathers(m) && joins_layer(op, m) && !opening) {
            layer[nlayer++] = op;
        } else if (status == TN_OK) {
            if (op->nqubits > 1 || !schedule_by_layers(sch)) status = flush_layer(m, layer, &nlayer);
            if (status == TN_OK) status = mps_apply_op(m, op);   /* a one-qubit gate of the layer: its own qubit */
        }
        if (op->nqubits > 1) opening = 0;
        progress_gate_done(&pr, m);
        if ((++done & 63) == 0) status = note_state_flushed(m, res, status);
        if (status == TN_OK && done == (to - from) / 2 && tn_inject("gate", rank))
            status = tn_fail(TN_ERR_NUMERIC, "numerical failure injected on rank %d halfway through the gates "
                             "(TNEMU_INJECT)", rank);
    }
    if (status == TN_OK) status = flush_layer(m, layer, &nlayer);
    if (status == TN_OK) status = mps_defer_end(m);
    else mps_defer_abandon(m);
    if (status == TN_OK) status = mps_lazy_end(m);
    free(layer);
    progress_end(&pr, m);
    schedule_destroy(&sch);
    note_state(m, res);
    return status;
}

/* ---- outcome probabilities (--probabilities) --------------------------- */

/* Adds the Born distribution of m over the key bits (bit j measured from
 * qubit src[j], or always 0 when src[j] < 0) times weight to res->probs. */
static int add_outcome_probs(mps *m, const int *src, int width, double weight, run_result *res)
{
    int *qubits = tn_malloc((size_t)(width ? width : 1) * sizeof(int));
    int *slot = tn_malloc((size_t)(width ? width : 1) * sizeof(int));
    if (!qubits || !slot) { free(qubits); free(slot); return TN_ERR_MEMORY; }
    int k = 0;
    for (int j = 0; j < width; j++) {   /* distinct qubits; two bits may read the same qubit */
        slot[j] = -1;
        if (src[j] < 0) continue;
        for (int i = 0; i < k && slot[j] < 0; i++) if (qubits[i] == src[j]) slot[j] = i;
        if (slot[j] < 0) { qubits[k] = src[j]; slot[j] = k++; }
    }
    double *p = tn_malloc(((size_t)1 << k) * sizeof *p);
    int status = p ? mps_outcome_probs(m, k, qubits, p) : TN_ERR_MEMORY;
    for (size_t b = 0; status == TN_OK && b < ((size_t)1 << k); b++) {
        size_t key = 0;
        for (int j = 0; j < width; j++) if (slot[j] >= 0 && (b >> slot[j] & 1)) key |= (size_t)1 << j;
        res->probs[key] += weight * p[b];
    }
    free(p);
    free(qubits);
    free(slot);
    return status;
}

static int static_outcome_probs(const circuit *c, mps *m, const run_options *opt, run_result *res)
{
    if (!opt->probabilities) return TN_OK;
    int *src = bit_sources(c, res->key_bits);
    int status = src ? add_outcome_probs(m, src, res->key_bits, 1.0, res) : TN_ERR_MEMORY;
    free(src);
    return status;
}

static MPI_Comm run_world(const run_options *opt) { return opt->grp ? opt->grp->world : MPI_COMM_SELF; }

/* Processes of the job on this node: the launcher's count; without one, the
 * ranks of this group on the node (a collective over the group alone, since
 * the groups of a job reach this point at different times), or every process
 * of the job when this group is one process (the safe guess). */
static int ranks_on_node(const run_options *opt, int world)
{
    const char *said[] = {getenv("OMPI_COMM_WORLD_LOCAL_SIZE"), getenv("MPI_LOCALNRANKS"), getenv("PMI_LOCAL_SIZE")};
    for (size_t i = 0; i < sizeof said / sizeof *said; i++)
        if (said[i] && atoi(said[i]) > 0) return atoi(said[i]);
    if (!opt->grp || opt->grp->size < 2) return world;
    MPI_Comm node;
    int count = 1;
    if (MPI_Comm_split_type(opt->grp->comm, MPI_COMM_TYPE_SHARED, 0, MPI_INFO_NULL, &node) != MPI_SUCCESS)
        return world;
    MPI_Comm_size(node, &count);
    MPI_Comm_free(&node);
    return count;
}

/* Threads for a layer's gates (in a group: for this rank's own gates of a
 * layer): OMP_NUM_THREADS when set; else every core this process may run
 * on when it is the only one, and with several MPI processes the node's
 * cores shared out among the processes on it (at most those it may run on:
 * a launcher that binds a rank to one core gets one thread). Collective over
 * the group. */
static int layer_threads(const run_options *opt)
{
    int world = 1;
    MPI_Comm_size(run_world(opt), &world);
    int here = world > 1 ? ranks_on_node(opt, world) : 1;   /* on every rank: it may be a collective */
    if (getenv("OMP_NUM_THREADS") || world == 1) return omp_get_max_threads();
    long online = sysconf(_SC_NPROCESSORS_ONLN);
    int mask = omp_get_num_procs(), share = online > 0 && here > 0 ? (int)(online / here) : 1;
    if (share > mask) share = mask;
    return share > 1 ? share : 1;
}

/* The gates of a static run with checkpoints: the order applied is recorded
 * (into pl, for the polls of the later phases), a checkpoint is due-checked
 * every CHECKPOINT_STRIDE gates, and a resumed run first replays the
 * recorded order into the scheduler. */
#define CHECKPOINT_STRIDE 8
static int apply_gates_checkpointed(const circuit *c, mps *m, const run_options *opt, run_result *res,
                                    poll_state *pl)
{
    schedule *sch;
    CALL(schedule_create(c, 0, c->nops, &sch));
    schedule_attach(sch, m);
    size_t *done = pl->applied = tn_malloc((c->nops + 1) * sizeof *done), ndone = 0, i;
    json_t *id = pl->identity = resume_identity(c, opt, res, "gates");
    int status = done && id ? TN_OK : TN_ERR_MEMORY;
    if (status == TN_OK && opt->checkpoint.resume) {
        status = resume_load_gates(m, opt, id, sch, done, c->nops, &ndone);
        res->resumed = status == TN_OK;
    }
    int any_failed = 0, rank = 0;
    size_t start = ndone;
    MPI_Comm_rank(run_world(opt), &rank);
    progress pr;
    progress_start_gates(&pr, rank, opt->progress_every, c, 0, c->nops, opt->trunc.max_chi, "gates");
    if (status == TN_OK) progress_gates_resumed(&pr, m, done, ndone);
    /* gates one by one in the recorded order, their updates queued and run as
     * tasks on the threads (one process; a checkpoint settles the queue) */
    if (status == TN_OK) status = mps_defer_begin(m);
    while (!any_failed && status == TN_OK && schedule_next(sch, m, &i)) {
        if (schedule_new_layer(sch)) mps_layer_begins(m);
        progress_gate(&pr, m, i);
        status = mps_apply_op(m, &c->ops[i]);
        done[ndone++] = i;
        progress_gate_done(&pr, m);
        if ((ndone & 63) == 0) status = note_state_flushed(m, res, status);
        if (ndone - start == (c->nops - start) / 2) poll_inject(opt, "");   /* halfway through this process's part */
        if (ndone % CHECKPOINT_STRIDE != 0 && status == TN_OK) continue;
        int stop = 0;
        if (checkpoint_due(&opt->checkpoint, run_world(opt), status != TN_OK, &stop, &any_failed)) {
            status = resume_save_gates(m, opt, id, done, ndone);
            res->checkpoints++;
            pl->saved = ndone == c->nops;
            if (status == TN_OK && stop)
                status = tn_fail(TN_STOPPED, "stopped by a signal after %zu of %zu gates; checkpoint written to %s "
                                 "(continue with --resume %s)", ndone, c->nops, opt->checkpoint.dir, opt->checkpoint.dir);
        }
        if (any_failed && status == TN_OK) status = tn_fail(TN_ERR_INTERNAL, "stopped: another rank failed");
    }
    if (status == TN_OK) status = mps_defer_end(m);
    else mps_defer_abandon(m);
    progress_end(&pr, m);
    schedule_destroy(&sch);
    pl->napplied = ndone;
    note_state(m, res);
    return status;
}

static int observe_static(const circuit *c, mps *m, const run_options *opt, run_result *res, poll_state *pl);

/* Gates, then sampling, outcome probabilities, expectation values and
 * amplitudes of the final state; the phases after the gates poll for a
 * signal through pl. */
static int run_static(const circuit *c, mps *m, const run_options *opt, run_result *res)
{
    poll_state pl = {c, m, opt, res, NULL, NULL, 0, 0};
    double t0 = run_now();
    int status = opt->checkpoint.dir || opt->checkpoint.resume ? apply_gates_checkpointed(c, m, opt, res, &pl)
                                                                : apply_gates(c, 0, c->nops, m, opt, res);
    res->t_gates = run_now() - t0;
    res->gate_bytes_sent = opt->grp ? opt->grp->bytes_sent : 0;
    t0 = run_now();
    if (status == TN_OK && res->shots > 0) status = sample_static(c, opt, res, &pl);
    if (status == TN_OK) status = static_outcome_probs(c, m, opt, res);
    res->t_sample = run_now() - t0;
    t0 = run_now();
    if (status == TN_OK) status = observe_static(c, m, opt, res, &pl);
    res->t_observe += run_now() - t0;
    poll_state_free(&pl);
    return status;
}

/* run_static, recording the gate trace when --trace asks for one. */
static int run_static_traced(const circuit *c, mps *m, const run_options *opt, run_result *res)
{
    if (!opt->trace_path) return run_static(c, m, opt, res);
    tn_trace *t;
    CALL(trace_create(opt->grp, &t));
    mps_set_trace(m, t);
    int status = run_static(c, m, opt, res);
    mps_set_trace(m, NULL);
    trace_info info = {c->source, c->nqubits, opt->trunc.max_chi, mps_layer_threads(m), mps_vidal_form(m),
                       opt->trunc.cutoff, opt->team_grid ? scal_ranks(opt->team_grid) : 1, opt->scalapack_min};
    if (status == TN_OK) status = trace_write(t, opt->trace_path, &info, res->t_gates, res->gate_bytes_sent);
    trace_destroy(&t);
    return status;
}

/* Index of the first operation that needs a shot of its own. */
static size_t first_dynamic_op(const circuit *c)
{
    for (size_t i = 0; i < c->nops; i++)
        if (c->ops[i].kind == OP_MEASURE || c->ops[i].kind == OP_RESET || c->ops[i].cond_reg >= 0) return i;
    return c->nops;
}

/* Runs operations from..end of one shot on m, with the shot's stream. */
static int run_shot_ops(const circuit *c, size_t from, mps *m, rng_stream *rng, unsigned char *clbits)
{
    for (size_t i = from; i < c->nops; i++) {
        const circ_op *op = &c->ops[i];
        if (op->cond_reg >= 0 && !circ_op_cond_holds(c, op, clbits)) continue;
        int bit;
        switch (op->kind) {
        case OP_GATE: CALL(mps_apply_op(m, op)); break;
        case OP_MEASURE:
            CALL(mps_measure(m, op->qubits[0], rng_uniform(rng), &bit));
            clbits[op->clbit] = (unsigned char)bit;
            break;
        case OP_RESET: CALL(mps_reset(m, op->qubits[0], rng_uniform(rng))); break;
        default: break;
        }
    }
    return TN_OK;
}

/* Expectation values of the observables on m into values (real parts). */
/* The expectation value of observable k on m (paulis: n + 1 chars of scratch). */
static int expect_one(mps *m, const run_options *opt, int n, int k, char *paulis, double *value)
{
    double complex v;
    CALL(run_parse_observable(opt->observables[k], n, paulis));
    CALL(mps_expect_pauli(m, paulis, &v));
    *value = creal(v);
    return TN_OK;
}

static int observe(mps *m, const run_options *opt, int n, char *paulis, double *values)
{
    for (int k = 0; k < opt->nobservables; k++) CALL(expect_one(m, opt, n, k, paulis, &values[k]));
    return TN_OK;
}

/* Adds one state's truncation figures (one collective) to this group's sums. */
static void add_truncation(const mps *m, run_result *res)
{
    mps_truncation t;
    mps_get_truncation(m, &t);
    res->fidelity_sum += t.fidelity;
    res->log_fidelity_sum += t.log_fidelity;
    res->discarded_sum += t.discarded_weight;
    res->decompositions += t.decompositions;
}

/* One shot of a dynamic circuit from the prefix state; adds its numbers to res. */
static int run_one_shot(const circuit *c, size_t from, const mps *prefix, const run_options *opt, long shot,
                        unsigned char *clbits, char *paulis, double *values, int *dims, run_result *res)
{
    int n = c->nqubits;
    mps *m = NULL;
    rng_stream rng;
    rng_init_sub(&rng, opt->seed, 0, (uint32_t)shot);
    CALL(mps_copy(prefix, &m));
    int status = run_shot_ops(c, from, m, &rng, clbits);
    if (status == TN_OK) status = observe(m, opt, n, paulis, values);
    if (status == TN_OK) {
        for (int k = 0; k < opt->nobservables; k++) {
            res->expect_sum[k] += values[k];
            res->expect_sum2[k] += values[k] * values[k];
        }
        add_truncation(m, res);
        mps_bond_dims(m, dims);
        for (int b = 0; b + 1 < n; b++)
            if (dims[b] > res->bond_dims[b]) res->bond_dims[b] = dims[b];
        note_state(m, res);
        res->rebalances += mps_rebalances(m);
    }
    mps_destroy(&m);
    return status;
}

/* A dynamic circuit: the deterministic prefix once, then every shot alone;
 * shot s belongs to group s mod G. */
static int run_dynamic(const circuit *c, mps *prefix_state, const run_options *opt, run_result *res)
{
    int n = c->nqubits, width = res->key_bits;
    size_t from = first_dynamic_op(c);
    double t0 = run_now();
    CALL(apply_gates(c, 0, from, prefix_state, opt, res));
    long shots = res->shots > 0 ? res->shots : 1, g = group_index(opt), groups = group_count(opt);
    unsigned char *clbits = tn_calloc((size_t)width + 1, 1);
    char *paulis = tn_malloc((size_t)n + 1);
    double *values = tn_calloc((size_t)opt->nobservables + 1, sizeof(double));
    int *dims = tn_calloc((size_t)n, sizeof(int));
    int status = (clbits && paulis && values && dims) ? TN_OK : TN_ERR_MEMORY;
    for (long s = g; s < shots && status == TN_OK; s += groups) {
        memset(clbits, 0, (size_t)width);
        status = run_one_shot(c, from, prefix_state, opt, s, clbits, paulis, values, dims, res);
        if (status == TN_OK && res->shots > 0 && res->leader) status = tally_add(res->tally, clbits, 1);
        res->shots_here++;
    }
    res->t_gates = run_now() - t0;
    free(clbits); free(paulis); free(values); free(dims);
    return status;
}


/* ---- trajectories -------------------------------------------------------- */

long run_default_trajectories(long shots)
{
    return shots > 0 && shots < DEFAULT_TRAJECTORIES ? shots : DEFAULT_TRAJECTORIES;
}

/* (run.h) */
long run_trajectory_first_shot(long shots, long t, long T) { return shots * t / T; }

/* The qubit each key bit reads (-1: never measured). */

/* Adds one averaged state's numbers (expectations, truncation) to res. */
static int add_state_numbers(mps *m, const run_options *opt, int n, char *paulis, double *values, int *dims,
                             run_result *res)
{
    CALL(observe(m, opt, n, paulis, values));
    for (int k = 0; k < opt->nobservables; k++) {
        res->expect_sum[k] += values[k];
        res->expect_sum2[k] += values[k] * values[k];
    }
    add_truncation(m, res);
    mps_bond_dims(m, dims);
    for (int b = 0; b + 1 < n; b++)
        if (dims[b] > res->bond_dims[b]) res->bond_dims[b] = dims[b];
    note_state(m, res);
    res->rebalances += mps_rebalances(m);
    return TN_OK;
}

/* The next gate: the scheduler's choice, or circuit order when the plan's
 * static ZZ phases (two qubits' timelines) must stay where it put them. */
static int next_noisy_gate(schedule *sch, const mps *m, const circuit *c, const noisy_plan *plan, size_t *cursor,
                           size_t *i)
{
    if (!noisy_needs_circuit_order(plan)) return schedule_next(sch, m, i);
    while (*cursor < c->nops && c->ops[*cursor].kind != OP_GATE) ++*cursor;
    if (*cursor == c->nops) return 0;
    *i = (*cursor)++;
    return 1;
}

/* Every gate of a static circuit with its noise, in the scheduler's order,
 * polling for a signal through pr. */
static int run_noisy_gates(const circuit *c, const noisy_plan *plan, mps *m, const run_options *opt, long t,
                           poll_rounds *pr)
{
    schedule *sch;
    CALL(schedule_create(c, 0, c->nops, &sch));
    size_t i, cursor = 0;
    int status = TN_OK;
    for (size_t k = 0; status == TN_OK && next_noisy_gate(sch, m, c, plan, &cursor, &i); k++) {
        if (schedule_new_layer(sch)) mps_layer_begins(m);
        status = noisy_apply(plan, m, i, 1, opt->seed, t);
        if (status == TN_OK) status = mps_apply_op(m, &c->ops[i]);
        if (status == TN_OK) status = noisy_apply(plan, m, i, 0, opt->seed, t);
        status = poll_trajectory(pr, k, status);
    }
    schedule_destroy(&sch);
    if (status == TN_OK) status = noisy_finish(plan, m, opt->seed, t);
    return status;
}

/* Operation i of a noisy shot (skipped when its condition fails). */
static int run_noisy_shot_op(const circuit *c, const noisy_plan *plan, mps *m, const run_options *opt, long shot,
                             size_t i, rng_stream *rng, unsigned char *clbits)
{
    const circ_op *op = &c->ops[i];
    /* the wait before the operation (relaxation, dephasing, ZZ phase) happens whether or not it fires */
    CALL(noisy_apply(plan, m, i, 1, opt->seed, shot));
    if (op->cond_reg >= 0 && !circ_op_cond_holds(c, op, clbits)) return TN_OK;
    int bit;
    switch (op->kind) {
    case OP_GATE: CALL(mps_apply_op(m, op)); break;
    case OP_MEASURE: {
        CALL(mps_measure(m, op->qubits[0], rng_uniform(rng), &bit));
        unsigned char b = (unsigned char)bit;
        int q = op->qubits[0];
        noisy_readout(plan, &b, 1, &q, opt->seed, shot * 4096 + op->clbit);   /* the record errs, not the state */
        clbits[op->clbit] = b;
        break;
    }
    case OP_RESET: CALL(mps_reset(m, op->qubits[0], rng_uniform(rng))); break;
    default: break;
    }
    return noisy_apply(plan, m, i, 0, opt->seed, shot);
}

/* One shot of a dynamic circuit with noise, in circuit order: the shot is
 * its trajectory; polls for a signal through pr. */
static int run_noisy_shot_ops(const circuit *c, const noisy_plan *plan, mps *m, const run_options *opt, long shot,
                              unsigned char *clbits, poll_rounds *pr)
{
    rng_stream rng;
    rng_init_sub(&rng, opt->seed, 0, (uint32_t)shot);
    int status = TN_OK;
    for (size_t i = 0; i < c->nops && status == TN_OK; i++)
        status = poll_trajectory(pr, i, run_noisy_shot_op(c, plan, m, opt, shot, i, &rng, clbits));
    return status ? status : noisy_finish(plan, m, opt->seed, shot);
}

/* Samples trajectory t's shots from m, chunk by chunk, with readout error;
 * counts them in a tally of their own, then adds that to res->tally as one
 * cluster of shots. */
static int sample_trajectory(const circuit *c, const noisy_plan *plan, mps *m, const run_options *opt, long t,
                             const int *src, run_result *res)
{
    int n = c->nqubits, width = res->key_bits;
    long first = run_trajectory_first_shot(res->shots, t, res->trajectories);
    long count = run_trajectory_first_shot(res->shots, t + 1, res->trajectories) - first;
    if (count <= 0) return TN_OK;
    tally *mine = NULL;
    shot_chunks ch;
    int status = chunks_begin(&ch, n, width, count);
    if (status == TN_OK && res->leader) status = tally_create(width, 0, &mine);
    for (long done = 0; done < count && status == TN_OK; done += ch.size) {
        /* one chunk of the trajectory's shots (collective over the group); signals are polled for
         * between the trajectory's operations and between rounds */
        long k = count - done < ch.size ? count - done : ch.size;
        status = mps_sample_range(m, first + done, (int)k, opt->seed, 0, ch.qbits);
        for (long s = 0; s < k && status == TN_OK && res->leader; s++) {
            unsigned char *row = chunk_row(&ch, n, s, src, width);
            noisy_readout(plan, row, width, src, opt->seed, first + done + s);
            status = tally_add(mine, row, 1);
        }
    }
    if (status == TN_OK && res->leader) status = tally_fold(res->tally, mine, count);
    res->shots_here += count;
    chunks_end(&ch);
    tally_destroy(&mine);
    return status;
}

/* Trajectory (or noisy shot) t from a copy of the initial state, its
 * numbers added to this group's sums. */
static int run_one_trajectory(const circuit *c, mps *initial, noisy_plan *plan, const run_options *opt, long t,
                              char *paulis, double *values, int *dims, const int *src, unsigned char *clbits,
                              run_result *res, poll_rounds *pr)
{
    int n = c->nqubits, width = res->key_bits;
    mps *m = NULL;
    int status = noisy_begin(plan, opt->seed, t);
    if (status == TN_OK) status = mps_copy(initial, &m);
    if (status == TN_OK && res->dynamic) {
        memset(clbits, 0, (size_t)width);
        status = run_noisy_shot_ops(c, plan, m, opt, t, clbits, pr);
        if (status == TN_OK && res->shots > 0 && res->leader) status = tally_add_cluster(res->tally, clbits, 1, 1);
        res->shots_here++;
    } else if (status == TN_OK) {
        status = run_noisy_gates(c, plan, m, opt, t, pr);
        if (status == TN_OK && res->shots > 0) status = sample_trajectory(c, plan, m, opt, t, src, res);
        if (status == TN_OK && opt->probabilities) status = add_outcome_probs(m, src, width, 1.0, res);
    }
    if (status == TN_OK) status = add_state_numbers(m, opt, n, paulis, values, dims, res);
    mps_destroy(&m);
    return status;
}

/* A noisy run: trajectory t on group t mod G, from a copy of |0...0>. */
static int run_noisy(const circuit *c, mps *initial, noisy_plan *plan, const run_options *opt, run_result *res)
{
    int n = c->nqubits, width = res->key_bits;
    long g = group_index(opt), groups = group_count(opt);
    long T = res->dynamic ? (res->shots > 0 ? res->shots : 1) : res->trajectories;
    char *paulis = tn_malloc((size_t)n + 1);
    double *values = tn_calloc((size_t)opt->nobservables + 1, sizeof(double));
    int *dims = tn_calloc((size_t)n, sizeof(int)), *src = bit_sources(c, width);
    unsigned char *clbits = tn_calloc((size_t)width + 1, 1);
    int status = (paulis && values && dims && src && clbits) ? TN_OK : TN_ERR_MEMORY;
    double t0 = run_now();
    json_t *id = NULL;
    long first_round = 0;
    int checkpointing = opt->checkpoint.dir || opt->checkpoint.resume;
    if (status == TN_OK && checkpointing) {
        id = resume_identity(c, opt, res, "trajectories");
        status = id ? TN_OK : TN_ERR_MEMORY;
    }
    if (status == TN_OK && opt->checkpoint.resume) {
        status = resume_load_trajectories(opt, id, res, &first_round, n);
        res->resumed = status == TN_OK;
    }
    progress pr;
    progress_start(&pr, opt->grp ? opt->grp->world_rank : 0, opt->progress_every, T, res->dynamic ? "shots" : "trajectories");
    /* round r runs trajectory r G + g on group g; checkpoints fall between rounds, and a signal is also
     * polled for inside them */
    poll_rounds in = {opt, res, id, n, 0, 0, T, SIZE_MAX, 0};
    for (long round = first_round; round * groups < T && (status == TN_OK || checkpointing); round++) {
        long t = round * groups + g;
        in.round = round;
        in.finished = round * groups;
        in.pause_at = round == first_round ? c->nops / 2 : SIZE_MAX;
        in.ended = 0;
        if (status == TN_OK && t < T) status = run_one_trajectory(c, initial, plan, opt, t, paulis, values, dims, src,
                                                                  clbits, res, &in);
        else if (status == TN_OK) status = poll_idle_trajectory(&in, c->nops);
        if (round - first_round == ((T + groups - 1) / groups - first_round) / 2) poll_inject(opt, "");
        if (pr.on) {
            int maxb = 1;
            for (int b = 0; b + 1 < n; b++) maxb = res->bond_dims[b] > maxb ? res->bond_dims[b] : maxb;
            long mine = round - first_round + 1;   /* trajectories this group has run in this process */
            progress_update(&pr, (round + 1) * groups < T ? (round + 1) * groups : T, maxb,
                            res->fidelity_sum / (double)(mine > 0 ? mine : 1));
        }
        if (!checkpointing || in.ended) {   /* a poll inside the round ended it (a failure or a stop) */
            if (status != TN_OK) break;
            continue;
        }
        int stop = 0, any_failed = 0;
        if (checkpoint_due(&opt->checkpoint, run_world(opt), status != TN_OK, &stop, &any_failed)) {
            status = resume_save_trajectories(opt, id, res, round + 1, n);
            res->checkpoints++;
            if (status == TN_OK && stop)
                status = tn_fail(TN_STOPPED, "stopped by a signal after %ld of %ld trajectories; checkpoint written to %s "
                                 "(continue with --resume %s)", (round + 1) * groups < T ? (round + 1) * groups : T, T,
                                 opt->checkpoint.dir, opt->checkpoint.dir);
        }
        if (any_failed && status == TN_OK) status = tn_fail(TN_ERR_INTERNAL, "stopped: another rank failed");
        if (status != TN_OK) break;
    }
    progress_end(&pr, NULL);
    json_decref(id);
    if (status == TN_OK && res->probs) noisy_readout_probs(plan, res->probs, width, src);
    res->t_gates = run_now() - t0;
    res->samples = T;
    free(paulis); free(values); free(dims); free(src); free(clbits);
    return status;
}

/* ---- entry -------------------------------------------------------------- */

/* Checks observables and bitstrings before any work, so bad input fails fast. */
static int validate_requests(const circuit *c, const run_options *opt, int dynamic)
{
    int n = c->nqubits;
    char *paulis = tn_malloc((size_t)n + 1);
    unsigned char *bits = tn_malloc((size_t)n + 1);
    int status = (paulis && bits) ? TN_OK : TN_ERR_MEMORY;
    for (int k = 0; k < opt->nobservables && status == TN_OK; k++)
        status = run_parse_observable(opt->observables[k], n, paulis);
    for (int k = 0; k < opt->namplitudes && status == TN_OK; k++)
        status = run_parse_bits(opt->amplitudes[k], n, bits);
    int noisy = opt->noise && opt->noise->scale > 0;
    if (status == TN_OK && dynamic && !noisy && (opt->checkpoint.dir || opt->checkpoint.resume))
        status = tn_fail(TN_ERR_USAGE, "options --checkpoint and --resume: %s has mid-circuit measurement, reset or "
                         "if() and runs noiselessly shot by shot from a shared prefix; checkpoints are not supported "
                         "for that case yet (they are for static circuits and for noisy runs)", c->source);
    if (status == TN_OK && opt->probabilities && dynamic)
        status = tn_fail(TN_ERR_USAGE, "option --probabilities: %s has mid-circuit measurement, reset or if(); "
                         "its outcome distribution is only sampled (use the counts)", c->source);
    if (status == TN_OK && opt->probabilities && (has_measure(c) ? c->nclbits : n) > MPS_MAX_OUTCOME_QUBITS)
        status = tn_fail(TN_ERR_USAGE, "option --probabilities: %d outcome bits; at most %d",
                         has_measure(c) ? c->nclbits : n, MPS_MAX_OUTCOME_QUBITS);
    if (status == TN_OK && dynamic && opt->namplitudes)
        status = tn_fail(TN_ERR_USAGE, "option --amplitude: %s has mid-circuit measurement, reset or if(); "
                         "its final state differs per shot, so amplitudes are not defined", c->source);
    free(paulis);
    free(bits);
    return status;
}

static int allocate_result(const circuit *c, const run_options *opt, run_result *res)
{
    int n = c->nqubits, nobs = opt->nobservables + 1;
    res->amplitudes = tn_calloc((size_t)opt->namplitudes + 1, sizeof(double complex));
    res->expectation = tn_calloc((size_t)nobs, sizeof(double));
    res->expectation_stderr = tn_calloc((size_t)nobs, sizeof(double));
    res->expect_sum = tn_calloc((size_t)nobs, sizeof(double));
    res->expect_sum2 = tn_calloc((size_t)nobs, sizeof(double));
    res->bond_dims = tn_calloc((size_t)n, sizeof(int));
    res->site_of = tn_calloc((size_t)n, sizeof(int));
    CALL(tally_create(res->key_bits, opt->noise && opt->noise->scale > 0, &res->tally));
    if (opt->probabilities) {
        res->nprobs = (size_t)1 << res->key_bits;
        res->probs = tn_calloc(res->nprobs, sizeof(double));
        if (!res->probs) return TN_ERR_MEMORY;
    }
    if (!res->amplitudes || !res->expectation || !res->expectation_stderr || !res->expect_sum ||
        !res->expect_sum2 || !res->bond_dims || !res->site_of)
        return TN_ERR_MEMORY;
    return TN_OK;
}

/* Amplitudes and expectation values of the final state of a static run,
 * with a poll for a signal after each. */
static int observe_static(const circuit *c, mps *m, const run_options *opt, run_result *res, poll_state *pl)
{
    int n = c->nqubits, nobs = opt->nobservables;
    char *paulis = tn_malloc((size_t)n + 1);
    unsigned char *bits = tn_malloc((size_t)n + 1);
    int status = (paulis && bits) ? TN_OK : TN_ERR_MEMORY;
    for (int k = 0; k < nobs + opt->namplitudes && status == TN_OK; k++) {
        if (k < nobs) {
            if (!res->expect_reports || !res->expect_reports[k].done)   /* else computed by expect_observables */
                status = expect_one(m, opt, n, k, paulis, &res->expectation[k]);
        } else {
            status = run_parse_bits(opt->amplitudes[k - nobs], n, bits);
            if (status == TN_OK) status = mps_amplitude(m, bits, &res->amplitudes[k - nobs]);
        }
        if (k == (nobs + opt->namplitudes) / 2) poll_inject(opt, "-observing");
        status = poll_after_gates(pl, status, "computing expectation values and amplitudes");
    }
    free(paulis);
    free(bits);
    return status;
}

/* The result of a run whose every output came from expect_observables:
 * the state of |0...0> (bond dimension 1, nothing discarded). */
static int skip_state(const circuit *c, run_result *res)
{
    res->state_skipped = 1;
    res->fidelity_estimate = 1;
    for (int q = 0; q < c->nqubits; q++) res->site_of[q] = q;
    for (int b = 0; b + 1 < c->nqubits; b++) res->bond_dims[b] = 1;
    return TN_OK;
}

/* What every rank of a run (team members too) knows before any state
 * exists: the shape of the result, and whether the requests are valid. */
static int begin_result(const circuit *c, const run_options *opt, run_result *res, circ_stats *st)
{
    memset(res, 0, sizeof *res);
    tn_mem_reset_peak();   /* peak_tensor_bytes: this run's (what earlier runs of the process held is freed) */
    if (c->nqubits < 1) return tn_fail(TN_ERR_INPUT, "%s: the circuit declares no qubits", c->source);
    circ_get_stats(c, st);
    res->nqubits = c->nqubits;
    res->nclbits = c->nclbits;
    res->dynamic = st->dynamic;
    res->shots = opt->shots >= 0 ? opt->shots : (has_measure(c) ? DEFAULT_SHOTS : 0);
    res->key_bits = has_measure(c) || st->dynamic ? c->nclbits : c->nqubits;
    res->leader = !opt->grp || opt->grp->rank == 0;
    CALL(validate_requests(c, opt, st->dynamic));
    if (opt->noise) CALL(noise_check_circuit(opt->noise, c));
    if (opt->noise && opt->noise->scale > 0 && opt->namplitudes)
        return tn_fail(TN_ERR_USAGE, "option --amplitude: a noisy run is a mixture of trajectories with no single "
                       "final state; use --observable, or --noise-scale 0");
    if (opt->trace_path && (st->dynamic || (opt->noise && opt->noise->scale > 0)))
        return tn_fail(TN_ERR_USAGE, "option --trace: only a noiseless run without mid-circuit measurement is traced");
    return allocate_result(c, opt, res);
}

int run_serve_team(const circuit *c, const run_options *opt, run_result *res)
{
    circ_stats st;
    CALL(begin_result(c, opt, res, &st));
    res->leader = 0;   /* a member holds no share of the results */
    return scal_serve(opt->team_grid, 0);
}

int run_circuit(const circuit *c, const run_options *opt, run_result *res)
{
    circ_stats st;
    CALL(begin_result(c, opt, res, &st));
    double t0 = run_now();
    if (opt->nobservables && (opt->expect.method != EXPECT_STATE || opt->expect.lightcone))
        CALL(expect_observables(c, opt, res));
    res->t_observe = run_now() - t0;
    if (opt->nobservables && expect_all_done(res, opt->nobservables) && res->shots == 0 && !opt->namplitudes &&
        !opt->probabilities && !opt->checkpoint.dir && !opt->checkpoint.resume)
        return skip_state(c, res);
    t0 = run_now();
    if (opt->site_of) memcpy(res->site_of, opt->site_of, (size_t)c->nqubits * sizeof(int));
    else CALL(order_choose_report(c, opt->order, res->site_of, &res->order_auto));
    res->swap_distance = order_swap_distance(c, res->site_of);
    noisy_plan *plan = NULL;
    if (opt->noise && opt->noise->scale > 0) {
        CALL(noisy_plan_create(opt->noise, c, &opt->noisy, &plan));
        res->noisy = 1;
        res->trajectories = st.dynamic ? (res->shots > 0 ? res->shots : 1)
                                       : (opt->trajectories > 0 ? opt->trajectories : run_default_trajectories(res->shots));
        res->model_fidelity = noisy_model_fidelity(plan);
        res->schedule_seconds = noisy_duration(plan);
        res->channels_per_trajectory = noisy_channel_count(plan);
        res->uncalibrated_gates = noisy_uncalibrated(plan);
        res->model_fidelity_all_qubits = noisy_model_fidelity_all_qubits(plan);
        if (res->leader && (!opt->grp || opt->grp->world_rank == 0) && !opt->quiet_uncalibrated)
            noisy_warn_uncalibrated(plan, stderr);
    }
    mps *m;
    int created = mps_create_group(c->nqubits, res->site_of, &opt->trunc, opt->grp, &m);
    if (created != TN_OK) { noisy_plan_destroy(&plan); return created; }
    tn_scalapack *scal = NULL;
    if (opt->team_grid) {   /* the team's grid replaces the group's (mps.h) */
        mps_use_team(m, opt->team_grid, opt->scalapack_min);
    } else if (opt->grp && opt->grp->size > 1 && opt->scalapack_min > 0) {
        int status = scal_create(opt->grp, &scal);
        if (status) { mps_destroy(&m); noisy_plan_destroy(&plan); return status; }
        mps_use_scalapack(m, scal, opt->scalapack_min);
    }
    mps_set_layer_threads(m, layer_threads(opt));
    if (opt->center_form && mps_use_center_form(m) != TN_OK) {
        mps_destroy(&m);
        scal_destroy(&scal);
        noisy_plan_destroy(&plan);
        return TN_ERR_NUMERIC;
    }
    res->t_plan = run_now() - t0;
    int status;
    if (plan) {
        status = run_noisy(c, m, plan, opt, res);
    } else if (st.dynamic) {
        status = run_dynamic(c, m, opt, res);
    } else {
        status = run_static_traced(c, m, opt, res);
        if (status == TN_OK) {
            mps_truncation t;
            mps_get_truncation(m, &t);
            res->fidelity_estimate = t.fidelity;
            res->log_fidelity_estimate = t.log_fidelity;
            res->discarded_weight = t.discarded_weight;
            res->decompositions = t.decompositions;
            mps_bond_dims(m, res->bond_dims);
            res->rebalances = mps_rebalances(m);
        }
    }
    res->scalapack_solves = scal ? scal_solves(scal) : 0;
    mps_destroy(&m);
    scal_destroy(&scal);
    noisy_plan_destroy(&plan);
    return status;
}
