/* qnn.c - `tnemu qnn SPEC.json`: hybrid quantum/tensor-network layers in
 * the style of Origin's QWTHN/QTHA (arXiv:2503.12790) on a device: features
 * angle-encoded as RY on n device qubits, then L layers of RY(theta) and
 * RZ(theta) on every qubit followed by CZ on chosen device couplers;
 * expectation values of observables (default every Z_i), and their
 * gradients by the parameter-shift rule (two circuits per parameter per
 * input: d<O>/dtheta = (<O>(theta + pi/2) - <O>(theta - pi/2)) / 2, exact for
 * RY and RZ). All circuits of a data batch run as one batch farmed over MPI
 * groups, submitted in task groups of 200 circuits (as Origin's cloud layer
 * does; "task_group" in the spec). The spec format is in docs/qnn.md.
 * Not for: adapter blocks (adapters.c), running one circuit (run.c). */
#include "qnn.h"

#include <jansson.h>
#include <math.h>
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "blocks.h"
#include "cli.h"
#include "error.h"
#include "group.h"
#include "input.h"
#include "noise.h"
#include "outfile.h"
#include "qasm.h"
#include "result.h"
#include "rng.h"
#include "spec.h"
#include "run.h"

#define DEFAULT_TASK_GROUP 200
#define QNN_MAX_CIRCUITS 10000000L   /* per spec: beyond any batch a device or this emulator runs */
#define QNN_MAX_NUMBERS (1L << 28)    /* parameters or inputs drawn at random: 2 GiB */
#define QNN_STREAM 0x514e4eull

static const char *qnn_usage =
    "usage: tnemu qnn SPEC.json [OPTIONS]\n"
    "\n"
    "  --groups G         MPI groups the circuits are farmed over (1..ranks; default: ranks)\n"
    "  --mode M           expectation or gradient (overrides the spec)\n"
    "  -o, --output FILE  write the result JSON to FILE (default: stdout)\n"
    "  -q, --quiet        no summary on stderr\n"
    "\n"
    "The spec format is in docs/qnn.md; examples in examples/qnn/. File names in a spec are\n"
    "relative to the spec's folder.\n";

typedef struct {
    char *path;
    device_graph dev;
    int n;                      /* qubits used */
    int *qubits;                /* n device qubits */
    int ncz;
    int (*cz)[2];               /* couplers (device qubits) after each layer */
    int layers, nparams;        /* nparams = 2 n layers */
    int nsets;
    double *params;             /* nsets x nparams */
    int ninputs, nfeatures;
    double *inputs;             /* ninputs x nfeatures (feature j on qubit j mod n) */
    int nobs;
    char **obs;                 /* Pauli strings over device qubits ("Z12 Z13") */
    char **obs_label;           /* as given (positions in the qubit list) */
    int gradient;
    long task_group;
    char *noise_path;
    double noise_scale;
    noise_t2 t2;                       /* "t2": ramsey or echo (Origin calibrations); 0: the default */
    long trajectories;
    uint64_t seed;
} qnn_spec;

static int spec_fail(const qnn_spec *s, const char *what) { return tn_fail(TN_ERR_INPUT, "%s: %s", s->path, what); }

static int number_in(const qnn_spec *s, json_t *v, const char *name, double lo, double hi, double *out)
{
    return spec_number(s->path, v, name, lo, hi, out);
}

static int read_device(qnn_spec *s, json_t *dev)
{
    int origin;
    return spec_device(s->path, dev, &s->dev, &origin);
}

static int is_coupler(const device_graph *g, int a, int b)
{
    for (int e = 0; e < g->nedges; e++)
        if ((g->edges[e][0] == a && g->edges[e][1] == b) || (g->edges[e][0] == b && g->edges[e][1] == a)) return 1;
    return 0;
}

/* The qubits: a list of device qubits, or a count taken as a connected
 * region grown breadth-first from the lowest qubit. */
