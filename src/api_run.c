/* api_run.c - run options, running a circuit and its results in the public
 * API (tnemu.h). Options are kept as the arguments of `tnemu run` and parsed
 * by the command's own parser (cli.h), so the library and the command accept,
 * refuse and mean the same things; a run is the command's run (run.h) on the
 * caller's communicator, and world rank 0's result is sent to every rank.
 * Not for: reading circuits (api_circuit.c), adapters and qnn (api_batch.c). */
#include "api.h"

#include <complex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "engine.h"
#include "error.h"
#include "group.h"
#include "noise.h"
#include "result.h"
#include "run.h"

/* ---- options ------------------------------------------------------------------- */

struct tnemu_options {
    char **args;        /* pairs: name, value (NULL for a flag) */
    int npairs, cap;
};

static const char *const flag_options[] = {"--probabilities", "--allow-faulty", "--allow-uncalibrated", NULL};
static const char *const refused_options[] = {"-o", "--output", "--format", "-q", "--quiet", "-h", "--help",
                                              "--checkpoint", "--checkpoint-every", "--resume", "--progress",
                                              "--param", "--max-memory", NULL};
static const char *const repeated_options[] = {"--observable", "--amplitude", NULL};

static int listed(const char *const *list, const char *name)
{
    for (int i = 0; list[i]; i++)
        if (strcmp(list[i], name) == 0) return 1;
    return 0;
}

int tnemu_options_create(tnemu_options **out)
{
    api_enter();
    if (!out) return api_status(api_bad("tnemu_options_create: out is NULL"));
    *out = tn_calloc(1, sizeof **out);
    return api_status(*out ? TN_OK : TN_ERR_MEMORY);
}

static void free_pair(tnemu_options *o, int i)
{
    free(o->args[2 * i]);
    free(o->args[2 * i + 1]);
}

void tnemu_options_free(tnemu_options **o)
{
    if (!o || !*o) return;
    for (int i = 0; i < (*o)->npairs; i++) free_pair(*o, i);
    free((*o)->args);
    free(*o);
    *o = NULL;
}

/* The argument vector of `tnemu run SOURCE --seed 1 OPTIONS...` plus extra
 * (name, value) pairs; the strings stay the options' (free only *argv). */
static int make_argv(const tnemu_options *o, const char *source, const char *const *extra, int nextra, int *argc,
                     char ***argv)
{
    int n = 5 + 2 * (o ? o->npairs : 0) + 2 * nextra;
    char **v = tn_calloc((size_t)n + 1, sizeof *v);
    if (!v) return TN_ERR_MEMORY;
    int k = 0;
    v[k++] = "tnemu";
    v[k++] = "run";
    v[k++] = (char *)source;
    v[k++] = "--seed";   /* reproducible unless the caller sets one */
    v[k++] = "1";
    for (int i = 0; o && i < o->npairs; i++) {
        v[k++] = o->args[2 * i];
        if (o->args[2 * i + 1]) v[k++] = o->args[2 * i + 1];
    }
    for (int i = 0; i < nextra; i++) {
        v[k++] = (char *)extra[2 * i];
        if (extra[2 * i + 1]) v[k++] = (char *)extra[2 * i + 1];
    }
    *argc = k;
    *argv = v;
    return TN_OK;
}

/* Parses name and value alone, the way `tnemu run` does (a stand-in --noise
 * lets options that need one be checked now; the run checks them together). */
static int check_one(const char *name, const char *value)
{
    if (listed(refused_options, name))
        return api_bad("option %s concerns the command's files or printing; the library does not take it", name);
    int flag = listed(flag_options, name);
    if (flag && value) return api_bad("option %s takes no value", name);
    if (!flag && !value) return api_bad("option %s needs a value", name);
    const char *extra[4] = {"--noise", "-", name, value};
    int argc;
    char **argv;
    CALL(make_argv(NULL, "-", extra, 2, &argc, &argv));
    run_request rq;
    int status = cli_parse_run_args(argc, argv, &rq);
    free(rq.list_storage);
    free(argv);
    return status;
}

static int add_pair(tnemu_options *o, const char *name, const char *value)
{
    if (o->npairs == o->cap) {
        int cap = o->cap ? 2 * o->cap : 8;
        char **a = tn_realloc(o->args, (size_t)cap * 2 * sizeof *a);
        if (!a) return TN_ERR_MEMORY;
        o->args = a;
        o->cap = cap;
    }
    char *n = api_strdup(name), *v = value ? api_strdup(value) : NULL;
    if (!n || (value && !v)) { free(n); free(v); return TN_ERR_MEMORY; }
    o->args[2 * o->npairs] = n;
    o->args[2 * o->npairs + 1] = v;
    o->npairs++;
    return TN_OK;
}

