/* result.c - writing the result JSON and the readable summary (see result.h). */
#include "result.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "error.h"
#include "outfile.h"
#include "tnemu.h"
#include "work.h"


size_t result_peak_rss(void)
{
    struct rusage ru;
    if (getrusage(RUSAGE_SELF, &ru) != 0) return 0;
    return (size_t)ru.ru_maxrss * 1024;
}

/* What noise was applied, and the standard errors it brings. */
static json_t *noise_json(const run_result *res, const run_options *opt)
{
    const noise_model *m = opt->noise;
    json_t *se = json_object();
    for (size_t i = 0; i < res->ncounts && res->count_stderr; i++)
        json_object_set_new(se, res->counts[i].key, json_real(res->count_stderr[i]));
    json_t *o = json_pack("{s:s, s:s, s:f, s:I, s:f, s:f, s:I, s:I, s:i, s:b, s:o}", "model", m->source, "format",
                          m->format, "scale", m->scale, "trajectories", (json_int_t)res->trajectories,
                          "model_fidelity", res->model_fidelity, "schedule_seconds", res->schedule_seconds,
                          "channels_per_trajectory", (json_int_t)res->channels_per_trajectory, "uncalibrated_gates",
                          (json_int_t)res->uncalibrated_gates, "t2_clipped_qubits", m->t2_clipped, "idle_noise",
                          m->idle, "count_stderr", se);
    json_object_set_new(o, "model_fidelity_all_qubits", json_real(res->model_fidelity_all_qubits));
    json_object_set_new(o, "readout_clipped", json_integer(m->readout_clipped));
    json_object_set_new(o, "qubits_without_t1_t2", json_integer(m->times_missing));
    json_t *untimed = json_array();
    for (int q = 0; q < m->qubit_cap; q++)
        if (m->qubit[q].without_times) json_array_append_new(untimed, json_integer(q));
    json_object_set_new(o, "qubits_without_t1_t2_list", untimed);
    json_object_set_new(o, "t2", json_string(noise_t2_name(m->t2_kind)));   /* --t2: which T2 relaxes the qubits */
    json_t *other = json_array();
    for (int q = 0; q < m->qubit_cap; q++)
        if (m->qubit[q].t2_other) json_array_append_new(other, json_integer(q));
    json_object_set_new(o, "t2_fallback_qubits", json_integer(m->t2_fallback));
    json_object_set_new(o, "t2_fallback_qubits_list", other);
    if (opt->noisy.dephasing_amp > 0)
        json_object_set_new(o, "dephasing_1f", json_pack("{s:f, s:f}", "rms_hz", opt->noisy.dephasing_amp * sqrt(m->scale),
                                                         "alpha", opt->noisy.dephasing_alpha));
    return o;
}

static json_t *circuit_json(const circuit *c, const result_context *ctx, int dynamic)
{
    circ_stats st;
    circ_get_stats(c, &st);
    json_t *by_width = json_object();
    for (int k = 1; k <= CIRC_MAX_GATE_QUBITS; k++)
        if (st.by_width[k]) {
            char key[16];
            snprintf(key, sizeof key, "%d", k);
            json_object_set_new(by_width, key, json_integer((json_int_t)st.by_width[k]));
        }
    return json_pack("{s:s, s:i, s:i, s:o, s:i, s:I, s:I, s:I, s:b}", "file", ctx->circuit_path,
                     "qubits", c->nqubits, "clbits", c->nclbits, "gates_by_width", by_width, "depth",
                     st.depth, "measures", (json_int_t)st.measures, "resets", (json_int_t)st.resets,
                     "conditionals", (json_int_t)st.conditionals, "dynamic", dynamic);
}

/* The outcome distribution, keyed like counts; entries below 1e-16 left out. */
static json_t *probs_json(const run_result *res)
{
    json_t *o = json_object();
    char *key = tn_malloc((size_t)res->key_bits + 1);
    for (size_t i = 0; key && i < res->nprobs; i++) {
        if (!(res->probs[i] > 1e-16)) continue;
        for (int j = 0; j < res->key_bits; j++) key[res->key_bits - 1 - j] = (char)('0' + (i >> j & 1));
        key[res->key_bits] = '\0';
        json_object_set_new(o, key, json_real(res->probs[i]));
    }
    free(key);
    return o;
}