static int read_qubits(qnn_spec *s, json_t *q)
{
    int nq = s->dev.nqubits;
    char msg[200];
    if (json_is_array(q)) {
        s->n = (int)json_array_size(q);
        if (s->n < 1) return spec_fail(s, "\"qubits\" is an empty list");
        if (!(s->qubits = tn_malloc((size_t)s->n * sizeof(int)))) return TN_ERR_MEMORY;
        for (int i = 0; i < s->n; i++) {
            json_t *v = json_array_get(q, (size_t)i);
            if (!json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) >= nq) {
                snprintf(msg, sizeof msg, "qubits[%d] is not a qubit of the %d-qubit device", i, nq);
                return spec_fail(s, msg);
            }
            s->qubits[i] = (int)json_integer_value(v);
            for (int j = 0; j < i; j++)
                if (s->qubits[j] == s->qubits[i]) { snprintf(msg, sizeof msg, "qubit %d is listed twice", s->qubits[i]); return spec_fail(s, msg); }
        }
        return TN_OK;
    }
    double count;
    CALL(number_in(s, q, "qubits", 1, nq, &count));
    s->n = (int)count;
    if (!(s->qubits = tn_malloc((size_t)s->n * sizeof(int)))) return TN_ERR_MEMORY;
    unsigned char *seen = tn_calloc((size_t)nq, 1);
    if (!seen) return TN_ERR_MEMORY;
    int have = 0;
    s->qubits[have++] = 0;
    seen[0] = 1;
    for (int head = 0; head < have && have < s->n; head++)
        for (int e = 0; e < s->dev.nedges && have < s->n; e++) {
            int a = s->dev.edges[e][0], b = s->dev.edges[e][1], u = s->qubits[head];
            int w = a == u ? b : b == u ? a : -1;
            if (w >= 0 && !seen[w]) { seen[w] = 1; s->qubits[have++] = w; }
        }
    free(seen);
    if (have < s->n) {
        snprintf(msg, sizeof msg, "the device has no connected region of %d qubits around qubit 0", s->n);
        return spec_fail(s, msg);
    }
    return TN_OK;
}

/* Couplers after each layer: given (positions in the qubit list), or every
 * device coupler between chosen qubits. */
static int read_couplers(qnn_spec *s, json_t *c)
{
    char msg[200];
    int cap = c && json_is_array(c) ? (int)json_array_size(c) : s->dev.nedges;
    if (!(s->cz = tn_calloc((size_t)cap + 1, sizeof *s->cz))) return TN_ERR_MEMORY;
    if (c && json_is_array(c)) {
        for (int i = 0; i < cap; i++) {
            json_t *p = json_array_get(c, (size_t)i), *a = json_array_get(p, 0), *b = json_array_get(p, 1);
            if (!json_is_integer(a) || !json_is_integer(b) || json_integer_value(a) < 0 || json_integer_value(b) < 0 ||
                json_integer_value(a) >= s->n || json_integer_value(b) >= s->n || json_integer_value(a) == json_integer_value(b)) {
                snprintf(msg, sizeof msg, "couplers[%d] is not a pair of distinct positions in [0, %d)", i, s->n);
                return spec_fail(s, msg);
            }
            int qa = s->qubits[json_integer_value(a)], qb = s->qubits[json_integer_value(b)];
            if (!is_coupler(&s->dev, qa, qb)) {
                snprintf(msg, sizeof msg, "couplers[%d]: qubits %d and %d are not coupled on %s", i, qa, qb, s->dev.name);
                return spec_fail(s, msg);
            }
            s->cz[s->ncz][0] = qa;
            s->cz[s->ncz][1] = qb;
            s->ncz++;
        }
        return TN_OK;
    }
    if (c) return spec_fail(s, "\"couplers\" is a list of [position, position] pairs");
    int *pos = tn_malloc((size_t)s->dev.nqubits * sizeof(int));
    if (!pos) return TN_ERR_MEMORY;
    for (int q = 0; q < s->dev.nqubits; q++) pos[q] = -1;
    for (int i = 0; i < s->n; i++) pos[s->qubits[i]] = i;
    for (int e = 0; e < s->dev.nedges; e++)
        if (pos[s->dev.edges[e][0]] >= 0 && pos[s->dev.edges[e][1]] >= 0) {
            s->cz[s->ncz][0] = s->dev.edges[e][0];
            s->cz[s->ncz][1] = s->dev.edges[e][1];
            s->ncz++;
        }
    free(pos);
    return TN_OK;
}