static void remove_option(tnemu_options *o, const char *name)
{
    int k = 0;
    for (int i = 0; i < o->npairs; i++) {
        if (strcmp(o->args[2 * i], name) == 0) { free_pair(o, i); continue; }
        o->args[2 * k] = o->args[2 * i];
        o->args[2 * k + 1] = o->args[2 * i + 1];
        k++;
    }
    o->npairs = k;
}

/* Checks, then sets (replacing an earlier value unless the option repeats). */
static int set_option(tnemu_options *o, const char *name, const char *value)
{
    if (!o || !name) return api_bad("options or option name is NULL");
    CALL(api_ready());   /* --groups is checked against the world's size */
    CALL(check_one(name, value));
    if (!listed(repeated_options, name)) remove_option(o, name);
    return add_pair(o, name, value);
}

int tnemu_options_set_arg(tnemu_options *o, const char *name, const char *value)
{
    api_enter();
    return api_status(set_option(o, name, value));
}

static int set_long(tnemu_options *o, const char *name, long long v)
{
    char text[32];
    snprintf(text, sizeof text, "%lld", v);
    return api_status(set_option(o, name, text));
}

int tnemu_options_set_chi(tnemu_options *o, int64_t chi) { api_enter(); return set_long(o, "--chi", chi); }

int tnemu_options_set_cutoff(tnemu_options *o, double cutoff)
{
    api_enter();
    char text[40];
    snprintf(text, sizeof text, "%.17g", cutoff);
    return api_status(set_option(o, "--cutoff", text));
}

int tnemu_options_set_shots(tnemu_options *o, int64_t shots)
{
    api_enter();
    if (shots == -1) {   /* the default: no --shots */
        if (o) remove_option(o, "--shots");
        return api_status(o ? TN_OK : api_bad("options is NULL"));
    }
    return set_long(o, "--shots", shots);
}

int tnemu_options_set_seed(tnemu_options *o, uint64_t seed)
{
    api_enter();
    char text[32];
    snprintf(text, sizeof text, "%llu", (unsigned long long)seed);
    return api_status(set_option(o, "--seed", text));
}

int tnemu_options_set_canonical(tnemu_options *o, const char *form) { api_enter(); return api_status(set_option(o, "--canonical", form)); }

int tnemu_options_set_order(tnemu_options *o, const char *order) { api_enter(); return api_status(set_option(o, "--order", order)); }

int tnemu_options_set_noise(tnemu_options *o, const char *path, const char *format, double scale)
{
    api_enter();
    if (!o) return api_status(api_bad("options is NULL"));
    if (!path) {
        remove_option(o, "--noise");
        remove_option(o, "--noise-format");
        remove_option(o, "--noise-scale");
        return TNEMU_OK;
    }
    char text[40];
    snprintf(text, sizeof text, "%.17g", scale);
    int status = set_option(o, "--noise", path);
    if (status == TN_OK) status = set_option(o, "--noise-scale", text);
    if (status == TN_OK && format) status = set_option(o, "--noise-format", format);
    if (status == TN_OK && !format) remove_option(o, "--noise-format");
    return api_status(status);
}

int tnemu_options_set_t2(tnemu_options *o, const char *t2) { api_enter(); return api_status(set_option(o, "--t2", t2)); }

int tnemu_options_set_trajectories(tnemu_options *o, int64_t trajectories)
{
    api_enter();
    if (o && trajectories == 0) { remove_option(o, "--trajectories"); return TNEMU_OK; }
    return set_long(o, "--trajectories", trajectories);
}

int tnemu_options_set_groups(tnemu_options *o, int64_t groups)
{
    api_enter();
    if (o && groups == 0) { remove_option(o, "--groups"); return TNEMU_OK; }
    return set_long(o, "--groups", groups);
}

int tnemu_options_add_observable(tnemu_options *o, const char *pauli) { api_enter(); return api_status(set_option(o, "--observable", pauli)); }

int tnemu_options_add_amplitude(tnemu_options *o, const char *bits) { api_enter(); return api_status(set_option(o, "--amplitude", bits)); }

int tnemu_options_set_probabilities(tnemu_options *o, int64_t on)
{
    api_enter();
    if (o && !on) { remove_option(o, "--probabilities"); return TNEMU_OK; }
    return api_status(set_option(o, "--probabilities", NULL));
}

/* ---- results -------------------------------------------------------------------- */

#define RESULT_INTS 10
#define RESULT_DOUBLES 3

/* One block of bytes holds the whole result, so that rank 0 can send it as
 * it is; the fields point into it. */
