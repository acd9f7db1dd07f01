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

#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include "blocks.h"
#include "cli.h"
#include "error.h"
#include "group.h"
#include "input.h"
#include "journal.h"
#include "noise.h"
#include "options.h"
#include "originir.h"
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
#define QNN_SHOT_STREAM 0x514e4e5300000000ull   /* + circuit index: shot noise */
#define QNN_EXACT_BINOMIAL 1000000L             /* shots drawn one by one up to this many */

static const char *qnn_usage =
    "usage: tnemu qnn SPEC.json [OPTIONS]\n"
    "\n"
    "  --mode M           expectation or gradient (overrides the spec)\n"
    "  --emit DIR         also write every circuit, measuring its qubits, as OriginIR (Origin\n"
    "                     devices) or OpenQASM 2 to DIR/circuit-T.ir|.qasm\n"
    "  --checkpoint DIR   keep a journal of the circuits done in DIR/journal (after every task\n"
    "                     group); SIGUSR1 or SIGTERM stops after the task group (exit status 3)\n"
    "  --resume DIR       run only the circuits DIR's journal lacks (and go on journaling there);\n"
    "                     the result equals an uninterrupted run\n"
    "  -o, --output FILE  write the result JSON to FILE (default: stdout)\n"
    "engine options (as tnemu run; --shots N: each expectation value estimated from N shots,\n"
    "default exact; --noise, --noise-scale, --t2, --trajectories and --seed override the spec's;\n"
    "--groups defaults to one group per rank):\n"
    "%s%s"
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
    int origin;                 /* an Origin device: circuits are OriginIR, else OpenQASM 2 */
    int allow_faulty;           /* --allow-faulty: qubits and couplers the calibration marks unusable may be used */
    noise_model *noise;         /* the calibration (NULL: none); its qubits choose "qubits": N */
    long shots;                 /* per circuit and observable; 0: exact expectation values */
} qnn_spec;

static int spec_fail(const qnn_spec *s, const char *what) { return tn_fail(TN_ERR_INPUT, "%s: %s", s->path, what); }

static int number_in(const qnn_spec *s, json_t *v, const char *name, double lo, double hi, double *out)
{
    return spec_number(s->path, v, name, lo, hi, out);
}

static int read_device(qnn_spec *s, json_t *dev)
{
    return spec_device(s->path, dev, &s->dev, &s->origin);
}

static int is_coupler(const device_graph *g, int a, int b)
{
    for (int e = 0; e < g->nedges; e++)
        if ((g->edges[e][0] == a && g->edges[e][1] == b) || (g->edges[e][0] == b && g->edges[e][1] == a)) return 1;
    return 0;
}

/* Qubits and couplers the calibration lets us use (all, without one or
 * with --allow-faulty). */
static int qubit_ok(const qnn_spec *s, int q) { return s->allow_faulty || device_qubit_usable(s->noise, q); }
static int coupler_ok(const qnn_spec *s, int a, int b)
{
    return s->allow_faulty || (qubit_ok(s, a) && qubit_ok(s, b) && device_coupler_usable(s->noise, a, b));
}

/* Grows a region breadth-first from `start` over usable couplers into
 * order[] (at most want qubits); returns its size. */
static int grow_region(const qnn_spec *s, int start, int want, unsigned char *seen, int *order)
{
    int have = 0;
    order[have++] = start;
    seen[start] = 1;
    for (int head = 0; head < have && have < want; head++)
        for (int e = 0; e < s->dev.nedges && have < want; e++) {
            int a = s->dev.edges[e][0], b = s->dev.edges[e][1], u = order[head];
            int w = a == u ? b : b == u ? a : -1;
            if (w >= 0 && !seen[w] && coupler_ok(s, u, w)) { seen[w] = 1; order[have++] = w; }
        }
    return have;
}

/* "qubits": N - the first N qubits, in breadth-first order, of a connected
 * region of usable qubits: grown from the lowest-numbered usable qubit, else
 * from the lowest usable qubit outside the regions tried (calibration rule in
 * docs/qnn.md). */