static json_t *counts_json(const run_result *res)
{
    json_t *counts = json_object();
    for (size_t i = 0; i < res->ncounts; i++)
        json_object_set_new(counts, res->counts[i].key, json_integer(res->counts[i].count));
    return counts;
}

static json_t *int_array(const int *v, int n)
{
    json_t *a = json_array();
    for (int i = 0; i < n; i++) json_array_append_new(a, json_integer(v[i]));
    return a;
}

/* max/min of column k of the per-rank statistics (1 when min is 0). */
static double imbalance(const result_context *ctx, int k)
{
    double lo = 0, hi = 0;
    for (int r = 0; r < ctx->ranks; r++) {
        double v = ctx->rank_stats[(size_t)r * ctx->stats_per_rank + k];
        if (r == 0 || v < lo) lo = v;
        if (r == 0 || v > hi) hi = v;
    }
    return lo > 0 ? hi / lo : (hi > 0 ? INFINITY : 1);
}

static json_t *mpi_json(const result_context *ctx, const run_result *res)
{
    json_t *mpi = json_pack("{s:i, s:i, s:s, s:i, s:i, s:I}", "ranks", ctx->ranks, "groups", ctx->groups,
                            "canonical_form", ctx->options->center_form ? "center" : "vidal", "rebalances",
                            res->rebalances, "scalapack_min", ctx->options->scalapack_min, "scalapack_solves",
                            (json_int_t)res->scalapack_solves);
    int team = ctx->team_size > 1 ? ctx->team_size : 1;
    json_object_set_new(mpi, "team_size", json_integer(team));
    json_object_set_new(mpi, "teams", json_integer(ctx->ranks / team));
    if (!ctx->rank_stats) return mpi;
    json_t *per = json_array();
    for (int r = 0; r < ctx->ranks; r++) {
        const double *v = ctx->rank_stats + (size_t)r * ctx->stats_per_rank;
        json_t *one = json_pack("{s:i, s:i, s:f, s:f, s:I, s:I, s:I}", "rank", r, "group", (int)v[0],
                                "compute_seconds", v[1], "wait_seconds", v[2], "bytes_sent", (json_int_t)v[3],
                                "peak_memory_bytes", (json_int_t)v[4], "peak_state_bytes", (json_int_t)v[5]);
        if (one && ctx->stats_per_rank >= 10) {   /* its team and the eigensolves it joined on that team's grid;
                                                   * threads for a layer's gates and the gates run on them */
            json_object_set_new(one, "team", json_integer((json_int_t)v[6]));
            json_object_set_new(one, "scalapack_solves", json_integer((json_int_t)v[7]));
            json_object_set_new(one, "layer_threads", json_integer((json_int_t)v[8]));
            json_object_set_new(one, "threaded_gates", json_integer((json_int_t)v[9]));
        }
        if (one && ctx->stats_per_rank >= 11)   /* sites it lent to a neighbour's gate without waiting */
            json_object_set_new(one, "lazy_lends", json_integer((json_int_t)v[10]));
        if (one && ctx->stats_per_rank >= 12)   /* the ledger's peak: site tensors and scratch buffers */
            json_object_set_new(one, "peak_tensor_bytes", json_integer((json_int_t)v[11]));
        if (one && ctx->stats_per_rank >= 14) {   /* Vidal windows split whole on its team's grid, and those
                                                   * one pass could not resolve (the leader split them) */
            json_object_set_new(one, "team_windows", json_integer((json_int_t)v[12]));
            json_object_set_new(one, "team_windows_returned", json_integer((json_int_t)v[13]));
        }
        if (one && ctx->stats_per_rank >= 15)   /* of its team's windows, those split by the grid's SVD */
            json_object_set_new(one, "team_windows_svd", json_integer((json_int_t)v[14]));
        json_array_append_new(per, one);
    }
    json_object_set_new(mpi, "per_rank", per);
    json_t *ratio = json_object();
    const char *names[] = {"compute", "wait", "bytes_sent", "peak_memory"};
    for (int k = 0; k < 4; k++) {
        double x = imbalance(ctx, k + 1);
        json_object_set_new(ratio, names[k], isfinite(x) ? json_real(x) : json_null());
    }
    json_object_set_new(mpi, "max_over_min", ratio);
    return mpi;
}

