/* adapters.c - `tnemu adapters SPEC.json`: Cayley unitary adapters (CUA,
 * arXiv:2605.05914) as blocks of k qubits on a device, emulated as one batch
 * of circuits farmed over MPI groups (docs/adapters.md has the spec format).
 *
 * Each input vector is cut into d = 2^k long pieces; piece j is amplitude
 * encoded (its norm kept classically) and multiplied by the block's unitary
 * U_j = (I - c K_j)(I + c K_j)^-1 (c = 1/2 by default): the encoding of
 * x / |x|, then U_j compiled on its own (the default, as a device runs it), or
 * both merged into the preparation of U_j x / |x| (blocks.h), placed on a
 * disjoint connected k-qubit set of the device; as many pieces as there are
 * blocks go into one circuit. Each output piece is read back as
 * sqrt(counts / shots) |x| with the signs (phases) of the exact U_j x, as in
 * the paper, and compared with U_j x.
 * A circuit runs block by block (exact density matrices, densblock.h) when no
 * noise couples its blocks, else as one MPS with trajectories (run.c);
 * --hardware-counts reads a device's counts of the emitted circuits back
 * (adapters_hw.h) and compares the outputs with the emulation.
 * Not for: the compilation itself (blocks.c), running one circuit (run.c),
 * reading the spec (adapters_spec.c). */
#include "adapters.h"
#include "adapters_spec.h"
#include "adapters_hw.h"

#include <errno.h>
#include <jansson.h>
#include <lapacke.h>
#include <math.h>
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "blocks.h"
#include "cli.h"
#include "densblock.h"
#include "error.h"
#include "group.h"
#include "input.h"
#include "journal.h"
#include "noise.h"
#include "originir.h"
#include "options.h"
#include "outfile.h"
#include "qasm.h"
#include "report.h"
#include "result.h"
#include "rng.h"
#include "spec.h"
#include "run.h"

#define BLOCK_SHOT_STREAM 0x424c4f43ull   /* per-block shots: (seed + circuit, stream, block slot) */


static const char *adapters_usage =
    "usage: tnemu adapters SPEC.json [OPTIONS]\n"
    "\n"
    "  --emit DIR         also write every circuit as OpenQASM 2 (IBM, line, grid) or OriginIR\n"
    "                     (Origin) to DIR/circuit-N.qasm|.ir, ready for hardware\n"
    "  --sweep DIR        run every block size and noise scale of the spec's \"sweep\" (default 2, 3, 4\n"
    "                     and 0, 0.5, 1, 2): DIR/sweep.csv, DIR/sweep.png and each point's result\n"
    "  --method M         auto (default): each block's exact distribution from its own density\n"
    "                     matrix when no noise couples blocks, else the MPS with trajectories;\n"
    "                     per-block (an error when noise couples blocks); mps (whole circuits)\n"
    "  --hardware-counts DIR\n"
    "                     also reconstruct the outputs from hardware counts, one file per emitted\n"
    "                     circuit (DIR/circuit-N.json, as --emit names them), against the emulation\n"
    "  --checkpoint DIR   keep a journal of the circuits done in DIR/journal; SIGUSR1 or SIGTERM\n"
    "                     stops after the circuits under way (exit status 3)\n"
    "  --resume DIR       run only the circuits DIR's journal lacks (and go on journaling there)\n"
    "  -o, --output FILE  write the result JSON to FILE (default: stdout)\n"
    "engine options (as tnemu run; --shots, --seed, --noise, --noise-scale, --t2 and\n"
    "--trajectories override the spec's; --groups defaults to one group per rank):\n"
    "%s%s"
    "\n"
    "The spec format is in docs/adapters.md; examples in examples/adapters/. File names in a\n"
    "spec are relative to the spec's folder.\n";

static run_request engine;   /* the shared engine options (options.c), applied to every circuit */
static journal_options journal_opts = {.command = "adapters"};   /* --checkpoint, --resume (journal.c) */

/* ---- linear algebra ------------------------------------------------------ */

/* U = (I - c K)(I + c K)^-1 (d x d, row-major). The two factors commute, so
 * the order does not matter; U is unitary for any skew-Hermitian K. */
static int cayley(int d, const double complex *k, double c, double complex *u)
{
    size_t dd = (size_t)d * d;
    lapack_complex_double *a = malloc(dd * sizeof *a), *b = malloc(dd * sizeof *b);
    lapack_int *piv = malloc((size_t)d * sizeof *piv);
    int status = a && b && piv ? TN_OK : TN_ERR_MEMORY;
    for (int i = 0; i < d && status == TN_OK; i++)
        for (int j = 0; j < d; j++) {
            double complex delta = i == j;
            a[(size_t)j * d + i] = delta + c * k[(size_t)i * d + j];   /* (I + cK)^T: solve X (I + cK) = B */
            b[(size_t)j * d + i] = delta - c * k[(size_t)i * d + j];
        }
    /* X (I + cK) = (I - cK)  <=>  (I + cK)^T X^T = (I - cK)^T */
    if (status == TN_OK && LAPACKE_zgesv(LAPACK_ROW_MAJOR, d, d, a, d, piv, b, d) != 0)
        status = tn_fail(TN_ERR_NUMERIC, "the Cayley transform is singular (I + cK not invertible)");
    for (int i = 0; i < d && status == TN_OK; i++)
        for (int j = 0; j < d; j++) u[(size_t)i * d + j] = b[(size_t)j * d + i];
    free(a); free(b); free(piv);
    return status;
}