static int choose_region(qnn_spec *s)
{
    int nq = s->dev.nqubits, largest = 0, unusable = 0, found = 0;
    unsigned char *seen = tn_calloc((size_t)nq, 1);
    int *order = tn_malloc((size_t)nq * sizeof *order);
    if (!seen || !order) { free(seen); free(order); return TN_ERR_MEMORY; }
    for (int q = 0; q < nq; q++) {
        if (!qubit_ok(s, q)) { unusable++; continue; }
        if (seen[q] || found) continue;
        int have = grow_region(s, q, nq, seen, order);   /* the whole region: its first n are the breadth-first n */
        if (have > largest) largest = have;
        if (have >= s->n) { memcpy(s->qubits, order, (size_t)s->n * sizeof *order); found = 1; }
    }
    free(seen);
    free(order);
    if (found) return TN_OK;
    if (!s->noise || s->allow_faulty)
        return tn_fail(TN_ERR_INPUT, "%s: the device %s has no connected region of %d qubits", s->path, s->dev.name, s->n);
    return tn_fail(TN_ERR_INPUT, "%s: the calibration leaves no connected region of %d usable qubits on %s (it marks %d "
                   "qubits unusable; the largest region has %d): ask for fewer, list the qubits, or pass --allow-faulty",
                   s->path, s->n, s->dev.name, unusable, largest);
}

/* The qubits: a list of device qubits, or a count taken as a connected
 * region of usable qubits (choose_region). */
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
            if (!qubit_ok(s, s->qubits[i])) {
                snprintf(msg, sizeof msg, "qubits[%d]: the calibration marks qubit %d unusable (pass --allow-faulty to use it)",
                         i, s->qubits[i]);
                return spec_fail(s, msg);
            }
            for (int j = 0; j < i; j++)
                if (s->qubits[j] == s->qubits[i]) { snprintf(msg, sizeof msg, "qubit %d is listed twice", s->qubits[i]); return spec_fail(s, msg); }
        }
        return TN_OK;
    }
    double count;
    CALL(number_in(s, q, "qubits", 1, nq, &count));
    s->n = (int)count;
    if (!(s->qubits = tn_malloc((size_t)s->n * sizeof(int)))) return TN_ERR_MEMORY;
    return choose_region(s);
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
        if (pos[s->dev.edges[e][0]] >= 0 && pos[s->dev.edges[e][1]] >= 0 && coupler_ok(s, s->dev.edges[e][0], s->dev.edges[e][1])) {
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
    noise_destroy(&s->noise);
    memset(s, 0, sizeof *s);
}

/* "noise", "noise_scale", "t2", "trajectories" and "seed", each replaced by
 * its option when given; then the calibration is loaded. */
static int read_noise(qnn_spec *s, json_t *root, const run_request *eng)
{
    double v;
    int status = spec_noise(s->path, root, &s->noise_path, &s->t2, &s->noise_scale, &s->trajectories);
    if (status == TN_OK && json_object_get(root, "seed") &&
        (status = number_in(s, json_object_get(root, "seed"), "seed", 0, 9e15, &v)) == TN_OK)
        s->seed = (uint64_t)v;
    if (status || !eng) return status;
    if (eng->noise_path) {
        free(s->noise_path);
        if (!(s->noise_path = strdup(eng->noise_path))) return TN_ERR_MEMORY;
    }
    if (eng->noise_scale_given) s->noise_scale = eng->noise_scale;
    if (eng->t2) s->t2 = eng->t2;
    if (eng->run.trajectories > 0) s->trajectories = eng->run.trajectories;
    if (eng->seed_given) s->seed = eng->run.seed;
    s->shots = eng->run.shots > 0 ? eng->run.shots : 0;
    s->allow_faulty = eng->run.noisy.allow_faulty;
    if (s->noise_path) status = noise_load_t2(s->noise_path, eng->noise_format, s->noise_scale, s->t2, &s->noise);
    return status;
}

/* Reads the spec from its parsed JSON (path: for messages and relative file
 * names), with the engine options eng (NULL: none) and the --mode given
 * (NULL: the spec's). Not collective. */
static int spec_from_json(json_t *root, const char *path, const char *mode, const run_request *eng, qnn_spec *s)
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
    if (status == TN_OK) status = read_noise(s, root, eng);
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
    double circuits = (double)s->nsets * s->ninputs * (1 + (s->gradient ? 2.0 * s->nparams : 0));
    if (status == TN_OK && circuits > QNN_MAX_CIRCUITS)
        status = tn_fail(TN_ERR_INPUT, "%s: %d parameter sets x %d inputs%s make %.3g circuits; at most %ld", path,
                         s->nsets, s->ninputs, s->gradient ? " x (1 + 2 per parameter)" : "", circuits,
                         QNN_MAX_CIRCUITS);
    return status;
}

