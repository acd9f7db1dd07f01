/* plan.c - `tnemu plan CIRCUIT --chi N --nodes M --memory-per-node B`: does
 * a run fit, how to lay it out (ranks per node, threads per rank, teams)
 * and how long it will take, from the scaling model of docs/scaling.md.
 *
 * The model, in its steady state (the replay simulator scripts/scaling-sim.py
 * follows a run event by event; this is its one-pass summary):
 *   - bonds: cut c's bond is at most chi, 2^(sites on its smaller side) and
 *     2^(two-qubit gates across it in the chosen order): the saturating bond
 *     model of the simulator, at the end of the circuit;
 *   - memory: a site holds 16 * 2 * chi_l * chi_r bytes of tensor and 8 chi_l
 *     of Schmidt values; the chain is cut by the engine's own partition
 *     (mpi/part.c, cost chi_l chi_r (chi_l + chi_r)); a rank holds its
 *     segment plus the scratch buffers of its largest window (and a lent
 *     site), once per thread that runs its gates of a layer;
 *   - time: every gate (and every swap a long-range gate needs) is a window
 *     update of the flops bench-gate counts, at the machine's measured rate for
 *     that size, on the rank owning its first site; a window across a segment
 *     boundary adds the round trip of one site tensor; the run takes the
 *     slowest rank. Threads of a rank speed its gates through threaded BLAS
 *     (conservative: the engine now also runs a rank's own gates of a layer
 *     on its threads, which scaling-sim.py --layer-threads models and this
 *     summary does not yet);
 *   - teams (--team-size T): T ranks own a segment; its windows whose Gram
 *     matrix has at least OPTIONS_DEFAULT_SCALAPACK_MIN rows (the default
 *     --scalapack-min) are split whole on the team's grid (mpi/
 *     scal_window.c) at the machine's scalapack_efficiency (assumed), the
 *     two sites spread there and the new ones back; the leader holds the
 *     segment, the buffers of its smaller windows (one set: it runs one gate
 *     at a time) and its share of the grid's matrices, every other rank of
 *     the team that share.
 * Machine rates: --machine FILE (scripts/scaling-machine.py), else the rates
 * measured on the development machine (docs/scaling/machine-here.json).
 * Not for: running anything; the event-level replay (scaling-sim.py). */
#include "plan.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "circuit.h"
#include "cli.h"
#include "error.h"
#include "options.h"
#include "order.h"
#include "originir.h"
#include "outfile.h"
#include "part.h"
#include "qasm.h"
#include "tsvd.h"

#define PLAN_MAX_RATES 32
#define PLAN_RANK_OVERHEAD_BYTES (256.0 * 1048576)   /* MPI, binary, circuit: per rank */
#define PLAN_MAX_TEAM 16

typedef struct {
    int cores;
    int nrates;
    double rate_chi[PLAN_MAX_RATES], rate_flops[PLAN_MAX_RATES];   /* flop/s per core at that chi */
    double lat, bw, lat_in, bw_in, blas_eff, scal_eff;
} plan_machine;

/* Measured on the development machine (docs/scaling/machine-here.json) and
 * assumed for the network (docs/scaling/machine-cluster.json). */
static const plan_machine default_machine = {
    64, 7, {16, 32, 64, 128, 256, 512, 1024},
    {3.495e9, 7.989e9, 6.883e9, 10.026e9, 9.475e9, 11.593e9, 17.432e9},
    2e-6, 1.25e10, 5e-7, 8e9, 0.6, 0.5,
};

typedef struct {
    const char *circuit, *order, *machine, *output;
    long chi, nodes, cores, gate_rank;
    double memory;
} plan_args;