static void mat_vec(int d, const double complex *u, const double *x, double complex *y)
{
    for (int i = 0; i < d; i++) {
        y[i] = 0;
        for (int j = 0; j < d; j++) y[i] += u[(size_t)i * d + j] * x[j];
    }
}

/* ---- circuits ---------------------------------------------------------------- */

/* Piece j of input n: its numbers x and its unitary U_j. */
static const double *piece_input(const adapter_spec *s, int n, int j)
{
    return s->inputs + ((size_t)n * s->pieces + j) * s->d;
}

static const double complex *piece_unitary(const adapter_spec *s, int j)
{
    return s->unitaries + (size_t)(s->ngen == 1 ? 0 : j) * s->d * s->d;
}

/* The state U_j x / |x| of piece j of input n, and the exact U_j x. */
static void piece_state(const adapter_spec *s, int n, int j, double complex *v, double complex *exact, double *norm)
{
    const double *x = piece_input(s, n, j);
    mat_vec(s->d, piece_unitary(s, j), x, exact);
    double nn = 0;
    for (int i = 0; i < s->d; i++) nn += x[i] * x[i];
    *norm = sqrt(nn);
    for (int i = 0; i < s->d; i++) v[i] = *norm > 0 ? exact[i] / *norm : (i == 0);
}

static long total_pieces(const adapter_spec *s) { return (long)s->ninputs * s->pieces; }
static long circuit_count(const adapter_spec *s) { return (total_pieces(s) + s->nblocks - 1) / s->nblocks; }

/* The compiled gates of piece p on its block (slot p mod B): the encoding of
 * x/|x| then U (separate), or the preparation of U x/|x| (merged). */
static int piece_ops(const adapter_spec *s, long p, native_op *ops, int *nops)
{
    double complex v[1 << BLOCKS_MAX_K], exact[1 << BLOCKS_MAX_K];
    double norm;
    int n = (int)(p / s->pieces), j = (int)(p % s->pieces);
    piece_state(s, n, j, v, exact, &norm);
    const int *qubits = s->blocks + (size_t)(p % s->nblocks) * s->k;
    unsigned char adj[BLOCKS_MAX_K * BLOCKS_MAX_K];
    blocks_coupling(&s->dev, s->k, qubits, adj);
    if (s->compile_separate) {   /* amplitude-encode x/|x|, then U as its own circuit */
        const double *x = piece_input(s, n, j);
        for (int i = 0; i < s->d; i++) v[i] = norm > 0 ? x[i] / norm : (i == 0);
        *nops = blocks_compile(s->k, v, piece_unitary(s, j), adj, ops);
    } else {
        *nops = blocks_state_prep(s->k, v, adj, ops);
    }
    if (*nops < 0) return tn_fail(TN_ERR_NUMERIC, "the state preparation of piece %ld failed", p);
    return TN_OK;
}

/* The pieces of circuit t: [*first, *last). */
static void circuit_pieces(const adapter_spec *s, long t, long *first, long *last)
{
    *first = t * s->nblocks;
    *last = *first + s->nblocks;
    if (*last > total_pieces(s)) *last = total_pieces(s);
}

/* The text of circuit t: pieces t*B .. on blocks 0.., measured into c[b*k + j]. */
static int circuit_text(const adapter_spec *s, long t, text_buf *b, int *two_qubit_gates)
{
    long first, last;
    circuit_pieces(s, t, &first, &last);
    int used = (int)(last - first), nbits = used * s->k;
    native_op *ops = tn_malloc((size_t)blocks_max_ops(s->k) * sizeof *ops);
    if (!ops) return TN_ERR_MEMORY;
    int status = s->emit_originir ? text_printf(b, "QINIT %d\nCREG %d\n", s->dev.nqubits, nbits)
                                  : text_printf(b, "OPENQASM 2.0;\ninclude \"qelib1.inc\";\nqreg q[%d];\ncreg c[%d];\n",
                                                s->dev.nqubits, nbits);
    *two_qubit_gates = 0;
    for (long p = first; p < last && status == TN_OK; p++) {
        int nops;
        const int *qubits = s->blocks + (size_t)(p - first) * s->k;
        status = piece_ops(s, p, ops, &nops);
        for (int i = 0; i < nops && status == TN_OK; i++) *two_qubit_gates += ops[i].cz;
        if (status == TN_OK)
            status = s->emit_originir ? blocks_emit_originir(b, ops, nops, qubits) : blocks_emit_qasm(b, ops, nops, qubits);
    }
    for (int slot = 0; slot < used && status == TN_OK; slot++)
        for (int j = 0; j < s->k && status == TN_OK; j++) {
            int q = s->blocks[(size_t)slot * s->k + j], bit = slot * s->k + j;
            status = s->emit_originir ? text_printf(b, "MEASURE q[%d],c[%d]\n", q, bit)
                                      : text_printf(b, "measure q[%d] -> c[%d];\n", q, bit);
        }
    free(ops);
    return status;
}

/* Circuit t as the parser would read circuit_text's, built directly (the
 * per-block path runs thousands of them: the text round trip was a third of
 * its time). */