/* Reads the spec at path, with the engine options eng (NULL: none) and the
 * --mode given (NULL: the spec's). Not collective. */
static int spec_read(const char *path, const char *mode, const run_request *eng, qnn_spec *s)
{
    json_t *root;
    memset(s, 0, sizeof *s);
    CALL(input_load_json(path, JSON_REJECT_DUPLICATES, NULL, &root));
    int status = spec_from_json(root, path, mode, eng, s);
    json_decref(root);
    return status;
}

int qnn_check_spec(const char *path)
{
    qnn_spec s;
    int status = spec_read(path, NULL, NULL, &s);
    spec_free(&s);
    return status;
}

/* ---- circuits ---------------------------------------------------------------- */

/* Circuits per (parameter set, input): 1, plus 2 per parameter for gradients. */
static long per_point(const qnn_spec *s) { return 1 + (s->gradient ? 2L * s->nparams : 0); }
static long circuit_total(const qnn_spec *s) { return (long)s->nsets * s->ninputs * per_point(s); }

/* Doubles per circuit: nobs values, nobs standard errors, the largest bond
 * and the fidelity estimate. */
static size_t task_width(const qnn_spec *s) { return 2 * (size_t)s->nobs + 2; }

/* One gate as OpenQASM 2 or OriginIR (the device's language). */
static int gate_text(const qnn_spec *s, text_buf *b, const char *name, double angle, int q)
{
    if (s->origin) return text_printf(b, "%c%c q[%d],(%.17g)\n", name[0] - 32, name[1] - 32, q, angle);
    return text_printf(b, "%s(%.17g) q[%d];\n", name, angle, q);
}

/* Circuit t: point t / per_point, shift (t % per_point - 1) / 2 on parameter
 * (t % per_point - 1) / 2, + for odd, - for even. measure: also measure
 * every qubit used (the emitted circuits, ready for hardware). */
static int circuit_text(const qnn_spec *s, long t, int measure, text_buf *b)
{
    long point = t / per_point(s), shift = t % per_point(s);
    int set = (int)(point / s->ninputs), input = (int)(point % s->ninputs);
    const double *theta = s->params + (size_t)set * s->nparams, *x = s->inputs + (size_t)input * s->nfeatures;
    int shifted = shift ? (int)((shift - 1) / 2) : -1;
    double delta = shift ? ((shift - 1) % 2 == 0 ? M_PI / 2 : -M_PI / 2) : 0;
    if (s->origin) CALL(text_printf(b, "QINIT %d\nCREG %d\n", s->dev.nqubits, s->n));
    else CALL(text_printf(b, "OPENQASM 2.0;\ninclude \"qelib1.inc\";\nqreg q[%d];\n", s->dev.nqubits));
    if (measure && !s->origin) CALL(text_printf(b, "creg c[%d];\n", s->n));
    for (int j = 0; j < s->nfeatures; j++) CALL(gate_text(s, b, "ry", x[j], s->qubits[j % s->n]));
    for (int l = 0; l < s->layers; l++) {
        for (int i = 0; i < s->n; i++) {
            int py = 2 * (l * s->n + i), pz = py + 1;
            CALL(gate_text(s, b, "ry", theta[py] + (py == shifted ? delta : 0), s->qubits[i]));
            CALL(gate_text(s, b, "rz", theta[pz] + (pz == shifted ? delta : 0), s->qubits[i]));
        }
        for (int c = 0; c < s->ncz; c++)
            CALL(text_printf(b, s->origin ? "CZ q[%d],q[%d]\n" : "cz q[%d],q[%d];\n", s->cz[c][0], s->cz[c][1]));
    }
    for (int i = 0; measure && i < s->n; i++)
        CALL(text_printf(b, s->origin ? "MEASURE q[%d],c[%d]\n" : "measure q[%d] -> c[%d];\n", s->qubits[i], i));
    return TN_OK;
}

/* --emit DIR: every circuit, with its measurements, as DIR/circuit-T.ir
 * (Origin devices) or .qasm. World rank 0. */