/* A list of numbers, a list of lists (several sets), or {"random": SEED}. */
static int read_matrix(qnn_spec *s, json_t *v, const char *name, int width, int random_rows, double scale, uint64_t stream,
                       int *rows, double **out)
{
    char msg[200];
    if (json_is_object(v)) {
        static const char *const random_keys[] = {"random", "count", NULL};
        double seed;
        CALL(input_check_keys(s->path, name, v, random_keys));
        CALL(number_in(s, json_object_get(v, "random"), name, 0, 9e15, &seed));
        if (json_object_get(v, "count")) {
            double c;
            CALL(number_in(s, json_object_get(v, "count"), name, 1, 1e6, &c));
            random_rows = (int)c;
        }
        if ((double)random_rows * width > QNN_MAX_NUMBERS)
            return tn_fail(TN_ERR_INPUT, "%s: \"%s\": %d rows of %d numbers are more than %ld numbers", s->path, name,
                           random_rows, width, QNN_MAX_NUMBERS);
        *rows = random_rows;
        if (!(*out = tn_malloc((size_t)random_rows * width * sizeof **out))) return TN_ERR_MEMORY;
        rng_stream r;
        rng_init(&r, (uint64_t)seed, stream);
        for (size_t i = 0; i < (size_t)random_rows * width; i++) (*out)[i] = scale * (2 * rng_uniform(&r) - 1);
        return TN_OK;
    }
    int nested = json_is_array(v) && json_is_array(json_array_get(v, 0));
    *rows = nested ? (int)json_array_size(v) : 1;
    if (!json_is_array(v) || json_array_size(v) == 0) {
        snprintf(msg, sizeof msg, "\"%s\" is a list of %d numbers, a list of such lists, or {\"random\": SEED}", name, width);
        return spec_fail(s, msg);
    }
    if (!(*out = tn_malloc((size_t)*rows * width * sizeof **out))) return TN_ERR_MEMORY;
    for (int r = 0; r < *rows; r++) {
        json_t *row = nested ? json_array_get(v, (size_t)r) : v;
        if (!json_is_array(row) || (int)json_array_size(row) != width) {
            snprintf(msg, sizeof msg, "\"%s\"[%d] must have %d numbers", name, r, width);
            return spec_fail(s, msg);
        }
        for (int i = 0; i < width; i++)
            CALL(number_in(s, json_array_get(row, (size_t)i), name, -1e6, 1e6, &(*out)[(size_t)r * width + i]));
    }
    return TN_OK;
}

/* Observables over positions ("Z0 Z3"), rewritten over device qubits. */
static int read_observables(qnn_spec *s, json_t *o)
{
    int count = o ? (int)json_array_size(o) : s->n;
    if (o && (!json_is_array(o) || count == 0)) return spec_fail(s, "\"observables\" is a list of Pauli strings like \"Z0 Z1\"");
    s->nobs = count;
    s->obs = tn_calloc((size_t)count, sizeof *s->obs);
    s->obs_label = tn_calloc((size_t)count, sizeof *s->obs_label);
    if (!s->obs || !s->obs_label) return TN_ERR_MEMORY;
    for (int k = 0; k < count; k++) {
        char label[64];
        const char *src = label;
        if (o) {
            if (!json_is_string(json_array_get(o, (size_t)k))) return spec_fail(s, "\"observables\" are strings");
            src = json_string_value(json_array_get(o, (size_t)k));
        } else {
            snprintf(label, sizeof label, "Z%d", k);
        }
        size_t cap = strlen(src) * 4 + 16;
        s->obs_label[k] = strdup(src);
        s->obs[k] = tn_malloc(cap);
        if (!s->obs_label[k] || !s->obs[k]) return TN_ERR_MEMORY;
        size_t len = 0;
        for (const char *p = src; *p;) {
            if (*p == ' ') { p++; continue; }
            char *end;
            long pos = strtol(p + 1, &end, 10);
            if (!strchr("IXYZ", *p) || end == p + 1 || pos < 0 || pos >= s->n) {
                char msg[200];
                snprintf(msg, sizeof msg, "observable '%.60s': expected P<position> with P in I, X, Y, Z and position in [0, %d)", src, s->n);
                return spec_fail(s, msg);
            }
            len += (size_t)snprintf(s->obs[k] + len, cap - len, "%s%c%d", len ? " " : "", *p, s->qubits[pos]);
            p = end;
        }
    }
    return TN_OK;
}