static const char *plan_usage =
    "usage: tnemu plan CIRCUIT --chi N --nodes M --memory-per-node BYTES [options]\n"
    "Says whether the circuit fits on M nodes at bond dimension N, how to lay the run\n"
    "out (ranks per node, threads per rank, ranks per team: --team-size) and its\n"
    "predicted time and memory per rank, from the scaling model (docs/scaling.md),\n"
    "as one JSON object.\n"
    "  --chi N            the bond dimension (1..1048576)\n"
    "  --nodes M          nodes of the allocation (1..1000000)\n"
    "  --memory-per-node BYTES  memory of one node (suffixes K, M, G, T: powers of 1024)\n"
    "  --cores-per-node C cores of one node (default: the machine's, else 64)\n"
    "  --machine FILE     a machine description (scripts/scaling-machine.py; default: the\n"
    "                     rates measured on the development machine, a 100 Gb/s network)\n"
    "  --order SPEC       identity (default), auto or a file, as for tnemu run\n"
    "  --gate-rank R      operator Schmidt rank of the two-qubit gates: 2 (cx, cz, rzz) or 4\n"
    "  -o, --output FILE  write the plan to FILE (default: stdout)\n";

/* ---- inputs ---------------------------------------------------------------- */

static int parse_size(const char *option, const char *v, double *out)
{
    char *end;
    double x = strtod(v, &end);
    double unit = 1;
    if (*end == 'K' || *end == 'k') unit = 1024.0, end++;
    else if (*end == 'M' || *end == 'm') unit = 1048576.0, end++;
    else if (*end == 'G' || *end == 'g') unit = 1073741824.0, end++;
    else if (*end == 'T' || *end == 't') unit = 1099511627776.0, end++;
    if (end == v || *end || !(x * unit >= 1048576.0 && x * unit <= 1e18))
        return tn_fail(TN_ERR_USAGE, "option %s: '%s' is not a size in [1M, 1e18] bytes (suffixes K, M, G, T)", option, v);
    *out = x * unit;
    return TN_OK;
}

static int parse_args(int argc, char **argv, plan_args *a, int *help)
{
    for (int i = 2; i < argc; i++) {
        const char *opt = argv[i];
        if (strcmp(opt, "--help") == 0 || strcmp(opt, "-h") == 0) { *help = 1; return TN_OK; }
        if (opt[0] != '-' || !opt[1]) {
            if (a->circuit) return tn_fail(TN_ERR_USAGE, "tnemu plan takes one circuit; '%s' is a second one", opt);
            a->circuit = opt;
            continue;
        }
        if (i + 1 >= argc) return tn_fail(TN_ERR_USAGE, "option %s needs a value", opt);
        const char *v = argv[++i];
        if (strcmp(opt, "--chi") == 0) CALL(cli_parse_long(opt, v, 1, 1048576, &a->chi));
        else if (strcmp(opt, "--nodes") == 0) CALL(cli_parse_long(opt, v, 1, 1000000, &a->nodes));
        else if (strcmp(opt, "--cores-per-node") == 0) CALL(cli_parse_long(opt, v, 1, 65536, &a->cores));
        else if (strcmp(opt, "--gate-rank") == 0) {
            if (strcmp(v, "2") != 0 && strcmp(v, "4") != 0)
                return tn_fail(TN_ERR_USAGE, "option --gate-rank: '%s' is not 2 or 4", v);
            a->gate_rank = v[0] - '0';
        } else if (strcmp(opt, "--memory-per-node") == 0) CALL(parse_size(opt, v, &a->memory));
        else if (strcmp(opt, "--machine") == 0) a->machine = v;
        else if (strcmp(opt, "--order") == 0) a->order = v;
        else if (strcmp(opt, "-o") == 0 || strcmp(opt, "--output") == 0) a->output = v;
        else return tn_fail(TN_ERR_USAGE, "unknown option '%s' for 'tnemu plan' (see tnemu plan --help)", opt);
    }
    if (!a->circuit) return tn_fail(TN_ERR_USAGE, "tnemu plan: no circuit given (see tnemu plan --help)");
    if (!a->chi || !a->nodes || !(a->memory > 0))
        return tn_fail(TN_ERR_USAGE, "tnemu plan needs --chi N, --nodes M and --memory-per-node BYTES");
    return TN_OK;
}