static int emit_circuits(const qnn_spec *s, const char *dir)
{
    if (mkdir(dir, 0777) != 0 && errno != EEXIST)
        return tn_fail(TN_ERR_WRITE, "option --emit: cannot create directory %s: %s", dir, strerror(errno));
    for (long t = 0; t < circuit_total(s); t++) {
        text_buf b = {0};
        char path[4096];
        snprintf(path, sizeof path, "%s/circuit-%ld.%s", dir, t, s->origin ? "ir" : "qasm");
        int status = circuit_text(s, t, 1, &b);
        if (status == TN_OK) {
            if (b.len && b.text[b.len - 1] == '\n') b.text[b.len - 1] = '\0';   /* the writer adds it */
            status = outfile_write_one_of_many(path, b.text, "option --emit");
        }
        free(b.text);
        CALL(status);
    }
    return TN_OK;
}

/* The estimate of an observable of value e from `shots` outcomes +-1 drawn
 * with P(+1) = (1 + e) / 2 from the stream of (seed, circuit t, observable
 * k), and its standard error sqrt(sample variance / shots). Above
 * QNN_EXACT_BINOMIAL shots the count of +1 is drawn from the normal
 * approximation of the binomial. */
static void shot_estimate(double e, long shots, uint64_t seed, long t, int k, double *mean, double *se)
{
    double p = fmin(fmax((1 + e) / 2, 0), 1), plus = 0;
    rng_stream r;
    rng_init_sub(&r, seed, QNN_SHOT_STREAM + (uint64_t)t, (uint32_t)k);
    if (shots <= QNN_EXACT_BINOMIAL) {
        for (long i = 0; i < shots; i++) plus += rng_uniform(&r) < p;
    } else {
        double u1 = 1 - rng_uniform(&r), u2 = rng_uniform(&r);
        double z = sqrt(-2 * log(u1)) * cos(2 * M_PI * u2);
        plus = fmin(fmax(round(shots * p + z * sqrt(shots * p * (1 - p))), 0), (double)shots);
    }
    *mean = (2 * plus - (double)shots) / (double)shots;
    *se = shots > 1 ? sqrt(fmax(1 - *mean * *mean, 0) / (double)(shots - 1)) : 1;
}

typedef struct {
    const qnn_spec *s;
    const run_request *eng;
    const noise_model *noise;   /* NULL: noiseless */
    long runs;                  /* circuits run by this process (only the first warns) */
} qnn_job;

/* Runs circuit t on group g (journal_task); the leader writes nobs values,
 * nobs standard errors (trajectories and shots), the largest bond and the
 * fidelity estimate. */
static int run_task(void *ctx, long t, tn_group *g, double *out)
{
    qnn_job *job = ctx;
    const qnn_spec *s = job->s;
    text_buf b = {0};
    int status = circuit_text(s, t, 0, &b);
    circuit *c = NULL;
    char name[64];
    snprintf(name, sizeof name, "qnn-circuit-%ld.%s", t, s->origin ? "ir" : "qasm");
    if (status == TN_OK)
        status = s->origin ? originir_parse_string(b.text, b.len, name, &c) : qasm_parse_string(b.text, b.len, name, &c);
    free(b.text);
    tn_group *one = NULL;
    if (status == TN_OK) status = group_create(g->comm, 1, &one);
    run_options opt;
    memset(&opt, 0, sizeof opt);
    opt.shots = 0;   /* expectation values of the state; shot noise is drawn below */
    opt.seed = s->seed + (uint64_t)t;
    opt.order = "auto";
    opt.grp = one;
    opt.observables = (const char **)s->obs;
    opt.nobservables = s->nobs;
    opt.noise = job->noise;
    opt.trajectories = s->trajectories > 0 ? s->trajectories : s->shots > 0 ? run_default_trajectories(s->shots) : 0;
    options_apply(job->eng, &opt);
    opt.quiet_uncalibrated = job->runs++ > 0;
    run_result res = {0};
    if (status == TN_OK) status = run_circuit(c, &opt, &res);
    if (status == TN_OK) status = run_collect(g->comm, &opt, &res);
    if (status == TN_OK && g->rank == 0) {
        for (int k = 0; k < s->nobs; k++) {
            double e = res.expectation[k], se = res.expectation_stderr[k], shot_se = 0;
            if (s->shots > 0) shot_estimate(res.expectation[k], s->shots, s->seed, t, k, &e, &shot_se);
            out[k] = e;
            out[s->nobs + k] = sqrt(se * se + shot_se * shot_se);
        }
        out[2 * s->nobs] = res.max_bond;
        out[2 * s->nobs + 1] = res.fidelity_estimate;
    }
    run_result_free(&res);
    group_destroy(&one);
    circ_destroy(&c);
    return status;
}

