/* api_batch.c - adapters and qnn in the public API (tnemu.h): a spec of
 * `tnemu adapters` or `tnemu qnn` held as parsed JSON, its arrays replaced
 * by the caller's, run by the commands' own code (adapters_run_json,
 * qnn_run_json) on the caller's communicator; rank 0's numbers are sent to
 * every rank and copied into the caller's buffers.
 * Not for: single circuits (api_run.c), the algorithms (adapters.c, qnn.c). */
#include "api.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "adapters.h"
#include "error.h"
#include "group.h"
#include "input.h"
#include "qnn.h"

enum { AD_K, AD_D, AD_COMPLEX, AD_NGEN, AD_NINPUTS, AD_LENGTH, AD_BLOCKS, AD_CIRCUITS, AD_INFO };
enum { QN_QUBITS, QN_NPARAMS, QN_NFEATURES, QN_NOBS, QN_NSETS, QN_NINPUTS, QN_INFO };

struct tnemu_adapters {
    json_t *spec;
    char *path;                 /* names the spec in messages; its folder anchors file names */
    long info[AD_INFO];
    long groups;
    char *last_json;            /* the result of the last run */
};

struct tnemu_qnn {
    json_t *spec;
    char *path;
    long info[QN_INFO];
    long groups;
    char *last_json;
};

/* ---- shared ------------------------------------------------------------------- */

/* The name a spec given as text goes by: BASE_DIR/<spec>, or <spec>. */
static char *text_spec_path(const char *base_dir)
{
    const char *name = "<spec>";
    if (!base_dir || !*base_dir) return api_strdup(name);
    size_t n = strlen(base_dir) + strlen(name) + 2;
    char *p = tn_malloc(n);
    if (p) snprintf(p, n, "%s/%s", base_dir, name);
    return p;
}

static int parse_spec_text(const char *text, const char *path, json_t **root)
{
    json_error_t err;
    *root = json_loads(text, JSON_REJECT_DUPLICATES, &err);
    if (!*root) return tn_fail(TN_ERR_INPUT, "%s:%d:%d: error: %s", path, err.line, err.column, err.text);
    return TN_OK;
}

/* rows lists of cols numbers; NULL (and a message) for a number that is not finite. */
static json_t *matrix_json(int64_t rows, int64_t cols, const double *v, const char *what)
{
    json_t *m = json_array();
    for (int64_t r = 0; m && r < rows; r++) {
        json_t *row = json_array();
        for (int64_t c = 0; row && c < cols; c++) {
            double x = v[r * cols + c];
            if (!isfinite(x)) {
                api_bad("%s[%lld][%lld] is not a finite number", what, (long long)r, (long long)c);
                json_decref(row);
                json_decref(m);
                return NULL;
            }
            json_array_append_new(row, json_real(x));
        }
        if (!row || json_array_append_new(m, row)) { json_decref(m); m = NULL; tn_fail(TN_ERR_MEMORY, "out of memory"); }
    }
    return m;
}

/* Rank 0 has nd doubles and a text; every rank gets them into the caller's
 * buffer (nd doubles) and *text (malloc'ed). Collective; status agreed first. */
static int share_numbers(MPI_Comm comm, int status, double *numbers, int64_t nd, char **text)
{
    int rank;
    MPI_Comm_rank(comm, &rank);
    void *block = NULL;
    int64_t bytes = 0;
    if (status == TN_OK && rank == 0) {
        int64_t tl = (int64_t)strlen(*text);
        bytes = 8 * nd + tl + 1;
        if (!(block = tn_malloc((size_t)bytes))) status = TN_ERR_MEMORY;
        else { memcpy(block, numbers, (size_t)nd * 8); memcpy((char *)block + 8 * nd, *text, (size_t)tl + 1); }
    }
    status = group_agree(comm, status);
    if (status == TN_OK) status = api_bcast_buffer(comm, &block, &bytes);
    if (status == TN_OK && rank != 0) {
        memcpy(numbers, block, (size_t)nd * 8);
        free(*text);
        *text = api_strdup((char *)block + 8 * nd);
        if (!*text) status = TN_ERR_MEMORY;
    }
    free(block);
    return status;
}