static int read_machine(const char *path, plan_machine *m)
{
    *m = default_machine;
    if (!path) return TN_OK;
    json_error_t e;
    json_t *root = json_load_file(path, 0, &e);
    if (!root) return tn_fail(TN_ERR_INPUT, "%s:%d:%d: %s", path, e.line, e.column, e.text);
    json_t *rates = json_object_get(root, "gate_rates");
    int status = TN_OK;
    if (!json_is_array(rates) || json_array_size(rates) < 1 || json_array_size(rates) > PLAN_MAX_RATES)
        status = tn_fail(TN_ERR_INPUT, "%s: 'gate_rates' must be 1 to %d [chi, GFLOP/s] pairs", path, PLAN_MAX_RATES);
    for (size_t i = 0; status == TN_OK && i < json_array_size(rates); i++) {
        json_t *p = json_array_get(rates, i);
        double c = json_number_value(json_array_get(p, 0)), g = json_number_value(json_array_get(p, 1));
        if (!(c >= 1) || !(g > 0) || (i && c <= m->rate_chi[i - 1]))
            status = tn_fail(TN_ERR_INPUT, "%s: gate_rates[%zu] is not [chi, GFLOP/s] with chi rising", path, i);
        m->rate_chi[i] = c;
        m->rate_flops[i] = g * 1e9;
        m->nrates = (int)i + 1;
    }
    struct { const char *key; double *dst; } nums[] = {
        {"latency_s", &m->lat}, {"bandwidth_Bps", &m->bw}, {"intra_latency_s", &m->lat_in},
        {"intra_bandwidth_Bps", &m->bw_in}, {"blas_thread_efficiency", &m->blas_eff},
        {"scalapack_efficiency", &m->scal_eff}};
    for (size_t i = 0; status == TN_OK && i < sizeof nums / sizeof nums[0]; i++) {
        json_t *v = json_object_get(root, nums[i].key);
        if (v && !(json_number_value(v) > 0))
            status = tn_fail(TN_ERR_INPUT, "%s: '%s' must be a positive number", path, nums[i].key);
        if (v) *nums[i].dst = json_number_value(v);
    }
    json_t *cores = json_object_get(root, "cores_per_node");
    if (status == TN_OK && cores) {
        if (!json_is_integer(cores) || json_integer_value(cores) < 1 || json_integer_value(cores) > 65536)
            status = tn_fail(TN_ERR_INPUT, "%s: 'cores_per_node' must be a whole number in [1, 65536]", path);
        else m->cores = (int)json_integer_value(cores);
    }
    json_decref(root);
    return status;
}

/* ---- the model ------------------------------------------------------------- */

/* Flop rate of a gate of equivalent bond dimension x (log-log interpolation). */
static double gate_rate(const plan_machine *m, double x)
{
    if (x <= m->rate_chi[0]) return m->rate_flops[0];
    for (int i = 1; i < m->nrates; i++)
        if (x <= m->rate_chi[i]) {
            double f = log(x / m->rate_chi[i - 1]) / log(m->rate_chi[i] / m->rate_chi[i - 1]);
            return exp(log(m->rate_flops[i - 1]) + f * log(m->rate_flops[i] / m->rate_flops[i - 1]));
        }
    return m->rate_flops[m->nrates - 1];
}

/* Seconds of a two-site window with bonds l, c (inner), r: bench-gate's
 * count. */
static double window_seconds(const plan_machine *m, double l, double c, double r)
{
    double rows = 2 * l, cols = 2 * r, n = fmin(rows, cols), kept = c;
    double eig = 16.0 / 3 * n * n * n + 8 * n * n * kept;
    double flops = 32 * l * c * r + 128 * l * r + 4 * n * n * fmax(rows, cols) + eig + 8 * rows * kept * cols;
    return flops / gate_rate(m, cbrt(flops / 170.7));
}