static void spec_free(qnn_spec *s)
{
    device_free(&s->dev);
    for (int k = 0; k < s->nobs; k++) { if (s->obs) free(s->obs[k]); if (s->obs_label) free(s->obs_label[k]); }
    free(s->obs); free(s->obs_label); free(s->path); free(s->qubits); free(s->cz); free(s->params); free(s->inputs);
    free(s->noise_path);
    memset(s, 0, sizeof *s);
}

/* Reads the spec from its parsed JSON (path: for messages and relative file
 * names; mode, if not NULL, overrides the spec's). */
static int spec_from_json(json_t *root, const char *path, const char *mode, qnn_spec *s)
{
    memset(s, 0, sizeof *s);
    if (!(s->path = strdup(path))) return TN_ERR_MEMORY;
    static const char *const spec_keys[] = {"device", "qubits", "couplers", "layers", "parameters", "inputs",
                                            "observables", "mode", "task_group", "noise", "noise_scale", "t2",
                                            "trajectories", "seed", NULL};
    CALL(input_check_keys(path, NULL, root, spec_keys));
    double v;
    s->task_group = DEFAULT_TASK_GROUP;
    s->noise_scale = 1;
    s->seed = 1;
    int status = json_is_object(root) ? TN_OK : spec_fail(s, "the spec is a JSON object (docs/qnn.md)");
    if (status == TN_OK) status = read_device(s, json_object_get(root, "device"));
    if (status == TN_OK) status = read_qubits(s, json_object_get(root, "qubits"));
    if (status == TN_OK) status = read_couplers(s, json_object_get(root, "couplers"));
    if (status == TN_OK && (status = number_in(s, json_object_get(root, "layers"), "layers", 1, 1000, &v)) == TN_OK)
        s->layers = (int)v;
    s->nparams = 2 * s->n * s->layers;
    if (status == TN_OK)
        status = read_matrix(s, json_object_get(root, "parameters"), "parameters", s->nparams, 1, M_PI, QNN_STREAM,
                             &s->nsets, &s->params);
    json_t *in = json_object_get(root, "inputs");
    s->nfeatures = s->n;
    if (status == TN_OK && json_is_array(in) && json_is_array(json_array_get(in, 0)))
        s->nfeatures = (int)json_array_size(json_array_get(in, 0));
    if (status == TN_OK && s->nfeatures < 1) status = spec_fail(s, "inputs[0] is empty");
    if (status == TN_OK) status = read_matrix(s, in, "inputs", s->nfeatures, 1, M_PI, QNN_STREAM + 1, &s->ninputs, &s->inputs);
    if (status == TN_OK) status = read_observables(s, json_object_get(root, "observables"));
    const char *m = mode ? mode : json_string_value(json_object_get(root, "mode"));
    if (status == TN_OK && m && strcmp(m, "expectation") && strcmp(m, "gradient"))
        status = mode ? tn_fail(TN_ERR_USAGE, "option --mode: '%s' is not one of: expectation, gradient", m)
                      : spec_fail(s, "\"mode\" must be expectation or gradient");
    s->gradient = m && strcmp(m, "gradient") == 0;
    if (status == TN_OK && json_object_get(root, "task_group") &&
        (status = number_in(s, json_object_get(root, "task_group"), "task_group", 1, 1e6, &v)) == TN_OK)
        s->task_group = (long)v;
    json_t *noise = json_object_get(root, "noise");
    if (status == TN_OK && noise && !json_is_null(noise) && !json_is_false(noise)) {
        if (!json_is_string(noise)) status = spec_fail(s, "\"noise\" is a calibration file name, or null/false");
        else if (!(s->noise_path = spec_resolve(s->path, json_string_value(noise)))) status = TN_ERR_MEMORY;
    }
    json_t *t2 = json_object_get(root, "t2");
    if (status == TN_OK && t2 && !(json_is_string(t2) && noise_parse_t2("t2", json_string_value(t2), &s->t2) == TN_OK)) {
        tn_clear_error();
        status = spec_fail(s, "\"t2\" must be \"ramsey\" or \"echo\" (which T2 of an Origin calibration)");
    }
    if (status == TN_OK && json_object_get(root, "noise_scale"))
        status = number_in(s, json_object_get(root, "noise_scale"), "noise_scale", 0, 1000, &s->noise_scale);
    if (status == TN_OK && json_object_get(root, "trajectories") &&
        (status = number_in(s, json_object_get(root, "trajectories"), "trajectories", 1, 1e8, &v)) == TN_OK)
        s->trajectories = (long)v;
    if (status == TN_OK && json_object_get(root, "seed") &&
        (status = number_in(s, json_object_get(root, "seed"), "seed", 0, 9e15, &v)) == TN_OK)
        s->seed = (uint64_t)v;
    double circuits = (double)s->nsets * s->ninputs * (1 + (s->gradient ? 2.0 * s->nparams : 0));
    if (status == TN_OK && circuits > QNN_MAX_CIRCUITS)
        status = tn_fail(TN_ERR_INPUT, "%s: %d parameter sets x %d inputs%s make %.3g circuits; at most %ld", path,
                         s->nsets, s->ninputs, s->gradient ? " x (1 + 2 per parameter)" : "", circuits,
                         QNN_MAX_CIRCUITS);
    return status;
}