static int circuit_build(const adapter_spec *s, long t, circuit **out, int *two_qubit_gates)
{
    long first, last;
    circuit_pieces(s, t, &first, &last);
    int used = (int)(last - first), index;
    char name[64];
    snprintf(name, sizeof name, "circuit-%ld.%s", t, s->emit_originir ? "ir" : "qasm");
    native_op *ops = tn_malloc((size_t)blocks_max_ops(s->k) * sizeof *ops);
    int status = ops ? circ_create(name, out) : TN_ERR_MEMORY;
    if (status == TN_OK) status = circ_add_qreg(*out, "q", s->dev.nqubits, &index);
    if (status == TN_OK) status = circ_add_creg(*out, "c", used * s->k, &index);
    *two_qubit_gates = 0;
    for (long p = first; p < last && status == TN_OK; p++) {
        int nops;
        status = piece_ops(s, p, ops, &nops);
        for (int i = 0; i < nops && status == TN_OK; i++) *two_qubit_gates += ops[i].cz;
        if (status == TN_OK)
            status = blocks_append_ops(*out, ops, nops, s->blocks + (size_t)(p - first) * s->k, s->emit_originir);
    }
    for (int bit = 0; bit < used * s->k && status == TN_OK; bit++) {
        circ_op m;
        memset(&m, 0, sizeof m);
        m.kind = OP_MEASURE;
        m.nqubits = 1;
        m.qubits[0] = s->blocks[bit];
        m.clbit = bit;
        m.cond_reg = -1;
        status = circ_append(*out, &m);
    }
    free(ops);
    if (status != TN_OK) circ_destroy(out);
    return status;
}

/* Block qubits on consecutive sites (block by block), the rest after them,
 * so that a block's gates never reach beyond its own sites. */
static void block_order(const adapter_spec *s, int *site_of)
{
    int n = s->dev.nqubits, next = 0;
    for (int q = 0; q < n; q++) site_of[q] = -1;
    for (int i = 0; i < s->nblocks * s->k; i++) site_of[s->blocks[i]] = next++;
    for (int q = 0; q < n; q++) if (site_of[q] < 0) site_of[q] = next++;
}

/* ---- running ------------------------------------------------------------------ */

/* Per circuit, sent from its group's leader to world rank 0: per block slot
 * the d outcome frequencies, then max bond (0: no MPS), fidelity estimate,
 * seconds, CZ gates, and how it ran: 1 exact per block, 0 the MPS, or
 * -(the densblock_reason code) when method auto fell back to the MPS. */
static size_t task_doubles(const adapter_spec *s) { return (size_t)s->nblocks * s->d + 5; }

/* Circuit t block by block: each block's exact distribution (densblock.h),
 * then its shots drawn from (seed + t, block slot). *why_not > 0 when the
 * blocks are not independent (nothing is written then). Every rank of the
 * group computes the same, so none has to wait for another. */
static int run_task_per_block(const adapter_spec *s, long t, const circuit *c, const noise_model *noise, double *out,
                              int *why_not)
{
    long first = t * s->nblocks, left = total_pieces(s) - first;
    int used = (int)(left < s->nblocks ? left : s->nblocks);
    double *probs = tn_malloc((size_t)used * s->d * sizeof *probs);
    if (!probs) return TN_ERR_MEMORY;
    int status = densblock_probs(c, noise, s->k, used, s->blocks, probs, why_not);
    if (status == TN_OK && *why_not && s->method == METHOD_PER_BLOCK)
        status = tn_fail(TN_ERR_INPUT, "%s: method per-block: %s (use method auto or mps)", s->path,
                         densblock_reason(*why_not));
    for (int slot = 0; slot < used && status == TN_OK && !*why_not; slot++) {
        long counts[1 << DENSBLOCK_MAX_K];
        rng_stream r;
        rng_init_sub(&r, s->seed + (uint64_t)t, BLOCK_SHOT_STREAM, (uint32_t)slot);
        densblock_multinomial(&r, s->shots, probs + (size_t)slot * s->d, s->d, counts);
        for (int i = 0; i < s->d; i++) out[(size_t)slot * s->d + i] = (double)counts[i] / (double)s->shots;
    }
    free(probs);
    return status;
}

static void block_frequencies(const adapter_spec *s, const run_result *res, double *out)
{
    memset(out, 0, (size_t)s->nblocks * s->d * sizeof *out);
    int width = res->key_bits;
    for (size_t e = 0; e < res->ncounts; e++) {
        const char *key = res->counts[e].key;
        for (int slot = 0; slot < width / s->k; slot++) {
            int idx = 0;
            for (int j = 0; j < s->k; j++) idx |= (key[width - 1 - (slot * s->k + j)] == '1') << j;
            out[(size_t)slot * s->d + idx] += (double)res->counts[e].count / (double)res->shots;
        }
    }
}

/* Runs circuit t on this group (collective over g->comm); the leader fills out. */
static int run_task(const adapter_spec *s, long t, tn_group *g, const noise_model *noise, const int *site_of,
                    double *out)
{
    double t0 = MPI_Wtime();
    int cz = 0, why_not = 1, status = TN_OK;
    circuit *c = NULL;
    if (s->method != METHOD_MPS) {
        status = circuit_build(s, t, &c, &cz);
        if (status == TN_OK) status = run_task_per_block(s, t, c, noise, out, &why_not);
    }
    if (status == TN_OK && !why_not) {
        size_t at = (size_t)s->nblocks * s->d;
        out[at] = 0;
        out[at + 1] = 1;
        out[at + 2] = MPI_Wtime() - t0;
        out[at + 3] = cz;
        out[at + 4] = 1;
        circ_destroy(&c);
        return TN_OK;
    }
    circ_destroy(&c);
    text_buf b = {0};
    char name[64];
    snprintf(name, sizeof name, "circuit-%ld.%s", t, s->emit_originir ? "ir" : "qasm");
    if (status == TN_OK) status = circuit_text(s, t, &b, &cz);
    if (status == TN_OK)
        status = s->emit_originir ? originir_parse_string(b.text, b.len, name, &c) : qasm_parse_string(b.text, b.len, name, &c);
    free(b.text);
    tn_group *one = NULL;
    if (status == TN_OK) status = group_create(g->comm, 1, &one);
    run_options opt;
    memset(&opt, 0, sizeof opt);
    opt.shots = s->shots;
    opt.seed = s->seed + (uint64_t)t;   /* each circuit its own streams, whichever group runs it */
    opt.order = "identity";
    opt.site_of = site_of;
    opt.grp = one;
    opt.scalapack_min = 0;
    opt.noise = noise;
    opt.trajectories = s->trajectories;
    options_apply(&engine, &opt);
    run_result res = {0};
    if (status == TN_OK) status = run_circuit(c, &opt, &res);
    if (status == TN_OK) status = run_collect(g->comm, &opt, &res);
    if (status == TN_OK && g->rank == 0) {
        block_frequencies(s, &res, out);
        size_t at = (size_t)s->nblocks * s->d;
        out[at] = res.max_bond;
        out[at + 1] = res.fidelity_estimate;
        out[at + 2] = MPI_Wtime() - t0;
        out[at + 3] = cz;
        out[at + 4] = s->method == METHOD_MPS ? 0 : -why_not;
    }
    run_result_free(&res);
    group_destroy(&one);
    circ_destroy(&c);
    return status;
}