/* --order auto: each candidate order's figures and which was taken. */
static json_t *order_auto_json(const order_report *rep)
{
    json_t *all = json_array();
    for (int k = 0; k < ORDER_CANDIDATES; k++) {
        if (k > 0 && !rep->cut[k]) continue;   /* not reached */
        json_t *o = json_pack("{s:s, s:I, s:b, s:b}", "order", rep->name[k], "largest_cut_gates", (json_int_t)rep->cut[k],
                              "competed", rep->competed[k], "taken", k == rep->chosen);
        if (rep->competed[k]) {
            json_object_set_new(o, "routed_swaps", json_integer(rep->routed[k]));
            json_object_set_new(o, "swap_distance", json_integer(rep->distance[k]));
        }
        json_array_append_new(all, o);
    }
    return all;
}

/* Per observable: the method that ran (expect.h), its light cone, truncation
 * figures and error estimate (its time is under "timing", which alone varies
 * between identical runs). */
static json_t *expect_methods_json(const run_result *res, const run_options *opt)
{
    json_t *all = json_object();
    for (int k = 0; k < opt->nobservables; k++) {
        const expect_report *r = &res->expect_reports[k];
        json_t *o = json_pack("{s:s, s:s, s:b, s:i, s:I, s:I}", "method", expect_method_name(r->method),
                              "asked", expect_method_name(opt->expect.method), "lightcone", r->lightcone,
                              "lightcone_qubits", r->lightcone_qubits, "gates_kept", (json_int_t)r->gates_kept,
                              "gates_total", (json_int_t)r->gates_total);
        if (r->method == EXPECT_HEISENBERG) {
            json_object_set_new(o, "pauli_cutoff", json_real(opt->expect.pauli_cutoff));
            json_object_set_new(o, "pauli_terms_max", json_integer((json_int_t)r->pauli_terms_max));
            json_object_set_new(o, "dropped_pauli_weight", json_real(r->dropped_weight));
            json_object_set_new(o, "error_bound", json_real(r->error_bound));
            json_object_set_new(o, "error_estimate", json_real(r->error_estimate));
        } else if (r->method == EXPECT_HEISENBERG_MPS) {
            json_object_set_new(o, "operator_sites", json_integer(r->opmps_sites));
            json_object_set_new(o, "max_bond_dimension", json_integer(r->max_bond));
            json_object_set_new(o, "decompositions", json_integer((json_int_t)r->opmps_decompositions));
            json_object_set_new(o, "operator_fidelity_estimate", json_real(r->fidelity_estimate));
            json_object_set_new(o, "dropped_frobenius_norm", json_real(r->error_bound));
            json_object_set_new(o, "error_estimate", json_real(r->error_estimate));
        } else if (r->done) {
            json_object_set_new(o, "fidelity_estimate", json_real(r->fidelity_estimate));
            json_object_set_new(o, "discarded_weight", json_real(r->dropped_weight));
            json_object_set_new(o, "max_bond_dimension", json_integer(r->max_bond));
            json_object_set_new(o, "error_estimate", json_real(r->error_estimate));
        } else {
            json_object_set_new(o, "computed_by", json_string("the run's state (see fidelity_estimate)"));
        }
        if (r->note[0]) json_object_set_new(o, "note", json_string(r->note));
        json_object_set_new(all, opt->observables[k], o);
    }
    return all;
}