struct tnemu_result {
    char *block;
    int64_t bytes;
    int64_t nqubits, shots, max_bond, width, ncounts, nobs, namps, nprobs, nbonds, json_len;
    double fidelity, log_fidelity, discarded;
    int64_t *counts, *bonds;
    double *count_err, *values, *errors, *amps, *probs;
    char *keys, *json;
};

static int64_t block_size(const int64_t *h)
{
    int64_t ncounts = h[4], width = h[3];
    return (int64_t)(RESULT_INTS * 8 + RESULT_DOUBLES * 8) + 8 * (ncounts + h[8]) +
           8 * (ncounts + 2 * h[5] + 2 * h[6] + h[7]) + ncounts * (width + 1) + h[9] + 1;
}

/* Points the fields of r into r->block (whose header says the sizes). */
static int layout(tnemu_result *r)
{
    int64_t h[RESULT_INTS];
    double d[RESULT_DOUBLES];
    if (r->bytes < (int64_t)sizeof h + (int64_t)sizeof d) return tn_fail(TN_ERR_INTERNAL, "internal error: a short result");
    memcpy(h, r->block, sizeof h);
    memcpy(d, r->block + sizeof h, sizeof d);
    if (block_size(h) != r->bytes) return tn_fail(TN_ERR_INTERNAL, "internal error: a result of the wrong size");
    r->nqubits = h[0]; r->shots = h[1]; r->max_bond = h[2]; r->width = h[3]; r->ncounts = h[4];
    r->nobs = h[5]; r->namps = h[6]; r->nprobs = h[7]; r->nbonds = h[8]; r->json_len = h[9];
    r->fidelity = d[0]; r->log_fidelity = d[1]; r->discarded = d[2];
    char *p = r->block + sizeof h + sizeof d;
    r->counts = (int64_t *)p; p += 8 * r->ncounts;
    r->bonds = (int64_t *)p; p += 8 * r->nbonds;
    r->count_err = (double *)p; p += 8 * r->ncounts;
    r->values = (double *)p; p += 8 * r->nobs;
    r->errors = (double *)p; p += 8 * r->nobs;
    r->amps = (double *)p; p += 16 * r->namps;
    r->probs = (double *)p; p += 8 * r->nprobs;
    r->keys = p; p += r->ncounts * (r->width + 1);
    r->json = p;
    return TN_OK;
}

/* Rank 0: the result block of res (collected) and its JSON text. */
static int pack_result(const circuit *c, const run_result *res, const run_options *opt, const char *json,
                       tnemu_result *r)
{
    int64_t h[RESULT_INTS] = {c->nqubits, res->shots, res->max_bond, res->key_bits, (int64_t)res->ncounts,
                              opt->nobservables, opt->namplitudes, (int64_t)res->nprobs, c->nqubits - 1,
                              (int64_t)strlen(json)};
    double d[RESULT_DOUBLES] = {res->fidelity_estimate, res->log_fidelity_estimate, res->discarded_weight};
    r->bytes = block_size(h);
    if (!(r->block = tn_calloc(1, (size_t)r->bytes))) return TN_ERR_MEMORY;
    memcpy(r->block, h, sizeof h);
    memcpy(r->block + sizeof h, d, sizeof d);
    CALL(layout(r));
    for (int64_t e = 0; e < r->ncounts; e++) {
        r->counts[e] = res->counts[e].count;
        r->count_err[e] = res->count_stderr ? res->count_stderr[e] : 0;
        memcpy(r->keys + e * (r->width + 1), res->counts[e].key, (size_t)r->width);
    }
    for (int64_t b = 0; b < r->nbonds; b++) r->bonds[b] = res->bond_dims[b];
    for (int64_t k = 0; k < r->nobs; k++) {
        r->values[k] = res->expectation[k];
        r->errors[k] = res->expectation_stderr ? res->expectation_stderr[k] : 0;
    }
    for (int64_t k = 0; k < r->namps; k++) {
        r->amps[2 * k] = creal(res->amplitudes[k]);
        r->amps[2 * k + 1] = cimag(res->amplitudes[k]);
    }
    if (r->nprobs) memcpy(r->probs, res->probs, (size_t)r->nprobs * sizeof(double));
    memcpy(r->json, json, (size_t)r->json_len + 1);
    return TN_OK;
}