/* Circuit t runs on group t mod G; world rank 0 gathers every circuit's numbers. */
typedef struct {
    const adapter_spec *s;
    const noise_model *noise;
    const int *site_of;
} adapters_job;

static int adapters_task(void *ctx, long t, tn_group *g, double *out)
{
    const adapters_job *job = ctx;
    return run_task(job->s, t, g, job->noise, job->site_of, out);
}

/* Every circuit over the groups (journal.c; with --checkpoint or --resume, a
 * journal of the circuits done). World rank 0 ends with all rows. */
static int farm(const adapter_spec *s, MPI_Comm world, int ngroups, const noise_model *noise, double *all)
{
    int *site_of = tn_malloc((size_t)s->dev.nqubits * sizeof(int));
    int status = group_agree(world, site_of ? TN_OK : TN_ERR_MEMORY);
    if (site_of) block_order(s, site_of);
    adapters_job job = {s, noise, site_of};
    long rounds = 0, resumed = 0;
    if (status == TN_OK)
        status = journal_farm(world, ngroups, circuit_count(s), task_doubles(s), adapters_task, &job, &journal_opts, all,
                              &rounds, &resumed);
    free(site_of);
    return status;
}

/* ---- output ------------------------------------------------------------------- */

/* Per-piece outcome frequencies: circuit t's block slot b at freq + t * stride + b * 2^k. */
typedef struct {
    const double *freq;
    size_t stride;
} block_rows;

static const double *piece_frequencies(const adapter_spec *s, block_rows rows, long p)
{
    return rows.freq + (size_t)(p / s->nblocks) * rows.stride + (size_t)(p % s->nblocks) * s->d;
}

/* Piece p read back from frequencies: sqrt(f) |x| with the phases of the exact
 * U x (est, d numbers); returns |est - U x| / |U x|. */
static double piece_output(const adapter_spec *s, long p, const double *freq, double complex *est)
{
    double complex v[1 << BLOCKS_MAX_K], exact[1 << BLOCKS_MAX_K];
    double norm, diff = 0, ref = 0;
    piece_state(s, (int)(p / s->pieces), (int)(p % s->pieces), v, exact, &norm);
    for (int i = 0; i < s->d; i++) {
        double mag = sqrt(fmax(freq[i], 0)) * norm, ex = cabs(exact[i]);
        est[i] = ex > 0 ? mag * exact[i] / ex : mag;   /* the sign (phase) of the exact U x */
        diff += creal((est[i] - exact[i]) * conj(est[i] - exact[i]));
        ref += ex * ex;
    }
    return ref > 0 ? sqrt(diff / ref) : sqrt(diff);
}

/* The outputs of every input reconstructed from rows, their relative errors
 * against U x, and *err_sum their sum over pieces. */
static json_t *outputs_json(const adapter_spec *s, block_rows rows, double *err_sum)
{
    json_t *inputs = json_array();
    double complex est[1 << BLOCKS_MAX_K];
    *err_sum = 0;
    for (int n = 0; n < s->ninputs; n++) {
        json_t *out = json_array(), *errs = json_array();
        double in_err = 0;
        for (int j = 0; j < s->pieces; j++) {
            long p = (long)n * s->pieces + j;
            double rel = piece_output(s, p, piece_frequencies(s, rows, p), est);
            for (int i = 0; i < s->d; i++) {
                if (s->complex_generators) json_array_append_new(out, json_pack("[f,f]", creal(est[i]), cimag(est[i])));
                else json_array_append_new(out, json_real(creal(est[i])));
            }
            json_array_append_new(errs, json_real(rel));
            in_err += rel;
        }
        *err_sum += in_err;
        json_array_append_new(inputs, json_pack("{s:o, s:o, s:f}", "output", out, "block_relative_errors", errs,
                                                "mean_relative_error", in_err / s->pieces));
    }
    return inputs;
}

/* The "hardware" section: outputs from the device's counts, their error
 * against U x, and how far they are from the emulated outputs (relative
 * difference of the outputs, total variation distance of the blocks' outcome
 * frequencies), means over pieces. */