typedef struct {
    int n;
    double chi;         /* the bond limit */
    double *bond;       /* bond[s]: left of site s; bond[0] = bond[n] = 1 */
    double *work;       /* seconds of the windows computed on site s (one thread) */
    double *crossings;  /* windows across cut s (between sites s and s + 1) */
    double *cost;       /* the engine's balance cost chi_l chi_r (chi_l + chi_r) */
    double *grid_work;  /* of work: the windows of at least OPTIONS_DEFAULT_SCALAPACK_MIN Gram rows */
    double *grid_bytes; /* their sites to a team's grid and the new ones back */
} plan_model;

static double site_bytes(const plan_model *p, int s) { return 16.0 * 2 * p->bond[s] * p->bond[s + 1] + 8 * p->bond[s]; }

/* The scratch buffers of a window update (src/mps_gates.c, tensor/tsvd.c),
 * each kept at its largest (buffers only grow): scripts/scaling-sim.py
 * window_buffers, which tests/scaling_sim.t checks against the engine's
 * ledger. */
enum { BUF_BLOCK, BUF_SCRATCH, BUF_TRANSPOSE, BUF_GRAM, BUF_EIGEN, BUF_KEPT, BUF_VECTORS, BUF_PASSES, BUF_SVD_U,
       BUF_SVD_VT, BUF_SVD_WORK, BUF_COUNT };

/* Bytes of each buffer for a two-site window with bonds l, c (kept), r at
 * bond limit chi: theta and its weighted copy (R x C, R = 2 l, C = 2 r), the
 * transpose of a theta that is not square, the Gram matrix and the
 * eigensolver's vectors and workspace (C^2 each), the kept eigenvectors
 * (C x min(chi, C)), V^dagger where it does not fit the transpose's place,
 * later Gram passes' factors (3 C x min(chi, C), counted always), and for a
 * side under TSVD_GRAM_MIN_DIM the SVD's copy, U, V^dagger and workspace. */
static void window_buffers(double l, double c, double r, double chi, double *out)
{
    double rows = 2 * l, cols = 2 * r, small = fmin(rows, cols), big = fmax(rows, cols), limit = fmin(chi, cols);
    int svd = small < TSVD_GRAM_MIN_DIM;
    out[BUF_BLOCK] = out[BUF_SCRATCH] = 16 * rows * cols;
    out[BUF_TRANSPOSE] = rows != cols || svd ? 16 * rows * cols : 0;
    out[BUF_GRAM] = out[BUF_EIGEN] = 16 * cols * cols;
    out[BUF_KEPT] = 16 * cols * limit;
    out[BUF_VECTORS] = c > rows ? 16 * c * cols : 0;
    out[BUF_PASSES] = svd ? 0 : 3 * 16 * limit * big;
    out[BUF_SVD_U] = svd ? 16 * rows * small : 0;
    out[BUF_SVD_VT] = svd ? 16 * small * cols : 0;
    out[BUF_SVD_WORK] = svd ? 16 * (small * small + 2 * small + big) : 0;
}

/* Whether the window on sites s, s + 1 goes to a team's grid whole: its Gram
 * matrix (theta's columns, 2 chi_r) has at least --scalapack-min rows. */
static int on_grid(const plan_model *p, int s)
{
    return s + 1 < p->n && 2 * p->bond[s + 2] >= OPTIONS_DEFAULT_SCALAPACK_MIN;
}

/* ScaLAPACK's NUMROC for grid row or column 0 of np (the most of any), in
 * blocks of SCAL_BLOCK_SIZE (mpi/scalapack_grid.h's SCAL_BLOCK). */
#define SCAL_BLOCK_SIZE 64
static double numroc0(double n, int np)
{
    double blocks = floor(n / SCAL_BLOCK_SIZE), num = floor(blocks / np) * SCAL_BLOCK_SIZE;
    double extra = blocks - floor(blocks / np) * np;
    return num + (extra > 0 ? SCAL_BLOCK_SIZE : n - blocks * SCAL_BLOCK_SIZE);
}

/* Bytes one rank of a team holds while its grid splits a two-site window
 * with bonds l, c, r whole (mpi/scal_window.c): scripts/scaling-sim.py
 * team_window_bytes, which tests/scaling_sim.t checks against the ledger.
 * Theta's two blocks and the eigenvectors throughout, and the largest of:
 * the sites spread while theta is formed; the weighted theta, the Gram
 * matrix and pzheevd's workspaces; the grid's SVD; the new sites. */