/* Rank 0 packs the collected result; every rank receives it. Collective. */
static int share_result(MPI_Comm world, int status, const circuit *c, const run_result *res, const run_request *rq,
                        int argc, char **argv, int ranks, int groups, double t_total, tnemu_result **out)
{
    int rank;
    MPI_Comm_rank(world, &rank);
    tnemu_result *r = tn_calloc(1, sizeof *r);
    if (!r) status = TN_ERR_MEMORY;
    if (status == TN_OK && rank == 0) {
        result_context ctx = {argc, argv, c->source, rq->run.seed, &rq->run, 0, t_total, ranks, groups, NULL, 0,
                              (int)rq->team_size};
        json_t *root = result_build(c, res, &ctx);
        char *text = root ? api_json_text(root) : NULL;
        json_decref(root);
        status = text ? pack_result(c, res, &rq->run, text, r) : tn_fail(TN_ERR_MEMORY, "out of memory building the result");
        free(text);
    }
    status = group_agree(world, status);
    if (status == TN_OK) status = api_bcast_buffer(world, (void **)&r->block, &r->bytes);
    if (status == TN_OK) status = layout(r);
    if (status != TN_OK) { tnemu_result_free(&r); return status; }
    *out = r;
    return TN_OK;
}

/* Rank 0: the caveats of a noisy run (also in the result JSON's "noise") as
 * warnings for the caller's handler. */
static void warn_noise(MPI_Comm world, const noise_model *m, const run_result *res)
{
    int rank;
    MPI_Comm_rank(world, &rank);
    if (rank != 0 || !m || !res->noisy) return;
    char msg[512];
    if (m->t2_clipped) {
        snprintf(msg, sizeof msg, "%s: T2 > 2 T1 clipped to 2 T1 on %d qubit(s)", m->source, m->t2_clipped);
        api_warn(msg);
    }
    if (m->times_missing) {
        snprintf(msg, sizeof msg, "%s: %d qubit(s) without T1/T2 do not relax", m->source, m->times_missing);
        api_warn(msg);
    }
    if (m->readout_clipped) {
        snprintf(msg, sizeof msg, "%s: %d scaled readout error(s) clipped to 1/2", m->source, m->readout_clipped);
        api_warn(msg);
    }
    if (res->uncalibrated_gates) {
        snprintf(msg, sizeof msg, "%s: %ld gate(s) the calibration lacks ran without gate noise", m->source,
                 res->uncalibrated_gates);
        api_warn(msg);
    }
}

/* The part of tnemu_run after the checks; collective over world. */
static int run_on(MPI_Comm world, const circuit *c, const tnemu_options *o, tnemu_result **out)
{
    int ranks;
    MPI_Comm_size(world, &ranks);
    double t0 = run_now();
    int argc;
    char **argv;
    CALL(make_argv(o, c->source, NULL, 0, &argc, &argv));
    run_request rq;
    int status = cli_parse_run_args(argc, argv, &rq);   /* the same on every rank */
    rq.run.progress_every = 0;
    if (status == TN_OK) {   /* as `tnemu run` does (engine.h), then every rank gets the result */
        engine_state st;
        status = engine_run(world, c, &rq, &st);
        if (status == TN_OK) warn_noise(world, st.noise, &st.res);
        status = share_result(world, status, c, &st.res, &rq, argc, argv, ranks, st.grp ? st.grp->ngroups : 1,
                              run_now() - t0, out);
        engine_state_free(&st);
    }
    free(rq.list_storage);
    free(argv);
    return status;
}

int tnemu_run(const tnemu_circuit *tc, const tnemu_options *o, const void *comm, tnemu_result **out)
{
    api_enter();
    if (!out) return api_status(api_bad("tnemu_run: out is NULL"));
    *out = NULL;
    if (!tc) return api_status(api_bad("tnemu_run: circuit is NULL"));
    CALL(api_status(api_ready()));
    MPI_Comm world = api_comm(comm);
    if (world == MPI_COMM_NULL) return api_status(api_bad("tnemu_run: the communicator is MPI_COMM_NULL"));
    return api_status(run_on(world, api_circuit(tc), o, out));
}

static int need(const tnemu_result *r, int64_t have, int64_t want, const char *what)
{
    if (!r) return api_bad("%s: result is NULL", what);
    if (have < want) return api_bad("%s: a buffer of %lld is too short for %lld", what, (long long)have, (long long)want);
    return TN_OK;
}

int tnemu_result_summary(const tnemu_result *r, int64_t *nqubits, int64_t *shots, double *fidelity,
                         double *log_fidelity, double *discarded_weight, int64_t *max_bond)
{
    api_enter();
    if (!r) return api_status(api_bad("tnemu_result_summary: result is NULL"));
    if (nqubits) *nqubits = r->nqubits;
    if (shots) *shots = r->shots;
    if (fidelity) *fidelity = r->fidelity;
    if (log_fidelity) *log_fidelity = r->log_fidelity;
    if (discarded_weight) *discarded_weight = r->discarded;
    if (max_bond) *max_bond = r->max_bond;
    return TNEMU_OK;
}