static json_t *hardware_json(const adapter_spec *s, const char *dir, block_rows hw, block_rows emu, double shots)
{
    double err_sum, diff_sum = 0, tvd_sum = 0;
    json_t *inputs = outputs_json(s, hw, &err_sum);
    double complex a[1 << BLOCKS_MAX_K], b[1 << BLOCKS_MAX_K];
    for (long p = 0; p < total_pieces(s); p++) {
        const double *fh = piece_frequencies(s, hw, p), *fe = piece_frequencies(s, emu, p);
        piece_output(s, p, fh, a);
        piece_output(s, p, fe, b);
        double diff = 0, ref = 0, tvd = 0;
        for (int i = 0; i < s->d; i++) {
            diff += creal((a[i] - b[i]) * conj(a[i] - b[i]));
            ref += creal(b[i] * conj(b[i]));
            tvd += fabs(fh[i] - fe[i]) / 2;
        }
        diff_sum += ref > 0 ? sqrt(diff / ref) : sqrt(diff);
        tvd_sum += tvd;
    }
    double np = (double)total_pieces(s);
    return json_pack("{s:s, s:i, s:f, s:f, s:f, s:f, s:o}", "counts", dir, "circuits", (int)circuit_count(s),
                     "shots", shots, "mean_relative_error", err_sum / np, "mean_relative_difference_from_emulation",
                     diff_sum / np, "mean_block_tvd_from_emulation", tvd_sum / np, "inputs", inputs);
}

static json_t *result_json(const adapter_spec *s, const double *all, int ranks, int ngroups, double seconds,
                           const noise_model *noise)
{
    json_t *root = json_object(), *blocks = json_array();
    size_t per = task_doubles(s);
    double err_sum = 0;
    long cz_total = 0, per_block = 0;
    int max_bond = 0, fallback = 0;
    for (long t = 0; t < circuit_count(s); t++) {
        const double *row = all + (size_t)t * per + (size_t)s->nblocks * s->d;
        if ((int)row[0] > max_bond) max_bond = (int)row[0];
        cz_total += (long)row[3];
        per_block += row[4] > 0;
        if (row[4] < 0) fallback = (int)-row[4];
    }
    for (int b = 0; b < s->nblocks; b++) {
        json_t *q = json_array();
        for (int j = 0; j < s->k; j++) json_array_append_new(q, json_integer(s->blocks[(size_t)b * s->k + j]));
        json_array_append_new(blocks, q);
    }
    block_rows emulated = {all, per};
    json_t *inputs = outputs_json(s, emulated, &err_sum);
    json_object_set_new(root, "tool", json_string("tnemu adapters"));
    json_object_set_new(root, "spec", json_string(s->path));
    json_object_set_new(root, "device", json_pack("{s:s, s:i, s:i}", "name", s->dev.name, "qubits", s->dev.nqubits,
                                                  "couplers", s->dev.nedges));
    json_object_set_new(root, "block_qubits", json_integer(s->k));
    json_object_set_new(root, "cayley", json_pack("{s:s, s:f}", "form", "U = (I - cK)(I + cK)^-1", "c", s->cayley_c));
    json_object_set_new(root, "compile", json_string(s->compile_separate ? "separate" : "merged"));
    json_object_set_new(root, "blocks_per_circuit", json_integer(s->nblocks));
    json_object_set_new(root, "block_qubit_sets", blocks);
    json_object_set_new(root, "circuits", json_integer(circuit_count(s)));
    json_object_set_new(root, "pieces", json_integer(total_pieces(s)));
    json_object_set_new(root, "shots_per_circuit", json_integer(s->shots));
    json_object_set_new(root, "two_qubit_gates", json_integer(cz_total));
    json_object_set_new(root, "two_qubit_gates_per_block", json_real((double)cz_total / (double)total_pieces(s)));
    json_object_set_new(root, "max_bond_dimension", max_bond ? json_integer(max_bond) : json_null());
    json_object_set_new(root, "method", json_string(per_block == circuit_count(s) ? "per-block"
                                                    : per_block ? "mixed" : "mps"));
    json_object_set_new(root, "noise_method", json_string(!noise ? "none" : per_block == circuit_count(s)
                                                          ? "exact-per-block" : per_block ? "mixed" : "trajectories"));
    if (fallback) json_object_set_new(root, "method_reason", json_string(densblock_reason(fallback)));
    json_object_set_new(root, "trajectories", noise && per_block < circuit_count(s)
                                              ? json_integer(s->trajectories > 0 ? s->trajectories
                                                             : run_default_trajectories(s->shots))
                                              : json_null());
    json_object_set_new(root, "noise", noise ? json_pack("{s:s, s:f}", "model", noise->source, "scale", noise->scale)
                                             : json_null());
    json_object_set_new(root, "mean_relative_error", json_real(err_sum / (double)total_pieces(s)));
    json_object_set_new(root, "inputs", inputs);
    json_object_set_new(root, "mpi", json_pack("{s:i, s:i}", "ranks", ranks, "groups", ngroups));
    json_object_set_new(root, "timing", json_pack("{s:f}", "total", seconds));
    return root;
}

static int emit_circuits(const adapter_spec *s, const char *dir)
{
    if (mkdir(dir, 0777) != 0 && errno != EEXIST)
        return tn_fail(TN_ERR_WRITE, "option --emit: cannot create directory %s: %s", dir, strerror(errno));
    for (long t = 0; t < circuit_count(s); t++) {
        text_buf b = {0};
        int cz;
        char path[4096];
        int status = circuit_text(s, t, &b, &cz);
        snprintf(path, sizeof path, "%s/circuit-%ld.%s", dir, t, s->emit_originir ? "ir" : "qasm");
        if (status == TN_OK) {
            if (b.len && b.text[b.len - 1] == '\n') b.text[b.len - 1] = '\0';   /* the writer adds it */
            status = outfile_write_one_of_many(path, b.text, "option --emit");
        }
        free(b.text);
        CALL(status);
    }
    return TN_OK;
}