static int buffer_check(const char *what, const double *buf, int64_t have, int64_t want)
{
    if (buf && have < want)
        return api_bad("%s: a buffer of %lld doubles is too short for %lld", what, (long long)have, (long long)want);
    return TN_OK;
}

/* ---- adapters ----------------------------------------------------------------- */

static int adapters_make(json_t *spec, char *path, tnemu_adapters **out)
{
    tnemu_adapters *a = tn_calloc(1, sizeof *a);
    int status = a ? adapters_check_json(spec, path, a->info) : TN_ERR_MEMORY;
    if (status != TN_OK) { json_decref(spec); free(path); free(a); return status; }
    a->spec = spec;
    a->path = path;
    *out = a;
    return TN_OK;
}

int tnemu_adapters_load(const char *spec_path, tnemu_adapters **out)
{
    api_enter();
    if (!out || !spec_path) return api_status(api_bad("tnemu_adapters_load: spec_path or out is NULL"));
    *out = NULL;
    json_t *spec = NULL;
    char *path = api_strdup(spec_path);
    int status = path ? input_load_json(spec_path, JSON_REJECT_DUPLICATES, NULL, &spec) : TN_ERR_MEMORY;
    if (status == TN_OK) return api_status(adapters_make(spec, path, out));
    free(path);
    return api_status(status);
}

int tnemu_adapters_parse(const char *spec_json, const char *base_dir, tnemu_adapters **out)
{
    api_enter();
    if (!out || !spec_json) return api_status(api_bad("tnemu_adapters_parse: spec_json or out is NULL"));
    *out = NULL;
    json_t *spec = NULL;
    char *path = text_spec_path(base_dir);
    int status = path ? parse_spec_text(spec_json, path, &spec) : TN_ERR_MEMORY;
    if (status == TN_OK) return api_status(adapters_make(spec, path, out));
    free(path);
    return api_status(status);
}

int tnemu_adapters_info(const tnemu_adapters *a, int64_t *k, int64_t *d, int64_t *complex_generators,
                        int64_t *ngenerators, int64_t *ninputs, int64_t *input_length, int64_t *blocks_per_circuit,
                        int64_t *circuits)
{
    api_enter();
    if (!a) return api_status(api_bad("tnemu_adapters_info: adapters is NULL"));
    int64_t *outs[AD_INFO] = {k, d, complex_generators, ngenerators, ninputs, input_length, blocks_per_circuit, circuits};
    for (int i = 0; i < AD_INFO; i++)
        if (outs[i]) *outs[i] = a->info[i];
    return TNEMU_OK;
}

int tnemu_adapters_set_generators(tnemu_adapters *a, int64_t n, int64_t numbers_per_generator, const double *gens)
{
    api_enter();
    if (!a || !gens) return api_status(api_bad("tnemu_adapters_set_generators: adapters or gens is NULL"));
    long d = a->info[AD_D], upper = d * (d - 1) / 2, need = a->info[AD_COMPLEX] ? 2 * upper + d : upper;
    long pieces = a->info[AD_LENGTH] / d;
    if (numbers_per_generator != need)
        return api_status(api_bad("a %s generator of a %ld-qubit block has %ld numbers, not %lld",
                                  a->info[AD_COMPLEX] ? "complex" : "real", a->info[AD_K], need,
                                  (long long)numbers_per_generator));
    if (n != 1 && n != pieces)
        return api_status(api_bad("%lld generators for %ld pieces per input: give 1 or %ld", (long long)n, pieces, pieces));
    json_t *m = matrix_json(n, need, gens, "generators");
    if (!m) return api_status(TN_ERR_USAGE);
    json_object_set_new(a->spec, "generators", m);
    a->info[AD_NGEN] = (long)n;
    return TNEMU_OK;
}