static double team_window_bytes(double l, double c, double r, int team)
{
    int pr = 1;
    for (int d = 1; d * d <= team; d++)
        if (team % d == 0) pr = d;
    int pc = team / pr;
    double rows = 2 * l, cols = 2 * r, k = c, small = fmin(rows, cols), big = fmax(rows, cols);
#define LOC(m, n) (fmax(1, numroc0((m), pr)) * fmax(1, numroc0((n), pc)))
    double np = numroc0(cols, pr), nq = numroc0(cols, pc), lld = fmax(1, np), nq1 = fmax(1, nq);
    double heevd = 16 * (cols + (np + nq + SCAL_BLOCK_SIZE) * SCAL_BLOCK_SIZE + 1)
                 + 8 * ((2 + 9 * cols + 3 * np * nq)
                        + (1 + 9 * cols + 3 * lld * nq1 + lld * (SCAL_BLOCK_SIZE + nq1) + 2 * cols))
                 + 4 * (7 * cols + 8 * pc + 3);
    double svd = 16 * (2 * LOC(l, cols) + LOC(rows, cols) + LOC(small, cols) + LOC(cols, k) + 2 * big
                       + small * (ceil(cols / pc) + 4 * SCAL_BLOCK_SIZE)) + 8 * (1 + 4 * big);
    double always = 16 * (2 * LOC(l, cols) + LOC(cols, cols));
    double phase = fmax(fmax(16 * (2 * LOC(l, c) + LOC(c, cols)), 16 * (2 * LOC(l, cols) + LOC(cols, cols)) + heevd),
                        fmax(svd, 16 * (LOC(cols, k) + LOC(k, cols) + LOC(l, k))));
#undef LOC
    return always + phase;
}

/* Bonds, per-site work and per-cut window counts of circuit c in order site_of. */
static void build_model(const circuit *c, const int *site_of, const plan_args *a, const plan_machine *m,
                        plan_model *p)
{
    int n = c->nqubits;
    for (int s = 0; s <= n; s++) p->bond[s] = 1;
    for (size_t i = 0; i < c->nops; i++) {   /* gates across each cut */
        const circ_op *op = &c->ops[i];
        if (op->kind != OP_GATE || op->nqubits < 2) continue;
        for (int x = 0; x < op->nqubits; x++)
            for (int y = x + 1; y < op->nqubits; y++) {
                int lo = site_of[op->qubits[x]], hi = site_of[op->qubits[y]];
                if (lo > hi) { int t = lo; lo = hi; hi = t; }
                for (int s = lo + 1; s <= hi; s++) p->bond[s] += 1;   /* counts for now */
            }
    }
    for (int s = 1; s < n; s++) {
        double bits = a->gate_rank == 4 ? 2 : 1;   /* entanglement a gate can add across a cut */
        double e = (p->bond[s] - 1) * bits, side = fmin(s, n - s), lg = fmin(e, side);
        p->bond[s] = lg < 60 ? fmin((double)a->chi, pow(2, lg)) : (double)a->chi;
    }
    p->bond[0] = p->bond[n] = 1;
    for (int s = 0; s < n; s++) {
        p->work[s] = p->crossings[s] = p->grid_work[s] = p->grid_bytes[s] = 0;
        p->cost[s] = p->bond[s] * p->bond[s + 1] * (p->bond[s] + p->bond[s + 1]);
    }
    for (size_t i = 0; i < c->nops; i++) {   /* each gate: its swaps and its own window */
        const circ_op *op = &c->ops[i];
        if (op->kind != OP_GATE || op->nqubits < 2) continue;
        int lo = n, hi = -1;
        for (int x = 0; x < op->nqubits; x++) {
            if (site_of[op->qubits[x]] < lo) lo = site_of[op->qubits[x]];
            if (site_of[op->qubits[x]] > hi) hi = site_of[op->qubits[x]];
        }
        for (int s = lo; s < hi; s++) {   /* every cut the gate spans: one window (a swap or the gate) */
            double l = p->bond[s], c = p->bond[s + 1], r = p->bond[s + 2], seconds = window_seconds(m, l, c, r);
            p->work[s] += seconds;
            p->crossings[s] += 1;
            if (on_grid(p, s)) {
                p->grid_work[s] += seconds;
                p->grid_bytes[s] += 16 * (2 * l * c + c * 2 * r + c * 2 * r + 2 * l * c);
            }
        }
    }
}