json_t *result_build(const circuit *c, const run_result *res, const result_context *ctx)
{
    double t_start = run_now();
    const run_options *opt = ctx->options;
    json_t *root = json_object();
    json_object_set_new(root, "tool", json_string("tnemu"));
    json_object_set_new(root, "version", json_string(tnemu_version()));
    json_t *cmd = json_array();
    for (int i = 0; i < ctx->argc; i++) json_array_append_new(cmd, json_string(ctx->argv[i]));
    json_object_set_new(root, "command", cmd);
    char seed[32];
    snprintf(seed, sizeof seed, "%llu", (unsigned long long)ctx->seed);
    json_object_set_new(root, "seed", json_string(seed));
    json_object_set_new(root, "circuit", circuit_json(c, ctx, res->dynamic));
    json_object_set_new(root, "options", json_pack("{s:i, s:f, s:s}", "chi", opt->trunc.max_chi, "cutoff",
                                                   opt->trunc.cutoff, "order", opt->order ? opt->order : "identity"));
    json_object_set_new(root, "shots", json_integer(res->shots));
    json_object_set_new(root, "counts_bit_order", json_string(res->nclbits && res->key_bits == res->nclbits
                                                                  ? "clbits c[n-1]..c[0]"
                                                                  : "qubits q[n-1]..q[0]"));
    json_object_set_new(root, "counts", counts_json(res));
    if (res->probs) json_object_set_new(root, "probabilities", probs_json(res));
    json_t *ev = json_object(), *everr = json_object();
    for (int k = 0; k < opt->nobservables; k++) {
        json_object_set_new(ev, opt->observables[k], json_real(res->expectation[k]));
        json_object_set_new(everr, opt->observables[k], json_real(res->expectation_stderr[k]));
    }
    json_object_set_new(root, "expectation_values", ev);
    json_object_set_new(root, "expectation_stderr", everr);
    if (res->expect_reports) json_object_set_new(root, "expectation_methods", expect_methods_json(res, opt));
    json_object_set_new(root, "state_simulated", json_boolean(!res->state_skipped));
    json_t *amps = json_object();
    for (int k = 0; k < opt->namplitudes; k++)
        json_object_set_new(amps, opt->amplitudes[k],
                            json_pack("[f,f]", creal(res->amplitudes[k]), cimag(res->amplitudes[k])));
    json_object_set_new(root, "amplitudes", amps);
    if (res->noisy) json_object_set_new(root, "noise", noise_json(res, opt));
    if (opt->checkpoint.dir || opt->checkpoint.resume)
        json_object_set_new(root, "checkpoint", json_pack("{s:s?, s:s?, s:b, s:I}", "dir", opt->checkpoint.dir,
                                                          "resumed_from", opt->checkpoint.resume, "resumed",
                                                          res->resumed, "written", (json_int_t)res->checkpoints));
    json_object_set_new(root, "fidelity_estimate", json_real(res->fidelity_estimate));
    json_object_set_new(root, "log_fidelity_estimate", json_real(res->log_fidelity_estimate));
    json_object_set_new(root, "discarded_weight", json_real(res->discarded_weight));
    json_object_set_new(root, "decompositions", json_integer((json_int_t)res->decompositions));
    json_object_set_new(root, "bond_dimensions", int_array(res->bond_dims, c->nqubits - 1));
    json_object_set_new(root, "max_bond_dimension", json_integer(res->max_bond));
    json_object_set_new(root, "qubit_sites", int_array(res->site_of, c->nqubits));
    json_object_set_new(root, "swap_distance", json_integer(res->swap_distance));
    if (res->order_auto.asked) json_object_set_new(root, "order_auto", order_auto_json(&res->order_auto));
    json_object_set_new(root, "swaps", json_integer(res->swaps));
    json_object_set_new(root, "fused_swaps", json_integer(res->fused_swaps));
    double t_result = run_now() - t_start;   /* this object so far; writing it comes after */
    json_object_set_new(root, "timing", json_pack("{s:f, s:f, s:f, s:f, s:f, s:f, s:f, s:f, s:f}", "parse",
                                                  ctx->t_parse, "plan", res->t_plan, "gates", res->t_gates, "sample",
                                                  res->t_sample, "observe", res->t_observe, "collect",
                                                  res->t_collect, "counts", res->t_counts, "result", t_result,
                                                  "total", ctx->t_total + t_result));
    if (res->expect_reports) {
        json_t *secs = json_object();
        for (int k = 0; k < opt->nobservables; k++)
            json_object_set_new(secs, opt->observables[k], json_real(res->expect_reports[k].seconds));
        json_object_set_new(json_object_get(root, "timing"), "expectation_methods", secs);
    }
    json_object_set_new(root, "peak_memory_bytes", json_integer((json_int_t)result_peak_rss()));
    json_object_set_new(root, "peak_state_bytes", json_integer((json_int_t)res->peak_state_bytes));
    json_object_set_new(root, "peak_tensor_bytes", json_integer((json_int_t)tn_mem_peak()));
    json_object_set_new(root, "mpi", mpi_json(ctx, res));
    return root;
}