int tnemu_adapters_set_inputs(tnemu_adapters *a, int64_t n, int64_t length, const double *inputs)
{
    api_enter();
    if (!a || !inputs) return api_status(api_bad("tnemu_adapters_set_inputs: adapters or inputs is NULL"));
    long d = a->info[AD_D];
    if (n < 1 || n > 1000000) return api_status(api_bad("inputs: %lld vectors is not in [1, 1000000]", (long long)n));
    if (length < d || length % d)
        return api_status(api_bad("inputs of %lld numbers are not a multiple of 2^k = %ld", (long long)length, d));
    json_t *m = matrix_json(n, length, inputs, "inputs");
    if (!m) return api_status(TN_ERR_USAGE);
    json_object_set_new(a->spec, "inputs", m);
    a->info[AD_NINPUTS] = (long)n;
    a->info[AD_LENGTH] = (long)length;
    long pieces = (long)n * (long)(length / d);
    a->info[AD_CIRCUITS] = (pieces + a->info[AD_BLOCKS] - 1) / a->info[AD_BLOCKS];
    return TNEMU_OK;
}

/* Sets spec[key] to the JSON text value, checks the spec with check (which
 * fills info), and puts the old value back if that fails. */
static int set_spec_key(json_t *spec, const char *path, const char *key, const char *json_value,
                        int (*check)(json_t *, const char *, long *), long *info)
{
    if (!key || !*key || !json_value) return api_bad("set_spec: key or value is NULL");
    json_error_t err;
    json_t *v = json_loads(json_value, JSON_DECODE_ANY | JSON_REJECT_DUPLICATES, &err);
    if (!v) return api_bad("set_spec: the value of \"%s\" is not JSON: %s (column %d)", key, err.text, err.column);
    json_t *old = json_object_get(spec, key);
    if (old) json_incref(old);
    json_object_set_new(spec, key, v);
    int status = check(spec, path, info);
    if (status != TN_OK) {
        if (old) json_object_set(spec, key, old);
        else json_object_del(spec, key);
    }
    json_decref(old);
    return status;
}

static int adapters_check(json_t *spec, const char *path, long *info) { return adapters_check_json(spec, path, info); }
static int qnn_check(json_t *spec, const char *path, long *info) { return qnn_check_json(spec, path, info); }

int tnemu_adapters_set_spec(tnemu_adapters *a, const char *key, const char *json_value)
{
    api_enter();
    if (!a) return api_status(api_bad("tnemu_adapters_set_spec: adapters is NULL"));
    long info[AD_INFO];
    int status = set_spec_key(a->spec, a->path, key, json_value, adapters_check, info);
    if (status == TN_OK) memcpy(a->info, info, sizeof info);
    return api_status(status);
}

int tnemu_qnn_set_spec(tnemu_qnn *q, const char *key, const char *json_value)
{
    api_enter();
    if (!q) return api_status(api_bad("tnemu_qnn_set_spec: qnn is NULL"));
    long info[QN_INFO];
    int status = set_spec_key(q->spec, q->path, key, json_value, qnn_check, info);
    if (status == TN_OK) memcpy(q->info, info, sizeof info);
    return api_status(status);
}

int tnemu_adapters_set_shots(tnemu_adapters *a, int64_t shots)
{
    api_enter();
    if (!a) return api_status(api_bad("tnemu_adapters_set_shots: adapters is NULL"));
    if (shots < 1 || shots > 1000000000) return api_status(api_bad("shots %lld is not in [1, 1000000000]", (long long)shots));
    json_object_set_new(a->spec, "shots", json_integer(shots));
    return TNEMU_OK;
}