typedef struct {
    int ranks, per_node, threads, team, fits;
    double seconds, rank_bytes, node_bytes, imbalance;
} plan_layout;

/* Seconds of segment lo..hi (sites) on its rank or team: its windows (a
 * team's larger ones on its grid, their sites there and back), and round
 * trips of a site for windows across its ends. */
static double segment_seconds(const plan_model *p, const plan_machine *m, const int *lo, int r, int segments,
                              int per_node, int threads, int team)
{
    int n = p->n;
    double speed = 1 + (threads - 1) * m->blas_eff, t = 0;
    for (int s = lo[r]; s < lo[r + 1]; s++) {
        if (team > 1)
            t += (p->work[s] - p->grid_work[s]) / speed + p->grid_work[s] / (team * m->scal_eff)
                 + p->grid_bytes[s] / m->bw_in;
        else
            t += p->work[s] / speed;
    }
    for (int side = 0; side < 2; side++) {   /* the boundaries right and left: round trips of one site */
        int cut = side ? lo[r] : lo[r + 1], other = side ? r - 1 : r + 1;
        if (lo[r + 1] == lo[r] || cut <= 0 || cut >= n || other < 0 || other >= segments) continue;
        int same = (other * team) / per_node == (r * team) / per_node;
        double lat = same ? m->lat_in : m->lat, bw = same ? m->bw_in : m->bw;
        t += p->crossings[cut - 1] * (2 * lat + 2 * site_bytes(p, cut) / bw);
    }
    return t;
}

/* Bytes a segment's leader holds: the segment, its windows' buffers (each
 * at its largest; in a team, those of the windows not split on the grid),
 * once per thread that runs its gates of a layer (a team's leader keeps
 * one), a lent site across its right end, and its share of the grid's
 * matrices. */
static double leader_bytes(const plan_model *p, const int *lo, int r, int threads, int team, double grid)
{
    int n = p->n;
    double bytes = PLAN_RANK_OVERHEAD_BYTES, largest[BUF_COUNT] = {0}, one[BUF_COUNT], window = 0, lent = 0;
    for (int s = lo[r]; s < lo[r + 1]; s++) {
        bytes += site_bytes(p, s);
        if (s + 1 == lo[r + 1] && s + 1 < n) lent = site_bytes(p, s + 1);
        if (s + 1 < n && !(team > 1 && on_grid(p, s))) {
            window_buffers(p->bond[s], p->bond[s + 1], p->bond[s + 2], p->chi, one);
            for (int b = 0; b < BUF_COUNT; b++) largest[b] = fmax(largest[b], one[b]);
        }
    }
    for (int b = 0; b < BUF_COUNT; b++) window += largest[b];
    int busy = (lo[r + 1] - lo[r] + 1) / 2, sets = team > 1 ? 1 : threads;
    return bytes + window * (busy < sets ? (busy > 0 ? busy : 1) : sets) + lent + grid;
}

/* Predicts one layout: P = nodes * per_node ranks of threads each, in teams
 * of team ranks that own one segment each. */