int result_write_text(const char *path, const char *text)
{
    return outfile_write_text(path, text, NULL);
}

static int write_result(const char *path, const circuit *c, const run_result *res, const result_context *ctx)
{
    json_t *root = result_build(c, res, ctx);
    if (!root) return tn_fail(TN_ERR_MEMORY, "out of memory building the result");
    char *text = json_dumps(root, JSON_INDENT(1) | JSON_REAL_PRECISION(17));
    json_decref(root);
    if (!text) return tn_fail(TN_ERR_MEMORY, "out of memory writing the result");
    int status = TN_OK;
    if (!path || strcmp(path, "-") == 0) status = outfile_stdout(text);
    else status = result_write_text(path, text);
    free(text);
    return status;
}

/* What the counts take in the result (jansson's key copy, node and hash
 * slot, and the written line, for counts and their errors), estimated
 * from jansson 2.14 and rounded up: the ledger's share of the JSON. */
#define JSON_BYTES_PER_COUNT 192

int result_write(const char *path, const circuit *c, const run_result *res, const result_context *ctx)
{
    size_t bytes = res->ncounts * (JSON_BYTES_PER_COUNT + 3 * (size_t)res->key_bits) * (res->count_stderr ? 2 : 1);
    char what[96];
    snprintf(what, sizeof what, "the result JSON of %zu counts", res->ncounts);
    CALL(tn_mem_charge_for((long long)bytes, what));
    int status = write_result(path, c, res, ctx);
    tn_mem_charge(-(long long)bytes);
    return status;
}

void result_print_summary(const circuit *c, const run_result *res, const result_context *ctx)
{
    circ_stats st;
    circ_get_stats(c, &st);
    size_t gates = 0;
    for (int k = 1; k <= CIRC_MAX_GATE_QUBITS; k++) gates += st.by_width[k];
    fprintf(stderr, "tnemu: %s: %d qubits, %zu gates (%zu two-qubit), depth %d%s\n", ctx->circuit_path,
            c->nqubits, gates, st.by_width[2], st.depth, res->dynamic ? ", dynamic" : "");
    fprintf(stderr, "tnemu: chi %d, max bond %d, fidelity estimate %.6g (natural log %.6g), discarded weight %.3g\n",
            ctx->options->trunc.max_chi, res->max_bond, res->fidelity_estimate, res->log_fidelity_estimate,
            res->discarded_weight);
    if (res->noisy)
        fprintf(stderr, "tnemu: noise %s (%s, scale %g, T2 %s): %ld trajectories, %ld channels each, schedule %.3g us, "
                "model fidelity %.4e\n", ctx->options->noise->source, ctx->options->noise->format,
                ctx->options->noise->scale, noise_t2_name(ctx->options->noise->t2_kind), res->trajectories, res->channels_per_trajectory,
                res->schedule_seconds * 1e6, res->model_fidelity);
    fprintf(stderr, "tnemu: time %.3f s (gates %.3f s, sampling %.3f s), peak memory %.1f MiB, %d rank(s)\n",
            ctx->t_total, res->t_gates, res->t_sample, (double)result_peak_rss() / 1048576.0, ctx->ranks);
    size_t best = 0;
    for (size_t i = 1; i < res->ncounts; i++)
        if (res->counts[i].count > res->counts[best].count) best = i;
    if (res->ncounts)
        fprintf(stderr, "tnemu: %ld shots, %zu distinct outcomes; most frequent %s%.*s (%ld)\n", res->shots,
                res->ncounts, strlen(res->counts[best].key) > 72 ? "..." : "", 72,
                res->counts[best].key + (strlen(res->counts[best].key) > 72 ? strlen(res->counts[best].key) - 72 : 0),
                res->counts[best].count);
    for (int k = 0; k < ctx->options->nobservables; k++)
        fprintf(stderr, "tnemu: <%s> = %.10f\n", ctx->options->observables[k], res->expectation[k]);
}