int tnemu_adapters_set_seed(tnemu_adapters *a, uint64_t seed)
{
    api_enter();
    if (!a) return api_status(api_bad("tnemu_adapters_set_seed: adapters is NULL"));
    if (seed > 9000000000000000ull) return api_status(api_bad("seed %llu is not in [0, 9e15]", (unsigned long long)seed));
    json_object_set_new(a->spec, "seed", json_integer((json_int_t)seed));
    return TNEMU_OK;
}

int tnemu_adapters_set_noise_scale(tnemu_adapters *a, double scale)
{
    api_enter();
    if (!a) return api_status(api_bad("tnemu_adapters_set_noise_scale: adapters is NULL"));
    if (!(scale >= 0 && scale <= 1000)) return api_status(api_bad("noise scale %g is not in [0, 1000]", scale));
    json_object_set_new(a->spec, "noise_scale", json_real(scale));
    return TNEMU_OK;
}

int tnemu_adapters_set_groups(tnemu_adapters *a, int64_t groups)
{
    api_enter();
    if (!a) return api_status(api_bad("tnemu_adapters_set_groups: adapters is NULL"));
    if (groups < 0 || groups > 1000000) return api_status(api_bad("groups %lld is not in [0, 1000000]", (long long)groups));
    a->groups = (long)groups;
    return TNEMU_OK;
}

/* Rank 0: [mean error, outputs..., errors...] from the result JSON. */
static int adapters_numbers(const tnemu_adapters *a, const json_t *root, double *all)
{
    long n = a->info[AD_NINPUTS], len = a->info[AD_LENGTH], pieces = len / a->info[AD_D];
    int cplx = (int)a->info[AD_COMPLEX];
    json_t *inputs = json_object_get(root, "inputs");
    if ((long)json_array_size(inputs) != n) return tn_fail(TN_ERR_INTERNAL, "internal error: %zu outputs for %ld inputs", json_array_size(inputs), n);
    all[0] = json_number_value(json_object_get(root, "mean_relative_error"));
    double *out = all + 1, *err = out + n * len * (cplx ? 2 : 1);
    for (long i = 0; i < n; i++) {
        json_t *in = json_array_get(inputs, (size_t)i), *o = json_object_get(in, "output");
        json_t *e = json_object_get(in, "block_relative_errors");
        if ((long)json_array_size(o) != len || (long)json_array_size(e) != pieces)
            return tn_fail(TN_ERR_INTERNAL, "internal error: output %ld has the wrong length", i);
        for (long j = 0; j < len; j++) {
            json_t *v = json_array_get(o, (size_t)j);
            if (cplx) {
                out[2 * (i * len + j)] = json_number_value(json_array_get(v, 0));
                out[2 * (i * len + j) + 1] = json_number_value(json_array_get(v, 1));
            } else {
                out[i * len + j] = json_number_value(v);
            }
        }
        for (long j = 0; j < pieces; j++) err[i * pieces + j] = json_number_value(json_array_get(e, (size_t)j));
    }
    return TN_OK;
}

static int adapters_run(tnemu_adapters *a, MPI_Comm comm, double *outputs, int64_t n_outputs, double *errors,
                        int64_t n_errors, double *mean_error)
{
    long n = a->info[AD_NINPUTS], len = a->info[AD_LENGTH], pieces = len / a->info[AD_D];
    int64_t nout = (int64_t)n * len * (a->info[AD_COMPLEX] ? 2 : 1), nerr = (int64_t)n * pieces;
    CALL(buffer_check("tnemu_adapters_run: outputs", outputs, n_outputs, nout));
    CALL(buffer_check("tnemu_adapters_run: errors", errors, n_errors, nerr));
    int rank;
    MPI_Comm_rank(comm, &rank);
    json_t *root = NULL;
    int status = adapters_run_json(comm, a->spec, a->path, a->groups, &root);
    double *all = tn_calloc((size_t)(1 + nout + nerr), sizeof *all);
    char *text = NULL;
    if (!all && status == TN_OK) status = TN_ERR_MEMORY;
    if (status == TN_OK && rank == 0) status = adapters_numbers(a, root, all);
    if (status == TN_OK && rank == 0 && !(text = api_json_text(root))) status = tn_fail(TN_ERR_MEMORY, "out of memory");
    json_decref(root);
    status = share_numbers(comm, status, all, 1 + nout + nerr, &text);
    if (status == TN_OK) {
        if (mean_error) *mean_error = all[0];
        if (outputs) memcpy(outputs, all + 1, (size_t)nout * sizeof *outputs);
        if (errors) memcpy(errors, all + 1 + nout, (size_t)nerr * sizeof *errors);
        free(a->last_json);
        a->last_json = text;
        text = NULL;
    }
    free(text);
    free(all);
    return status;
}