static int spec_read(const char *path, const char *mode, qnn_spec *s)
{
    json_t *root;
    memset(s, 0, sizeof *s);
    CALL(input_load_json(path, JSON_REJECT_DUPLICATES, NULL, &root));
    int status = spec_from_json(root, path, mode, s);
    json_decref(root);
    return status;
}

int qnn_check_spec(const char *path)
{
    qnn_spec s;
    int status = spec_read(path, NULL, &s);
    spec_free(&s);
    return status;
}

/* ---- circuits ---------------------------------------------------------------- */

/* Circuits per (parameter set, input): 1, plus 2 per parameter for gradients. */
static long per_point(const qnn_spec *s) { return 1 + (s->gradient ? 2L * s->nparams : 0); }
static long circuit_total(const qnn_spec *s) { return (long)s->nsets * s->ninputs * per_point(s); }

/* Circuit t: point t / per_point, shift (t % per_point - 1) / 2 on parameter
 * (t % per_point - 1) / 2, + for odd, - for even. */
static int circuit_text(const qnn_spec *s, long t, text_buf *b)
{
    long point = t / per_point(s), shift = t % per_point(s);
    int set = (int)(point / s->ninputs), input = (int)(point % s->ninputs);
    const double *theta = s->params + (size_t)set * s->nparams, *x = s->inputs + (size_t)input * s->nfeatures;
    int shifted = shift ? (int)((shift - 1) / 2) : -1;
    double delta = shift ? ((shift - 1) % 2 == 0 ? M_PI / 2 : -M_PI / 2) : 0;
    CALL(text_printf(b, "OPENQASM 2.0;\ninclude \"qelib1.inc\";\nqreg q[%d];\n", s->dev.nqubits));
    for (int j = 0; j < s->nfeatures; j++) CALL(text_printf(b, "ry(%.17g) q[%d];\n", x[j], s->qubits[j % s->n]));
    for (int l = 0; l < s->layers; l++) {
        for (int i = 0; i < s->n; i++) {
            int py = 2 * (l * s->n + i), pz = py + 1;
            CALL(text_printf(b, "ry(%.17g) q[%d];\n", theta[py] + (py == shifted ? delta : 0), s->qubits[i]));
            CALL(text_printf(b, "rz(%.17g) q[%d];\n", theta[pz] + (pz == shifted ? delta : 0), s->qubits[i]));
        }
        for (int c = 0; c < s->ncz; c++) CALL(text_printf(b, "cz q[%d],q[%d];\n", s->cz[c][0], s->cz[c][1]));
    }
    return TN_OK;
}