/* ---- output -------------------------------------------------------------------- */

/* gradient[k][j] = d<O_k>/d theta_j = (plus - minus) / 2, and its standard
 * error sqrt(se_plus^2 + se_minus^2) / 2, of one (parameter set, input). */
static void add_gradients(const qnn_spec *s, const double *base, json_t *r)
{
    size_t per = task_width(s);
    json_t *grad = json_array(), *gse = json_array();
    for (int k = 0; k < s->nobs; k++) {
        json_t *row = json_array(), *serow = json_array();
        for (int j = 0; j < s->nparams; j++) {
            const double *plus = base + (size_t)(1 + 2 * j) * per, *minus = base + (size_t)(2 + 2 * j) * per;
            double sp = plus[s->nobs + k], sm = minus[s->nobs + k];
            json_array_append_new(row, json_real((plus[k] - minus[k]) / 2));
            json_array_append_new(serow, json_real(sqrt(sp * sp + sm * sm) / 2));
        }
        json_array_append_new(grad, row);
        json_array_append_new(gse, serow);
    }
    json_object_set_new(r, "gradient", grad);
    json_object_set_new(r, "gradient_stderr", gse);
}

/* The engine settings every circuit ran with, and what truncation cost. */
static json_t *engine_json(const qnn_spec *s, const run_request *eng, const double *all, const noise_model *noise)
{
    int max_bond = 0;
    double min_fid = 1;
    for (long t = 0; t < circuit_total(s); t++) {
        const double *row = all + (size_t)t * task_width(s) + 2 * (size_t)s->nobs;
        if (row[0] > max_bond) max_bond = (int)row[0];
        if (row[1] < min_fid) min_fid = row[1];
    }
    long traj = s->trajectories > 0 ? s->trajectories : run_default_trajectories(s->shots);
    return json_pack("{s:i, s:f, s:s, s:s, s:I, s:o, s:i, s:f}", "chi", eng->run.trunc.max_chi, "cutoff",
                     eng->run.trunc.cutoff, "canonical", eng->run.center_form ? "center" : "vidal", "order",
                     strcmp(eng->run.order, "identity") ? eng->run.order : "auto", "shots", (json_int_t)s->shots,
                     "trajectories", noise ? json_integer(traj) : json_null(), "max_bond_dimension", max_bond,
                     "min_fidelity_estimate", min_fid);
}

/* This process's CPU seconds (user + system) so far. */
static double cpu_seconds(void)
{
    struct rusage u;
    if (getrusage(RUSAGE_SELF, &u) != 0) return 0;
    return (double)u.ru_utime.tv_sec + 1e-6 * (double)u.ru_utime.tv_usec + (double)u.ru_stime.tv_sec +
           1e-6 * (double)u.ru_stime.tv_usec;
}