/* ---- command ------------------------------------------------------------------- */

typedef struct {
    const char *spec, *output, *emit, *sweep, *hardware;
    int method;                 /* enum adapter_method; -1: the spec's */
    long groups, shots;
    double noise_scale;
    int quiet, help;
    json_t *root;               /* the spec already parsed (the library), else NULL: read the file spec */
    MPI_Comm comm;              /* the ranks that run it */
} adapters_request;

static int parse_adapters_args(int argc, char **argv, adapters_request *rq, int ranks)
{
    (void)ranks;
    memset(rq, 0, sizeof *rq);
    rq->method = -1;
    options_defaults(&engine);
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i];
        int taken = 0;
        CALL(options_parse_engine(argc, argv, &i, &engine, &taken));
        if (taken) continue;
        if (a[0] != '-' || !a[1]) {
            if (rq->spec) return tn_fail(TN_ERR_USAGE, "tnemu adapters takes one spec; '%s' is a second one", a);
            rq->spec = a;
            continue;
        }
        if (i + 1 >= argc) return tn_fail(TN_ERR_USAGE, "option %s needs a value", a);
        const char *v = argv[++i];
        if (strcmp(a, "-o") == 0 || strcmp(a, "--output") == 0) rq->output = v;
        else if (strcmp(a, "--emit") == 0) rq->emit = v;
        else if (strcmp(a, "--sweep") == 0) rq->sweep = v;
        else if (strcmp(a, "--hardware-counts") == 0) rq->hardware = v;
        else if (strcmp(a, "--method") == 0) {
            if (strcmp(v, "auto") && strcmp(v, "per-block") && strcmp(v, "mps"))
                return tn_fail(TN_ERR_USAGE, "option --method: '%s' is not one of auto, per-block, mps", v);
            rq->method = strcmp(v, "auto") == 0 ? METHOD_AUTO : strcmp(v, "mps") == 0 ? METHOD_MPS : METHOD_PER_BLOCK;
        }
        else if (strcmp(a, "--checkpoint") == 0) journal_opts.dir = v;
        else if (strcmp(a, "--resume") == 0) { journal_opts.dir = v; journal_opts.resume = 1; }
        else return tn_fail(TN_ERR_USAGE, "unknown option '%s' for 'tnemu adapters' (see tnemu adapters --help)", a);
        if (!*v) return tn_fail(TN_ERR_USAGE, "option %s: expected a value", a);
    }
    rq->help = engine.help;
    rq->quiet = engine.quiet;
    rq->groups = engine.groups;
    rq->shots = engine.shots_given ? engine.run.shots : -1;
    rq->noise_scale = engine.noise_scale_given ? engine.noise_scale : -1;
    if (rq->help) return TN_OK;
    if (engine.shots_given && engine.run.shots < 1)
        return tn_fail(TN_ERR_USAGE, "option --shots: '0' is not an integer in [1, 1000000000] (adapters count outcomes)");
    if (!rq->spec) return tn_fail(TN_ERR_USAGE, "tnemu adapters: no spec given (see tnemu adapters --help)");
    if (rq->sweep && rq->hardware)
        return tn_fail(TN_ERR_USAGE, "option --hardware-counts: not with --sweep (the counts belong to one block size)");
    if (journal_opts.dir && rq->sweep)
        return tn_fail(TN_ERR_USAGE, "options --checkpoint and --resume journal one run, not a --sweep");
    return options_finish(&engine, "tnemu adapters", 1);
}

/* Reads the spec, the noise model and places the blocks (every rank alike). */
static int prepare(adapter_spec *s, const adapters_request *rq, int k, double scale, noise_model **noise)
{
    double sc = scale >= 0 ? scale : rq->noise_scale;
    CALL(rq->root ? adapter_spec_from_json(rq->root, rq->spec, k, sc, s) : adapter_spec_read(rq->spec, k, sc, s));
    if (rq->shots > 0) s->shots = rq->shots;
    if (rq->method >= 0) s->method = rq->method;
    if (engine.seed_given) s->seed = engine.run.seed;
    if (engine.noise_path) {   /* --noise replaces the spec's model */
        free(s->noise_path);
        if (!(s->noise_path = strdup(engine.noise_path))) return TN_ERR_MEMORY;
    }
    if (engine.t2) s->t2 = engine.t2;
    if (s->noise_path) CALL(noise_load_t2(s->noise_path, engine.noise_format, s->noise_scale, s->t2, noise));
    size_t dd = (size_t)s->d * s->d;
    if (!(s->unitaries = tn_malloc((size_t)s->ngen * dd * sizeof *s->unitaries))) return TN_ERR_MEMORY;
    for (int b = 0; b < s->ngen; b++) CALL(cayley(s->d, s->gens + (size_t)b * dd, s->cayley_c, s->unitaries + (size_t)b * dd));
    if (!(s->blocks = tn_malloc(((size_t)s->dev.nqubits + 1) * sizeof(int)))) return TN_ERR_MEMORY;
    s->nblocks = blocks_place(&s->dev, s->k, *noise && (*noise)->scale > 0 ? *noise : NULL, s->blocks);
    if (s->nblocks == 0)
        return tn_fail(TN_ERR_INPUT, "%s: the device %s has no connected %d-qubit set of usable qubits", s->path,
                       s->dev.name, s->k);
    return TN_OK;
}

/* One run of the spec at block size k (0: the spec's) and noise scale (< 0:
 * the spec's or --noise-scale). Collective; world rank 0 gets the result. */