int tnemu_adapters_run(tnemu_adapters *a, const void *comm, double *outputs, int64_t n_outputs, double *errors,
                       int64_t n_errors, double *mean_error)
{
    api_enter();
    if (!a) return api_status(api_bad("tnemu_adapters_run: adapters is NULL"));
    CALL(api_status(api_ready()));
    MPI_Comm c = api_comm(comm);
    if (c == MPI_COMM_NULL) return api_status(api_bad("tnemu_adapters_run: the communicator is MPI_COMM_NULL"));
    return api_status(adapters_run(a, c, outputs, n_outputs, errors, n_errors, mean_error));
}

int tnemu_adapters_json(const tnemu_adapters *a, char **json)
{
    api_enter();
    if (!a || !json) return api_status(api_bad("tnemu_adapters_json: adapters or json is NULL"));
    if (!a->last_json) return api_status(api_bad("tnemu_adapters_json: nothing has run yet"));
    *json = api_strdup(a->last_json);
    return api_status(*json ? TN_OK : TN_ERR_MEMORY);
}

void tnemu_adapters_free(tnemu_adapters **a)
{
    if (!a || !*a) return;
    json_decref((*a)->spec);
    free((*a)->path);
    free((*a)->last_json);
    free(*a);
    *a = NULL;
}

/* ---- qnn -------------------------------------------------------------------- */

static int qnn_make(json_t *spec, char *path, tnemu_qnn **out)
{
    tnemu_qnn *q = tn_calloc(1, sizeof *q);
    int status = q ? qnn_check_json(spec, path, q->info) : TN_ERR_MEMORY;
    if (status != TN_OK) { json_decref(spec); free(path); free(q); return status; }
    q->spec = spec;
    q->path = path;
    *out = q;
    return TN_OK;
}

int tnemu_qnn_load(const char *spec_path, tnemu_qnn **out)
{
    api_enter();
    if (!out || !spec_path) return api_status(api_bad("tnemu_qnn_load: spec_path or out is NULL"));
    *out = NULL;
    json_t *spec = NULL;
    char *path = api_strdup(spec_path);
    int status = path ? input_load_json(spec_path, JSON_REJECT_DUPLICATES, NULL, &spec) : TN_ERR_MEMORY;
    if (status == TN_OK) return api_status(qnn_make(spec, path, out));
    free(path);
    return api_status(status);
}

int tnemu_qnn_parse(const char *spec_json, const char *base_dir, tnemu_qnn **out)
{
    api_enter();
    if (!out || !spec_json) return api_status(api_bad("tnemu_qnn_parse: spec_json or out is NULL"));
    *out = NULL;
    json_t *spec = NULL;
    char *path = text_spec_path(base_dir);
    int status = path ? parse_spec_text(spec_json, path, &spec) : TN_ERR_MEMORY;
    if (status == TN_OK) return api_status(qnn_make(spec, path, out));
    free(path);
    return api_status(status);
}