static void predict(const plan_model *p, const plan_machine *m, long nodes, int per_node, int threads, int team,
                    double memory, plan_layout *out)
{
    int n = p->n, P = (int)(nodes * per_node), S = P / team;
    int *lo = malloc(((size_t)S + 1) * sizeof(int));
    out->ranks = P;
    out->per_node = per_node;
    out->threads = threads;
    out->team = team;
    out->fits = 0;
    out->seconds = out->rank_bytes = out->node_bytes = INFINITY;
    if (!lo) return;
    part_balanced(n, S, p->cost, lo);
    out->imbalance = part_imbalance(n, S, p->cost, lo);
    double worst_t = 0, worst_node = 0, node = 0, worst_b = 0;
    for (int r = 0; r < S; r++) {   /* segment r: ranks r * team (its leader) .. r * team + team - 1 */
        double grid = 0;   /* each rank's share of the grid's matrices */
        for (int s = lo[r]; s < lo[r + 1] && team > 1; s++)
            if (on_grid(p, s)) grid = fmax(grid, team_window_bytes(p->bond[s], p->bond[s + 1], p->bond[s + 2], team));
        double leader = leader_bytes(p, lo, r, threads, team, grid), member = PLAN_RANK_OVERHEAD_BYTES + grid;
        worst_t = fmax(worst_t, segment_seconds(p, m, lo, r, S, per_node, threads, team));
        worst_b = fmax(worst_b, leader);
        for (int q = r * team; q < (r + 1) * team; q++) {
            node += q % team ? member : leader;
            if ((q + 1) % per_node == 0 || q + 1 == P) {
                worst_node = fmax(worst_node, node);
                node = 0;
            }
        }
    }
    out->seconds = worst_t;
    out->rank_bytes = worst_b;
    out->node_bytes = worst_node;
    out->fits = worst_node <= memory;
    free(lo);
}

/* Keeps layout l as the best so far if it is: the fastest that fits, else
 * the one needing the least memory per node. */
static void consider(const plan_layout *l, json_t *cands, plan_layout *best)
{
    json_array_append_new(cands, json_pack("{s:i, s:i, s:i, s:i, s:b, s:f, s:I, s:I, s:f}", "ranks", l->ranks,
                                           "ranks_per_node", l->per_node, "threads_per_rank", l->threads,
                                           "team_size", l->team, "fits",
                                           l->fits, "predicted_seconds", l->seconds, "memory_per_rank_bytes",
                                           (json_int_t)l->rank_bytes, "memory_per_node_bytes",
                                           (json_int_t)l->node_bytes, "imbalance", l->imbalance));
    int better = !best->ranks || (l->fits && !best->fits) ||
                 (l->fits == best->fits && (l->fits ? l->seconds < best->seconds : l->node_bytes < best->node_bytes));
    if (better) *best = *l;
}

/* Every layout of powers of two ranks per node (and all cores as ranks);
 * teams of 1 to PLAN_MAX_TEAM ranks (at most as many segments as sites);
 * each with the node's cores shared out as threads, or fewer threads (a
 * rank's threads each hold a window's scratch buffers) until it fits. */
static void choose(const plan_model *p, const plan_machine *m, const plan_args *a, int cores, json_t *cands,
                   plan_layout *best)
{
    best->ranks = 0;
    int per_node[40], count = 0;
    for (int per = 1; per < cores && count < 39; per *= 2) per_node[count++] = per;
    per_node[count++] = cores;
    for (int i = 0; i < count; i++) {
        long ranks = (long)per_node[i] * a->nodes;
        for (int team = 1; team <= PLAN_MAX_TEAM && team <= ranks; team *= 2) {
            if (ranks % team || ranks / team > p->n) continue;   /* a segment needs a site to own */
            for (int threads = cores / per_node[i]; threads >= 1; threads /= 2) {
                plan_layout l;
                predict(p, m, a->nodes, per_node[i], threads, team, a->memory, &l);
                consider(&l, cands, best);
                if (l.fits) break;   /* fewer threads would only be slower */
            }
        }
    }
}

/* The fewest nodes (doubling from nodes) on which some layout fits, or 0. */
static long nodes_needed(const plan_model *p, const plan_machine *m, const plan_args *a, int cores)
{
    plan_args b = *a;
    for (b.nodes = a->nodes * 2; b.nodes <= p->n; b.nodes *= 2) {
        json_t *scratch = json_array();
        plan_layout l;
        choose(p, m, &b, cores, scratch, &l);
        json_decref(scratch);
        if (l.ranks && l.fits) return b.nodes;
    }
    return 0;
}