static int run_point(const adapters_request *rq, int k, double scale, const char *emit, json_t **out)
{
    MPI_Comm world = rq->comm;
    int rank, ranks;
    MPI_Comm_rank(world, &rank);
    MPI_Comm_size(world, &ranks);
    double t0 = MPI_Wtime();
    adapter_spec s;
    memset(&s, 0, sizeof s);
    noise_model *noise = NULL;
    int status = prepare(&s, rq, k, scale, &noise);
    status = group_agree(world, status);   /* every rank read the same files */
    double *all = NULL;
    int ngroups = 1;
    if (status == TN_OK) {
        long T = circuit_count(&s);
        ngroups = rq->groups > 0 ? (int)rq->groups : (int)(T < ranks ? T : ranks);
        all = tn_calloc((size_t)T * task_doubles(&s), sizeof *all);
        status = group_agree(world, all ? TN_OK : TN_ERR_MEMORY);
    }
    if (status == TN_OK && emit && rank == 0) status = emit_circuits(&s, emit);
    status = group_agree(world, status);
    const noise_model *active = noise && noise->scale > 0 ? noise : NULL;
    if (status == TN_OK) status = farm(&s, world, ngroups, active, all);
    double *hw = NULL, hw_shots = 0;
    size_t hw_stride = (size_t)s.nblocks * s.d;
    if (status == TN_OK && rq->hardware && rank == 0) {
        hw = tn_calloc((size_t)circuit_count(&s) * hw_stride + 1, sizeof *hw);
        status = hw ? adapters_hw_read(rq->hardware, circuit_count(&s), s.nblocks, s.k, total_pieces(&s), hw, &hw_shots)
                    : TN_ERR_MEMORY;
    }
    status = group_agree(world, status);
    if (status == TN_OK && rank == 0) {
        *out = result_json(&s, all, ranks, ngroups, MPI_Wtime() - t0, active);
        block_rows hw_rows = {hw, hw_stride}, emu_rows = {all, task_doubles(&s)};
        if (*out && hw) json_object_set_new(*out, "hardware", hardware_json(&s, rq->hardware, hw_rows, emu_rows, hw_shots));
        if (!*out) status = TN_ERR_MEMORY;
        if (status == TN_OK && !rq->quiet)
            fprintf(stderr, "tnemu adapters: %s, %d-qubit blocks, %d per circuit, %ld circuits x %ld shots, noise %s, "
                    "%.2f CZ per block, max bond %d, mean relative error %.4g, %.2f s\n", s.dev.name, s.k, s.nblocks,
                    circuit_count(&s), s.shots, active ? "on" : "off",
                    json_real_value(json_object_get(*out, "two_qubit_gates_per_block")),
                    (int)json_integer_value(json_object_get(*out, "max_bond_dimension")),
                    json_real_value(json_object_get(*out, "mean_relative_error")), MPI_Wtime() - t0);
    }
    free(all);
    free(hw);
    noise_destroy(&noise);
    adapter_spec_free(&s);
    return status;
}

static int write_json(const char *path, json_t *root)
{
    char *text = json_dumps(root, JSON_INDENT(1) | JSON_REAL_PRECISION(17));
    int status = !text ? TN_ERR_MEMORY : path ? result_write_text(path, text) : outfile_stdout(text);
    free(text);
    return status;
}

/* The sweep lists: "sweep": {"block_qubits": [...], "noise_scale": [...]}
 * in the spec, else block sizes 2, 3, 4 and noise scales 0, 0.5, 1, 2. */
static int sweep_lists(const char *path, int *ks, int *nk, double *scales, int *ns)
{
    static const char *const sweep_keys[] = {"block_qubits", "noise_scale", NULL};
    json_t *root = NULL;
    CALL(input_load_json(path, JSON_REJECT_DUPLICATES, NULL, &root));
    json_t *sw = json_object_get(root, "sweep");
    json_t *kl = json_object_get(sw, "block_qubits"), *sl = json_object_get(sw, "noise_scale");
    int status = input_check_keys(path, "sweep", sw, sweep_keys);
    if (status == TN_OK && sw && !json_is_object(sw)) status = tn_fail(TN_ERR_INPUT, "%s: \"sweep\" is an object", path);
    *nk = kl ? (int)json_array_size(kl) : 3;
    *ns = sl ? (int)json_array_size(sl) : 4;
    if (status == TN_OK && (*nk < 1 || *nk > 5 || *ns < 1 || *ns > 16))
        status = tn_fail(TN_ERR_INPUT, "%s: \"sweep\" takes 1-5 block sizes and 1-16 noise scales", path);
    for (int i = 0; i < *nk && status == TN_OK; i++) {
        json_t *v = kl ? json_array_get(kl, (size_t)i) : NULL;
        ks[i] = v ? (int)json_integer_value(v) : 2 + i;
        if (ks[i] < 1 || ks[i] > 5) status = tn_fail(TN_ERR_INPUT, "%s: sweep.block_qubits[%d] must be in [1, 5]", path, i);
    }
    const double dflt[4] = {0, 0.5, 1, 2};
    for (int i = 0; i < *ns && status == TN_OK; i++) {
        json_t *v = sl ? json_array_get(sl, (size_t)i) : NULL;
        scales[i] = v ? json_number_value(v) : dflt[i];
        if (v && (!json_is_number(v) || scales[i] < 0 || scales[i] > 1000))
            status = tn_fail(TN_ERR_INPUT, "%s: sweep.noise_scale[%d] must be a number in [0, 1000]", path, i);
    }
    json_decref(root);
    return status;
}