static json_t *result_json(const qnn_spec *s, const run_request *eng, const double *all, int ranks, int ngroups,
                           long rounds, double seconds, const double *cpu, const noise_model *noise)
{
    json_t *root = json_object(), *q = json_array(), *obs = json_array(), *results = json_array();
    size_t per = task_width(s);
    for (int i = 0; i < s->n; i++) json_array_append_new(q, json_integer(s->qubits[i]));
    for (int k = 0; k < s->nobs; k++) json_array_append_new(obs, json_string(s->obs_label[k]));
    for (long p = 0; p < (long)s->nsets * s->ninputs; p++) {
        const double *base = all + (size_t)(p * per_point(s)) * per;
        json_t *e = json_array(), *se = json_array();
        for (int k = 0; k < s->nobs; k++) { json_array_append_new(e, json_real(base[k])); json_array_append_new(se, json_real(base[s->nobs + k])); }
        json_t *r = json_pack("{s:i, s:i, s:o, s:o}", "parameter_set", (int)(p / s->ninputs), "input", (int)(p % s->ninputs),
                              "expectation", e, "stderr", se);
        if (s->gradient) add_gradients(s, base, r);
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
    json_object_set_new(root, "seed", json_integer((json_int_t)s->seed));
    json_object_set_new(root, "engine", engine_json(s, eng, all, noise));
    json_object_set_new(root, "noise", noise ? json_pack("{s:s, s:f}", "model", noise->source, "scale", noise->scale) : json_null());
    json_object_set_new(root, "results", results);
    json_object_set_new(root, "mpi", json_pack("{s:i, s:i}", "ranks", ranks, "groups", ngroups));
    json_t *per_rank = json_array();
    for (int r = 0; r < ranks; r++) json_array_append_new(per_rank, json_real(cpu[r]));
    json_object_set_new(root, "timing", json_pack("{s:f, s:o}", "total", seconds, "cpu_seconds_per_rank", per_rank));
    return root;
}

/* ---- command ------------------------------------------------------------------- */

typedef struct {
    run_request eng;            /* the shared engine options (options.c) */
    const char *spec, *output, *mode, *emit, *checkpoint, *resume;
} qnn_request;

static int parse_qnn_args(int argc, char **argv, qnn_request *rq)
{
    memset(rq, 0, sizeof *rq);
    options_defaults(&rq->eng);
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i], *v = NULL;
        int taken = 0;
        CALL(options_parse_engine(argc, argv, &i, &rq->eng, &taken));
        if (taken) continue;
        if (a[0] != '-' || !a[1]) {
            if (rq->spec) return tn_fail(TN_ERR_USAGE, "tnemu qnn takes one spec; '%s' is a second one", a);
            rq->spec = a;
            continue;
        }
        CALL(options_value(argc, argv, &i, &v));
        if (!*v) return tn_fail(TN_ERR_USAGE, "option %s: expected a value", a);
        if (strcmp(a, "--mode") == 0) rq->mode = v;
        else if (strcmp(a, "-o") == 0 || strcmp(a, "--output") == 0) rq->output = v;
        else if (strcmp(a, "--emit") == 0) rq->emit = v;
        else if (strcmp(a, "--checkpoint") == 0) rq->checkpoint = v;
        else if (strcmp(a, "--resume") == 0) rq->resume = v;
        else return tn_fail(TN_ERR_USAGE, "unknown option '%s' for 'tnemu qnn' (see tnemu qnn --help)", a);
    }
    if (rq->eng.help) return TN_OK;
    if (!rq->spec) return tn_fail(TN_ERR_USAGE, "tnemu qnn: no spec given (see tnemu qnn --help)");
    if (rq->checkpoint && rq->resume && strcmp(rq->checkpoint, rq->resume) != 0)
        return tn_fail(TN_ERR_USAGE, "options --checkpoint and --resume name different directories; --resume DIR goes on "
                       "writing DIR");
    return options_finish(&rq->eng, "tnemu qnn", 1);
}

/* Reads the spec and the calibration, emits the circuits and names the job
 * for its journal: on every rank, agreed. */
static int prepare(const qnn_request *rq, int argc, char **argv, qnn_spec *s, char **identity)
{
    int rank;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    int status = group_agree(MPI_COMM_WORLD, spec_read(rq->spec, rq->mode, &rq->eng, s));
    if (status == TN_OK && rank == 0 && rq->emit) status = emit_circuits(s, rq->emit);
    if (status == TN_OK && rank == 0 && (rq->checkpoint || rq->resume))
        status = journal_identity("tnemu qnn", rq->spec, argc, argv, identity);
    return group_agree(MPI_COMM_WORLD, status);
}

/* Runs the spec read into s on world, with a journal when jo->dir is set;
 * world rank 0 gets the result JSON in *out. Collective over world. */