int tnemu_result_counts_size(const tnemu_result *r, int64_t *n, int64_t *width)
{
    api_enter();
    if (!r) return api_status(api_bad("tnemu_result_counts_size: result is NULL"));
    if (n) *n = r->ncounts;
    if (width) *width = r->width;
    return TNEMU_OK;
}

int tnemu_result_counts(const tnemu_result *r, char *keys, int64_t keys_bytes, int64_t *counts, int64_t n)
{
    api_enter();
    CALL(api_status(need(r, counts ? n : r ? r->ncounts : 0, r ? r->ncounts : 0, "tnemu_result_counts: counts")));
    if (keys) CALL(api_status(need(r, keys_bytes, r->ncounts * (r->width + 1), "tnemu_result_counts: keys")));
    if (keys) memcpy(keys, r->keys, (size_t)(r->ncounts * (r->width + 1)));
    if (counts) memcpy(counts, r->counts, (size_t)r->ncounts * sizeof *counts);
    return TNEMU_OK;
}

int tnemu_result_counts_int(const tnemu_result *r, int64_t *outcomes, int64_t *counts, int64_t n)
{
    api_enter();
    CALL(api_status(need(r, n, r ? r->ncounts : 0, "tnemu_result_counts_int")));
    if (r->width > 63) return api_status(api_bad("tnemu_result_counts_int: keys of %lld bits do not fit 63", (long long)r->width));
    for (int64_t e = 0; e < r->ncounts; e++) {
        const char *key = r->keys + e * (r->width + 1);
        int64_t v = 0;
        for (int64_t j = 0; j < r->width; j++) v |= (int64_t)(key[r->width - 1 - j] == '1') << j;
        if (outcomes) outcomes[e] = v;
        if (counts) counts[e] = r->counts[e];
    }
    return TNEMU_OK;
}

int tnemu_result_count_errors(const tnemu_result *r, double *errors, int64_t n)
{
    api_enter();
    CALL(api_status(need(r, n, r ? r->ncounts : 0, "tnemu_result_count_errors")));
    if (errors) memcpy(errors, r->count_err, (size_t)r->ncounts * sizeof *errors);
    return TNEMU_OK;
}

int tnemu_result_expectations(const tnemu_result *r, double *values, double *errors, int64_t n)
{
    api_enter();
    CALL(api_status(need(r, n, r ? r->nobs : 0, "tnemu_result_expectations")));
    if (values) memcpy(values, r->values, (size_t)r->nobs * sizeof *values);
    if (errors) memcpy(errors, r->errors, (size_t)r->nobs * sizeof *errors);
    return TNEMU_OK;
}

int tnemu_result_amplitudes(const tnemu_result *r, double *re_im, int64_t n)
{
    api_enter();
    CALL(api_status(need(r, n, r ? r->namps : 0, "tnemu_result_amplitudes")));
    if (re_im) memcpy(re_im, r->amps, (size_t)r->namps * 2 * sizeof *re_im);
    return TNEMU_OK;
}

int tnemu_result_probabilities_size(const tnemu_result *r, int64_t *n)
{
    api_enter();
    if (!r) return api_status(api_bad("tnemu_result_probabilities_size: result is NULL"));
    if (n) *n = r->nprobs;
    return TNEMU_OK;
}

int tnemu_result_probabilities(const tnemu_result *r, double *p, int64_t n)
{
    api_enter();
    CALL(api_status(need(r, n, r ? r->nprobs : 0, "tnemu_result_probabilities")));
    if (p) memcpy(p, r->probs, (size_t)r->nprobs * sizeof *p);
    return TNEMU_OK;
}

int tnemu_result_bond_dimensions(const tnemu_result *r, int64_t *dims, int64_t n)
{
    api_enter();
    CALL(api_status(need(r, n, r ? r->nbonds : 0, "tnemu_result_bond_dimensions")));
    if (dims) memcpy(dims, r->bonds, (size_t)r->nbonds * sizeof *dims);
    return TNEMU_OK;
}

int tnemu_result_json(const tnemu_result *r, char **json)
{
    api_enter();
    if (!r || !json) return api_status(api_bad("tnemu_result_json: result or json is NULL"));
    *json = api_strdup(r->json);
    return api_status(*json ? TN_OK : TN_ERR_MEMORY);
}

void tnemu_result_free(tnemu_result **r)
{
    if (!r || !*r) return;
    free((*r)->block);
    free(*r);
    *r = NULL;
}