int tnemu_qnn_info(const tnemu_qnn *q, int64_t *nqubits, int64_t *nparams, int64_t *nfeatures, int64_t *nobservables,
                   int64_t *nsets, int64_t *ninputs)
{
    api_enter();
    if (!q) return api_status(api_bad("tnemu_qnn_info: qnn is NULL"));
    int64_t *outs[QN_INFO] = {nqubits, nparams, nfeatures, nobservables, nsets, ninputs};
    for (int i = 0; i < QN_INFO; i++)
        if (outs[i]) *outs[i] = q->info[i];
    return TNEMU_OK;
}

int tnemu_qnn_set_parameters(tnemu_qnn *q, int64_t nsets, int64_t nparams, const double *params)
{
    api_enter();
    if (!q || !params) return api_status(api_bad("tnemu_qnn_set_parameters: qnn or params is NULL"));
    if (nparams != q->info[QN_NPARAMS])
        return api_status(api_bad("parameters: the model has %ld parameters per set, not %lld", q->info[QN_NPARAMS],
                                  (long long)nparams));
    if (nsets < 1 || nsets > 1000000) return api_status(api_bad("parameters: %lld sets is not in [1, 1000000]", (long long)nsets));
    json_t *m = matrix_json(nsets, nparams, params, "parameters");
    if (!m) return api_status(TN_ERR_USAGE);
    json_object_set_new(q->spec, "parameters", m);
    q->info[QN_NSETS] = (long)nsets;
    return TNEMU_OK;
}

int tnemu_qnn_set_inputs(tnemu_qnn *q, int64_t ninputs, int64_t nfeatures, const double *inputs)
{
    api_enter();
    if (!q || !inputs) return api_status(api_bad("tnemu_qnn_set_inputs: qnn or inputs is NULL"));
    if (ninputs < 1 || ninputs > 1000000) return api_status(api_bad("inputs: %lld rows is not in [1, 1000000]", (long long)ninputs));
    if (nfeatures < 1 || nfeatures > 1000000) return api_status(api_bad("inputs: %lld features is not in [1, 1000000]", (long long)nfeatures));
    json_t *m = matrix_json(ninputs, nfeatures, inputs, "inputs");
    if (!m) return api_status(TN_ERR_USAGE);
    json_object_set_new(q->spec, "inputs", m);
    q->info[QN_NINPUTS] = (long)ninputs;
    q->info[QN_NFEATURES] = (long)nfeatures;
    return TNEMU_OK;
}

int tnemu_qnn_set_groups(tnemu_qnn *q, int64_t groups)
{
    api_enter();
    if (!q) return api_status(api_bad("tnemu_qnn_set_groups: qnn is NULL"));
    if (groups < 0 || groups > 1000000) return api_status(api_bad("groups %lld is not in [0, 1000000]", (long long)groups));
    q->groups = (long)groups;
    return TNEMU_OK;
}

int tnemu_qnn_set_seed(tnemu_qnn *q, uint64_t seed)
{
    api_enter();
    if (!q) return api_status(api_bad("tnemu_qnn_set_seed: qnn is NULL"));
    if (seed > 9000000000000000ull) return api_status(api_bad("seed %llu is not in [0, 9e15]", (unsigned long long)seed));
    json_object_set_new(q->spec, "seed", json_integer((json_int_t)seed));
    return TNEMU_OK;
}