/* Runs circuit t on this group; the leader writes nobs values then nobs errors. */
static int run_task(const qnn_spec *s, long t, tn_group *g, const noise_model *noise, double *out)
{
    text_buf b = {0};
    int status = circuit_text(s, t, &b);
    circuit *c = NULL;
    char name[64];
    snprintf(name, sizeof name, "qnn-circuit-%ld.qasm", t);
    if (status == TN_OK) status = qasm_parse_string(b.text, b.len, name, &c);
    free(b.text);
    tn_group *one = NULL;
    if (status == TN_OK) status = group_create(g->comm, 1, &one);
    run_options opt;
    memset(&opt, 0, sizeof opt);
    opt.shots = 0;
    opt.seed = s->seed + (uint64_t)t;
    opt.order = "auto";
    opt.grp = one;
    opt.observables = (const char **)s->obs;
    opt.nobservables = s->nobs;
    opt.noise = noise;
    opt.trajectories = s->trajectories;
    run_result res = {0};
    if (status == TN_OK) status = run_circuit(c, &opt, &res);
    if (status == TN_OK) status = run_collect(g->comm, &opt, &res);
    if (status == TN_OK && g->rank == 0)
        for (int k = 0; k < s->nobs; k++) { out[k] = res.expectation[k]; out[s->nobs + k] = res.expectation_stderr[k]; }
    run_result_free(&res);
    group_destroy(&one);
    circ_destroy(&c);
    return status;
}

/* Task groups of task_group circuits, one after another; within one, circuit
 * t runs on group t mod G. World rank 0 gathers all values. */
static int farm(const qnn_spec *s, MPI_Comm world, int ngroups, const noise_model *noise, double *all, long *rounds)
{
    int rank;
    MPI_Comm_rank(world, &rank);
    tn_group *g = NULL;
    int status = group_create(world, ngroups, &g);
    long T = circuit_total(s);
    size_t per = 2 * (size_t)s->nobs;
    *rounds = 0;
    for (long first = 0; first < T && status == TN_OK; first += s->task_group) {
        long last = first + s->task_group < T ? first + s->task_group : T;
        for (long t = first + g->group; t < last && status == TN_OK; t += ngroups)
            status = run_task(s, t, g, noise, all + (size_t)t * per);
        status = group_agree(world, status);   /* the task group ends before the next is submitted */
        ++*rounds;
    }
    if (status == TN_OK) {
        for (long t = 0; t < T; t++)
            if (g->rank != 0 || (t % s->task_group) % ngroups != g->group) memset(all + (size_t)t * per, 0, per * sizeof *all);
        MPI_Reduce(rank == 0 ? MPI_IN_PLACE : all, all, (int)((size_t)T * per), MPI_DOUBLE, MPI_SUM, 0, world);
    }
    group_destroy(&g);
    return status;
}