static int run_spec(MPI_Comm world, const qnn_spec *s, const run_request *eng, const journal_options *jo, double t0,
                    json_t **out, long *resumed)
{
    int rank, ranks;
    MPI_Comm_rank(world, &rank);
    MPI_Comm_size(world, &ranks);
    long T = circuit_total(s), rounds = 0;
    int ngroups = eng->groups > 0 ? (int)eng->groups : (int)(T < ranks ? T : ranks);
    double *all = tn_calloc((size_t)T * task_width(s), sizeof *all);
    int status = group_agree(world, all ? TN_OK : TN_ERR_MEMORY);
    const noise_model *active = s->noise && s->noise->scale > 0 ? s->noise : NULL;
    qnn_job job = {s, eng, active, 0};
    if (status == TN_OK)
        status = journal_farm(world, ngroups, T, task_width(s), run_task, &job, jo, all, &rounds, resumed);
    double mine = cpu_seconds(), *cpu = rank == 0 ? tn_calloc((size_t)ranks, sizeof *cpu) : NULL;
    if (status == TN_OK) status = group_agree(world, rank == 0 && !cpu ? TN_ERR_MEMORY : TN_OK);
    if (status == TN_OK) MPI_Gather(&mine, 1, MPI_DOUBLE, cpu, 1, MPI_DOUBLE, 0, world);
    if (status == TN_OK && rank == 0 &&
        !(*out = result_json(s, eng, all, ranks, ngroups, rounds, MPI_Wtime() - t0, cpu, active)))
        status = tn_fail(TN_ERR_MEMORY, "out of memory building the result");
    free(all);
    free(cpu);
    return status;
}

int qnn_command(int argc, char **argv)
{
    MPI_Comm world = MPI_COMM_WORLD;
    int rank;
    MPI_Comm_rank(world, &rank);
    double t0 = MPI_Wtime();
    qnn_request rq;
    int status = parse_qnn_args(argc, argv, &rq);
    if (status == TN_OK && rq.eng.help) {
        if (rank == 0) printf(qnn_usage, options_engine_usage, options_noise_usage);
        return TN_OK;
    }
    if (status) return status;   /* the same arguments on every rank: the same error */
    if (rq.checkpoint || rq.resume) checkpoint_install_signals();
    options_limit_memory(&rq.eng);
    qnn_spec s;
    memset(&s, 0, sizeof s);
    char *identity = NULL;
    json_t *root = NULL;
    long resumed = 0;
    status = prepare(&rq, argc, argv, &s, &identity);
    journal_options jo = {rq.resume ? rq.resume : rq.checkpoint, rq.resume != NULL, identity, s.task_group, "qnn"};
    if (status == TN_OK) status = run_spec(world, &s, &rq.eng, &jo, t0, &root, &resumed);
    if (status == TN_OK && rank == 0) {
        char *text = json_dumps(root, JSON_INDENT(1) | JSON_REAL_PRECISION(17));
        status = !text ? TN_ERR_MEMORY : rq.output ? result_write_text(rq.output, text) : outfile_stdout(text);
        if (status == TN_OK && !rq.eng.quiet)
            fprintf(stderr, "tnemu qnn: %d qubits of %s, %d layers, %d parameters, %ld circuits (%ld from the journal) "
                    "in %lld task group(s) of %ld, %d group(s), %.2f s\n", s.n, s.dev.name, s.layers, s.nparams,
                    circuit_total(&s), resumed, (long long)json_integer_value(json_object_get(root, "task_groups")),
                    s.task_group, (int)json_integer_value(json_object_get(json_object_get(root, "mpi"), "groups")),
                    MPI_Wtime() - t0);
        free(text);
    }
    json_decref(root);
    free(identity);
    spec_free(&s);
    return status;
}

int qnn_run_json(MPI_Comm comm, json_t *spec, const char *path, const char *mode, long groups, json_t **out)
{
    run_request eng;
    options_defaults(&eng);
    eng.groups = groups;
    eng.quiet = 1;
    qnn_spec s;
    long resumed = 0;
    journal_options no_journal = {NULL, 0, NULL, 0, "qnn"};
    *out = NULL;
    double t0 = MPI_Wtime();
    int status = group_agree(comm, spec_from_json(spec, path, mode, &eng, &s));
    if (status == TN_OK) {
        no_journal.round = s.task_group;
        status = run_spec(comm, &s, &eng, &no_journal, t0, out, &resumed);
    }
    spec_free(&s);
    return status;
}

int qnn_check_json(json_t *spec, const char *path, long info[6])
{
    qnn_spec s;
    int status = spec_from_json(spec, path, NULL, NULL, &s);
    if (status == TN_OK) {
        long v[6] = {s.n, s.nparams, s.nfeatures, s.nobs, s.nsets, s.ninputs};
        memcpy(info, v, sizeof v);
    }
    spec_free(&s);
    return status;
}