static int report(const plan_args *a, const circuit *c, const plan_model *p, const plan_machine *m, int cores)
{
    json_t *cands = json_array();
    plan_layout best;
    choose(p, m, a, cores, cands, &best);
    double state = 0;
    for (int s = 0; s < p->n; s++) state += site_bytes(p, s);
    json_t *root = json_pack("{s:s, s:i, s:I, s:I, s:I, s:i, s:I, s:b}", "circuit", a->circuit, "qubits", c->nqubits,
                             "chi", (json_int_t)a->chi, "nodes", (json_int_t)a->nodes, "memory_per_node_bytes",
                             (json_int_t)a->memory, "cores_per_node", cores, "state_bytes", (json_int_t)state, "fits",
                             best.ranks && best.fits);
    if (best.ranks) {
        json_object_set_new(root, "layout", json_pack("{s:i, s:i, s:i, s:i}", "ranks", best.ranks, "ranks_per_node",
                                                      best.per_node, "threads_per_rank", best.threads, "team_size",
                                                      best.team));
        json_object_set_new(root, "predicted_seconds", json_real(best.seconds));
        json_object_set_new(root, "memory_per_rank_bytes", json_integer((json_int_t)best.rank_bytes));
        json_object_set_new(root, "memory_per_node_needed_bytes", json_integer((json_int_t)best.node_bytes));
    }
    if (!(best.ranks && best.fits)) {
        long more = nodes_needed(p, m, a, cores);
        json_object_set_new(root, "fits_on_nodes", more ? json_integer(more) : json_null());
    }
    json_object_set_new(root, "candidates", cands);
    json_object_set_new(root, "model", json_string("docs/scaling.md: saturated bonds, the engine's partition, "
                                                   "measured gate rates; teams' windows on their grid at the assumed "
                                                   "ScaLAPACK efficiency"));
    char *text = json_dumps(root, JSON_INDENT(1) | JSON_REAL_PRECISION(6));
    json_decref(root);
    if (!text) return tn_fail(TN_ERR_MEMORY, "out of memory: the plan");
    int status = a->output ? outfile_write_text(a->output, text, "option -o") : outfile_stdout(text);
    free(text);
    return status;
}

int plan_command(int argc, char **argv)
{
    plan_args a = {0};
    a.order = "identity";
    a.gate_rank = 2;
    int help = 0;
    CALL(parse_args(argc, argv, &a, &help));
    if (help) { fputs(plan_usage, stdout); return TN_OK; }
    plan_machine m;
    CALL(read_machine(a.machine, &m));
    int cores = a.cores ? (int)a.cores : m.cores;
    circuit *c;
    CALL(originir_wants(a.circuit, NULL) ? originir_parse_file(a.circuit, &c) : qasm_parse_file(a.circuit, &c));
    int n = c->nqubits;
    size_t len = (size_t)n + 1;
    plan_model p = {n, (double)a.chi, tn_calloc(len + 1, sizeof(double)), tn_calloc(len, sizeof(double)),
                    tn_calloc(len, sizeof(double)), tn_calloc(len, sizeof(double)), tn_calloc(len, sizeof(double)),
                    tn_calloc(len, sizeof(double))};
    int *site_of = tn_malloc((size_t)n * sizeof(int) + 1);
    int status = p.bond && p.work && p.crossings && p.cost && p.grid_work && p.grid_bytes && site_of
                     ? TN_OK : TN_ERR_MEMORY;
    if (status == TN_OK) status = order_choose(c, a.order, site_of);
    if (status == TN_OK) {
        build_model(c, site_of, &a, &m, &p);
        status = report(&a, c, &p, &m, cores);
    }
    free(site_of);
    free(p.bond); free(p.work); free(p.crossings); free(p.cost);
    free(p.grid_work); free(p.grid_bytes);
    circ_destroy(&c);
    return status;
}