static json_t *result_json(const qnn_spec *s, const double *all, int ranks, int ngroups, long rounds, double seconds,
                           const noise_model *noise)
{
    json_t *root = json_object(), *q = json_array(), *obs = json_array(), *results = json_array();
    size_t per = 2 * (size_t)s->nobs;
    for (int i = 0; i < s->n; i++) json_array_append_new(q, json_integer(s->qubits[i]));
    for (int k = 0; k < s->nobs; k++) json_array_append_new(obs, json_string(s->obs_label[k]));
    for (long p = 0; p < (long)s->nsets * s->ninputs; p++) {
        const double *base = all + (size_t)(p * per_point(s)) * per;
        json_t *e = json_array(), *se = json_array();
        for (int k = 0; k < s->nobs; k++) { json_array_append_new(e, json_real(base[k])); json_array_append_new(se, json_real(base[s->nobs + k])); }
        json_t *r = json_pack("{s:i, s:i, s:o, s:o}", "parameter_set", (int)(p / s->ninputs), "input", (int)(p % s->ninputs),
                              "expectation", e, "stderr", se);
        if (s->gradient) {   /* gradient[k][j] = d<O_k>/d theta_j */
            json_t *grad = json_array();
            for (int k = 0; k < s->nobs; k++) {
                json_t *row = json_array();
                for (int j = 0; j < s->nparams; j++) {
                    const double *plus = base + (size_t)(1 + 2 * j) * per, *minus = base + (size_t)(2 + 2 * j) * per;
                    json_array_append_new(row, json_real((plus[k] - minus[k]) / 2));
                }
                json_array_append_new(grad, row);
            }
            json_object_set_new(r, "gradient", grad);
        }
        json_array_append_new(results, r);
    }
    json_object_set_new(root, "tool", json_string("tnemu qnn"));
    json_object_set_new(root, "spec", json_string(s->path));
    json_object_set_new(root, "device", json_pack("{s:s, s:i}", "name", s->dev.name, "qubits", s->dev.nqubits));
    json_object_set_new(root, "qubits", q);
    json_object_set_new(root, "layers", json_integer(s->layers));
    json_object_set_new(root, "couplers_per_layer", json_integer(s->ncz));
    json_object_set_new(root, "parameters", json_integer(s->nparams));
    json_object_set_new(root, "parameter_order", json_string("theta[2 (layer n + i)] = RY and theta[2 (layer n + i) + 1] = RZ of position i"));
    json_object_set_new(root, "observables", obs);
    json_object_set_new(root, "mode", json_string(s->gradient ? "gradient" : "expectation"));
    json_object_set_new(root, "circuits", json_integer(circuit_total(s)));
    json_object_set_new(root, "task_group", json_integer(s->task_group));
    json_object_set_new(root, "task_groups", json_integer(rounds));
    json_object_set_new(root, "noise", noise ? json_pack("{s:s, s:f}", "model", noise->source, "scale", noise->scale) : json_null());
    json_object_set_new(root, "results", results);
    json_object_set_new(root, "mpi", json_pack("{s:i, s:i}", "ranks", ranks, "groups", ngroups));
    json_object_set_new(root, "timing", json_pack("{s:f}", "total", seconds));
    return root;
}

/* Runs a spec read with status `status` (its noise model read here) on
 * world; rank 0 of world gets the result JSON. Collective over world. */
static int run_spec(MPI_Comm world, const qnn_spec *s, int status, long groups, double t0, json_t **out)
{
    int rank, ranks;
    MPI_Comm_rank(world, &rank);
    MPI_Comm_size(world, &ranks);
    noise_model *noise = NULL;
    if (status == TN_OK && s->noise_path) status = noise_load_t2(s->noise_path, NULL, s->noise_scale, s->t2, &noise);
    status = group_agree(world, status);
    double *all = NULL;
    long rounds = 0;
    int ngroups = 1;
    if (status == TN_OK) {
        long T = circuit_total(s);
        ngroups = groups > 0 ? (int)groups : (int)(T < ranks ? T : ranks);
        all = tn_calloc((size_t)T * 2 * s->nobs, sizeof *all);
        status = group_agree(world, all ? TN_OK : TN_ERR_MEMORY);
    }
    const noise_model *active = noise && noise->scale > 0 ? noise : NULL;
    if (status == TN_OK) status = farm(s, world, ngroups, active, all, &rounds);
    if (status == TN_OK && rank == 0) {
        *out = result_json(s, all, ranks, ngroups, rounds, MPI_Wtime() - t0, active);
        if (!*out) status = tn_fail(TN_ERR_MEMORY, "out of memory building the result");
    }
    free(all);
    noise_destroy(&noise);
    return status;
}