/* Rank 0: [values..., errors..., gradients...] from the result JSON. */
static int qnn_numbers(const tnemu_qnn *q, const json_t *root, int gradient, double *all)
{
    long points = q->info[QN_NSETS] * q->info[QN_NINPUTS], nobs = q->info[QN_NOBS], np = q->info[QN_NPARAMS];
    json_t *results = json_object_get(root, "results");
    if ((long)json_array_size(results) != points)
        return tn_fail(TN_ERR_INTERNAL, "internal error: %zu results for %ld points", json_array_size(results), points);
    double *val = all, *err = all + points * nobs, *grad = err + points * nobs;
    for (long p = 0; p < points; p++) {
        json_t *r = json_array_get(results, (size_t)p);
        json_t *e = json_object_get(r, "expectation"), *s = json_object_get(r, "stderr"), *g = json_object_get(r, "gradient");
        for (long k = 0; k < nobs; k++) {
            val[p * nobs + k] = json_number_value(json_array_get(e, (size_t)k));
            err[p * nobs + k] = json_number_value(json_array_get(s, (size_t)k));
            for (long j = 0; gradient && j < np; j++)
                grad[(p * nobs + k) * np + j] = json_number_value(json_array_get(json_array_get(g, (size_t)k), (size_t)j));
        }
    }
    return TN_OK;
}

static int qnn_run(tnemu_qnn *q, MPI_Comm comm, double *values, int64_t n_values, double *errors, int64_t n_errors,
                   double *gradients, int64_t n_gradients)
{
    int64_t points = (int64_t)q->info[QN_NSETS] * q->info[QN_NINPUTS], nv = points * q->info[QN_NOBS];
    int64_t ng = gradients ? nv * q->info[QN_NPARAMS] : 0;
    CALL(buffer_check("tnemu_qnn_run: values", values, n_values, nv));
    CALL(buffer_check("tnemu_qnn_run: errors", errors, n_errors, nv));
    CALL(buffer_check("tnemu_qnn_run: gradients", gradients, n_gradients, ng));
    int rank;
    MPI_Comm_rank(comm, &rank);
    json_t *root = NULL;
    int status = qnn_run_json(comm, q->spec, q->path, gradients ? "gradient" : "expectation", q->groups, &root);
    double *all = tn_calloc((size_t)(2 * nv + ng), sizeof *all);
    char *text = NULL;
    if (!all && status == TN_OK) status = TN_ERR_MEMORY;
    if (status == TN_OK && rank == 0) status = qnn_numbers(q, root, gradients != NULL, all);
    if (status == TN_OK && rank == 0 && !(text = api_json_text(root))) status = tn_fail(TN_ERR_MEMORY, "out of memory");
    json_decref(root);
    status = share_numbers(comm, status, all, 2 * nv + ng, &text);
    if (status == TN_OK) {
        if (values) memcpy(values, all, (size_t)nv * sizeof *values);
        if (errors) memcpy(errors, all + nv, (size_t)nv * sizeof *errors);
        if (gradients) memcpy(gradients, all + 2 * nv, (size_t)ng * sizeof *gradients);
        free(q->last_json);
        q->last_json = text;
        text = NULL;
    }
    free(text);
    free(all);
    return status;
}

int tnemu_qnn_run(tnemu_qnn *q, const void *comm, double *values, int64_t n_values, double *errors, int64_t n_errors,
                  double *gradients, int64_t n_gradients)
{
    api_enter();
    if (!q) return api_status(api_bad("tnemu_qnn_run: qnn is NULL"));
    CALL(api_status(api_ready()));
    MPI_Comm c = api_comm(comm);
    if (c == MPI_COMM_NULL) return api_status(api_bad("tnemu_qnn_run: the communicator is MPI_COMM_NULL"));
    return api_status(qnn_run(q, c, values, n_values, errors, n_errors, gradients, n_gradients));
}

int tnemu_qnn_json(const tnemu_qnn *q, char **json)
{
    api_enter();
    if (!q || !json) return api_status(api_bad("tnemu_qnn_json: qnn or json is NULL"));
    if (!q->last_json) return api_status(api_bad("tnemu_qnn_json: nothing has run yet"));
    *json = api_strdup(q->last_json);
    return api_status(*json ? TN_OK : TN_ERR_MEMORY);
}

void tnemu_qnn_free(tnemu_qnn **q)
{
    if (!q || !*q) return;
    json_decref((*q)->spec);
    free((*q)->path);
    free((*q)->last_json);
    free(*q);
    *q = NULL;
}