/* --sweep DIR: every (block size, noise scale), DIR/sweep.csv, the result
 * of each point and DIR/sweep.png (scripts/sweep-plot.py). */
static int run_sweep(const adapters_request *rq)
{
    int rank, ks[5], nk = 0, ns = 0;
    double scales[16];
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    int status = group_agree(MPI_COMM_WORLD, sweep_lists(rq->spec, ks, &nk, scales, &ns));
    if (status == TN_OK && rank == 0 && mkdir(rq->sweep, 0777) != 0 && errno != EEXIST)
        status = tn_fail(TN_ERR_WRITE, "option --sweep: cannot create directory %s: %s", rq->sweep, strerror(errno));
    status = group_agree(MPI_COMM_WORLD, status);
    text_buf csv = {0};
    if (status == TN_OK)
        status = text_printf(&csv, "block_qubits,noise_scale,mean_relative_error,circuits,blocks_per_circuit,"
                                   "two_qubit_gates_per_block,seconds\n");
    for (int a = 0; a < nk && status == TN_OK; a++)
        for (int b = 0; b < ns && status == TN_OK; b++) {
            json_t *root = NULL;
            status = run_point(rq, ks[a], scales[b], NULL, &root);
            if (status == TN_OK && rank == 0) {
                char path[4096];
                snprintf(path, sizeof path, "%s/k%d-noise%g.json", rq->sweep, ks[a], scales[b]);
                status = write_json(path, root);
                if (status == TN_OK)
                    status = text_printf(&csv, "%d,%g,%.10g,%lld,%lld,%.4g,%.4g\n", ks[a], scales[b],
                                         json_real_value(json_object_get(root, "mean_relative_error")),
                                         (long long)json_integer_value(json_object_get(root, "circuits")),
                                         (long long)json_integer_value(json_object_get(root, "blocks_per_circuit")),
                                         json_real_value(json_object_get(root, "two_qubit_gates_per_block")),
                                         json_real_value(json_object_get(json_object_get(root, "timing"), "total")));
            }
            json_decref(root);
            status = group_agree(MPI_COMM_WORLD, status);
        }
    if (status == TN_OK && rank == 0) {
        char path[4096], png[4096];
        snprintf(path, sizeof path, "%s/sweep.csv", rq->sweep);
        snprintf(png, sizeof png, "%s/sweep.png", rq->sweep);
        if (csv.len && csv.text[csv.len - 1] == '\n') csv.text[--csv.len] = '\0';
        status = result_write_text(path, csv.text);
        if (status == TN_OK) status = report_run_script("sweep-plot.py", "option --sweep", path, png);
        if (status == TN_OK && !rq->quiet) fprintf(stderr, "tnemu adapters: sweep written to %s and %s\n", path, png);
    }
    free(csv.text);
    return status;
}

/* The job's identity for its journal (world rank 0) and the signal handlers. */
static int journal_start(int argc, char **argv, const char *spec)
{
    static char *identity;
    int rank, status = TN_OK;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    checkpoint_install_signals();
    free(identity);
    identity = NULL;
    if (rank == 0) status = journal_identity("tnemu adapters", spec, argc, argv, &identity);
    journal_opts.identity = identity;
    return group_agree(MPI_COMM_WORLD, status);
}

int adapters_command(int argc, char **argv)
{
    int rank, ranks;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &ranks);
    adapters_request rq;
    int status = parse_adapters_args(argc, argv, &rq, ranks);
    rq.comm = MPI_COMM_WORLD;
    if (status == TN_OK && rq.help) { if (rank == 0) printf(adapters_usage, options_engine_usage, options_noise_usage); return TN_OK; }
    if (status) return status;   /* the same arguments on every rank: the same error */
    options_limit_memory(&engine);
    if (journal_opts.dir) status = journal_start(argc, argv, rq.spec);
    if (status) return status;
    if (rq.sweep) return run_sweep(&rq);
    json_t *root = NULL;
    status = run_point(&rq, 0, -1, rq.emit, &root);
    if (status == TN_OK && rank == 0) status = write_json(rq.output, root);
    json_decref(root);
    return status;
}

/* A library call: the engine options at their defaults, no journal, quiet. */
static void library_defaults(adapters_request *rq)
{
    options_defaults(&engine);
    engine.quiet = 1;
    engine.run.progress_every = 0;
    journal_opts.dir = NULL;
    journal_opts.resume = 0;
    memset(rq, 0, sizeof *rq);
}

int adapters_run_json(MPI_Comm comm, json_t *spec, const char *path, long groups, json_t **out)
{
    adapters_request rq;
    library_defaults(&rq);
    rq.spec = path;
    rq.root = spec;
    rq.comm = comm;
    rq.groups = groups;
    rq.shots = -1;
    rq.noise_scale = -1;
    rq.method = -1;   /* the spec's */
    rq.quiet = 1;
    *out = NULL;
    return run_point(&rq, 0, -1, NULL, out);
}

int adapters_check_json(json_t *spec, const char *path, long info[8])
{
    adapters_request rq;
    library_defaults(&rq);
    rq.spec = path;
    rq.root = spec;
    rq.noise_scale = -1;
    rq.method = -1;
    adapter_spec s;
    memset(&s, 0, sizeof s);
    noise_model *noise = NULL;
    int status = prepare(&s, &rq, 0, -1, &noise);
    if (status == TN_OK) {
        long v[8] = {s.k, s.d, s.complex_generators, s.ngen, s.ninputs, (long)s.pieces * s.d, s.nblocks, circuit_count(&s)};
        memcpy(info, v, sizeof v);
    }
    noise_destroy(&noise);
    adapter_spec_free(&s);
    return status;
}