int qnn_command(int argc, char **argv)
{
    MPI_Comm world = MPI_COMM_WORLD;
    int rank, ranks;
    MPI_Comm_rank(world, &rank);
    MPI_Comm_size(world, &ranks);
    double t0 = MPI_Wtime();
    const char *spec_path = NULL, *output = NULL, *mode = NULL;
    long groups = 0;
    int quiet = 0, status = TN_OK;
    for (int i = 2; i < argc && status == TN_OK; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) { if (rank == 0) fputs(qnn_usage, stdout); return TN_OK; }
        if (strcmp(a, "-q") == 0 || strcmp(a, "--quiet") == 0) { quiet = 1; continue; }
        if (a[0] != '-' || !a[1]) {
            if (spec_path) status = tn_fail(TN_ERR_USAGE, "tnemu qnn takes one spec; '%s' is a second one", a);
            spec_path = a;
            continue;
        }
        if (i + 1 >= argc) { status = tn_fail(TN_ERR_USAGE, "option %s needs a value", a); break; }
        const char *v = argv[++i];
        if (strcmp(a, "--groups") == 0) status = cli_parse_long(a, v, 1, ranks, &groups);
        else if (strcmp(a, "--mode") == 0) mode = v;
        else if ((strcmp(a, "-o") == 0 || strcmp(a, "--output") == 0) && *v) output = v;
        else status = tn_fail(TN_ERR_USAGE, "unknown option '%s' for 'tnemu qnn' (see tnemu qnn --help)", a);
    }
    if (status == TN_OK && !spec_path) status = tn_fail(TN_ERR_USAGE, "tnemu qnn: no spec given (see tnemu qnn --help)");
    qnn_spec s;
    memset(&s, 0, sizeof s);
    if (status == TN_OK) status = spec_read(spec_path, mode, &s);
    json_t *root = NULL;
    status = run_spec(world, &s, status, groups, t0, &root);
    if (status == TN_OK && rank == 0) {
        char *text = json_dumps(root, JSON_INDENT(1) | JSON_REAL_PRECISION(17));
        status = !text ? TN_ERR_MEMORY : output ? result_write_text(output, text) : outfile_stdout(text);
        if (status == TN_OK && !quiet)
            fprintf(stderr, "tnemu qnn: %d qubits of %s, %d layers, %d parameters, %ld circuits in %lld task group(s) of %ld, "
                    "%d group(s), %.2f s\n", s.n, s.dev.name, s.layers, s.nparams, circuit_total(&s),
                    (long long)json_integer_value(json_object_get(root, "task_groups")), s.task_group,
                    (int)json_integer_value(json_object_get(json_object_get(root, "mpi"), "groups")), MPI_Wtime() - t0);
        free(text);
    }
    json_decref(root);
    spec_free(&s);
    return status;
}

int qnn_run_json(MPI_Comm comm, json_t *spec, const char *path, const char *mode, long groups, json_t **out)
{
    qnn_spec s;
    *out = NULL;
    int status = spec_from_json(spec, path, mode, &s);
    status = run_spec(comm, &s, status, groups, MPI_Wtime(), out);
    spec_free(&s);
    return status;
}

int qnn_check_json(json_t *spec, const char *path, long info[6])
{
    qnn_spec s;
    int status = spec_from_json(spec, path, NULL, &s);
    if (status == TN_OK) {
        long v[6] = {s.n, s.nparams, s.nfeatures, s.nobs, s.nsets, s.ninputs};
        memcpy(info, v, sizeof v);
    }
    spec_free(&s);
    return status;
}
