/* adapters_spec.c - reading and checking a `tnemu adapters` spec
 * (docs/adapters.md): device, block size, generators, inputs (inline, a
 * text file or random), shots, noise, method; a sweep point's overrides.
 * Not for: the Cayley transform, circuits or running them (adapters.c). */
#include "adapters_spec.h"

#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "adapters.h"
#include "error.h"
#include "input.h"
#include "rng.h"
#include "spec.h"

/* ---- the spec --------------------------------------------------------------- */

static int spec_fail(const adapter_spec *s, const char *what)
{
    return tn_fail(TN_ERR_INPUT, "%s: %s", s->path, what);
}

static int get_number(const adapter_spec *s, json_t *v, const char *name, double lo, double hi, double *out)
{
    return spec_number(s->path, v, name, lo, hi, out);
}

static int read_device(adapter_spec *s, json_t *dev)
{
    return spec_device(s->path, dev, &s->dev, &s->emit_originir);
}

/* Fills the d x d skew-Hermitian K from its numbers: the d(d-1)/2 entries
 * above the diagonal (real), or those as (re, im) pairs followed by the d
 * imaginary diagonal entries (complex). */
static int generator_from(const adapter_spec *s, json_t *arr, double complex *k)
{
    int d = s->d, upper = d * (d - 1) / 2, need = s->complex_generators ? 2 * upper + d : upper;
    char msg[200];
    if (!json_is_array(arr) || (int)json_array_size(arr) != need) {
        snprintf(msg, sizeof msg, "a %s generator of a %d-qubit block has %d numbers",
                 s->complex_generators ? "complex" : "real", s->k, need);
        return spec_fail(s, msg);
    }
    double val[4096];
    for (int i = 0; i < need; i++) CALL(get_number(s, json_array_get(arr, (size_t)i), "generators[][]", -1e6, 1e6, &val[i]));
    memset(k, 0, (size_t)d * d * sizeof *k);
    int at = 0;
    for (int i = 0; i < d; i++)
        for (int j = i + 1; j < d; j++) {
            double complex z = s->complex_generators ? val[2 * at] + I * val[2 * at + 1] : val[at];
            k[i * d + j] = z;
            k[j * d + i] = -conj(z);
            at++;
        }
    for (int i = 0; i < d && s->complex_generators; i++) k[i * d + i] = I * val[2 * upper + i];
    return TN_OK;
}

static int read_generators(adapter_spec *s, json_t *g)
{
    size_t dd = (size_t)s->d * s->d;
    if (json_is_object(g)) {   /* {"random": SEED, "scale": X}: entries uniform in [-X, X] */
        static const char *const random_keys[] = {"random", "scale", NULL};
        double seed, scale = 1;
        CALL(input_check_keys(s->path, "generators", g, random_keys));
        CALL(get_number(s, json_object_get(g, "random"), "generators.random", 0, 9e15, &seed));
        if (json_object_get(g, "scale")) CALL(get_number(s, json_object_get(g, "scale"), "generators.scale", 0, 1e6, &scale));
        if ((double)s->pieces * dd > ADAPTERS_MAX_INPUT_NUMBERS)
            return tn_fail(TN_ERR_INPUT, "%s: generators: one %dx%d generator per piece for %d pieces is more than %ld "
                           "numbers", s->path, s->d, s->d, s->pieces, ADAPTERS_MAX_INPUT_NUMBERS);
        s->ngen = s->pieces;
        if (!(s->gens = tn_calloc((size_t)s->ngen * dd, sizeof *s->gens))) return TN_ERR_MEMORY;
        rng_stream r;
        rng_init(&r, (uint64_t)seed, SPEC_STREAM);
        for (int b = 0; b < s->ngen; b++) {
            double complex *k = s->gens + (size_t)b * dd;
            for (int i = 0; i < s->d; i++)
                for (int j = i + 1; j < s->d; j++) {
                    double re = scale * (2 * rng_uniform(&r) - 1), im = s->complex_generators ? scale * (2 * rng_uniform(&r) - 1) : 0;
                    k[i * s->d + j] = re + I * im;
                    k[j * s->d + i] = -(re - I * im);
                }
            for (int i = 0; i < s->d && s->complex_generators; i++) k[i * s->d + i] = I * scale * (2 * rng_uniform(&r) - 1);
        }
        return TN_OK;
    }
    if (!json_is_array(g) || json_array_size(g) == 0)
        return spec_fail(s, "\"generators\" is a list of generators (one shared, or one per piece) or {\"random\": SEED}");
    s->ngen = (int)json_array_size(g);
    if (s->ngen != 1 && s->ngen != s->pieces) {
        char msg[160];
        snprintf(msg, sizeof msg, "%d generators for %d pieces per input: give 1 or %d", s->ngen, s->pieces, s->pieces);
        return spec_fail(s, msg);
    }
    if (!(s->gens = tn_calloc((size_t)s->ngen * dd, sizeof *s->gens))) return TN_ERR_MEMORY;
    for (int b = 0; b < s->ngen; b++) CALL(generator_from(s, json_array_get(g, (size_t)b), s->gens + (size_t)b * dd));
    return TN_OK;
}

/* Appends one number to a growing array. */
static int push_number(double **v, size_t *len, size_t *cap, double x)
{
    if (*len == *cap) {
        size_t ncap = *cap ? 2 * *cap : 1024;
        double *nv = realloc(*v, ncap * sizeof *nv);
        if (!nv) return tn_fail(TN_ERR_MEMORY, "out of memory reading the inputs file");
        *v = nv;
        *cap = ncap;
    }
    (*v)[(*len)++] = x;
    return TN_OK;
}

/* Inputs from a text file: one vector per line, numbers separated by spaces,
 * tabs or commas; blank lines and lines starting with # are skipped (as
 * numpy.savetxt writes them). Every vector as long as the first, a multiple of d. */
static int read_inputs_file(adapter_spec *s, const char *file)
{
    FILE *f = input_open(file);
    if (!f) return tn_fail(TN_ERR_IO, "%s: cannot read inputs file %s: %s", s->path, file, strerror(errno));
    double *v = NULL;
    size_t len = 0, cap = 0, per = 0;
    int status = TN_OK, lineno = 0, rows = 0;
    char *line = NULL;
    size_t linecap = 0;
    while (status == TN_OK && getline(&line, &linecap, f) >= 0) {
        lineno++;
        char *p = line;
        while (*p == ' ' || *p == '\t') p++;
        if (*p == '#' || *p == '\n' || *p == '\r' || *p == 0) continue;
        size_t start = len;
        while (status == TN_OK) {
            while (*p == ' ' || *p == '\t' || *p == ',') p++;
            if (*p == '\n' || *p == '\r' || *p == 0) break;
            char *end;
            double x = strtod(p, &end);
            if (end == p || !isfinite(x))
                status = tn_fail(TN_ERR_INPUT, "%s:%d:%d: error: expected a finite number", file, lineno,
                                 (int)(p - line) + 1);
            else status = push_number(&v, &len, &cap, x);
            p = end;
        }
        if (status != TN_OK) break;
        size_t got = len - start;
        if (rows == 0) per = got;
        if (got % (size_t)s->d)
            status = tn_fail(TN_ERR_INPUT, "%s:%d:1: error: %zu numbers, not a multiple of 2^k = %d", file, lineno, got,
                             s->d);
        else if (got != per)
            status = tn_fail(TN_ERR_INPUT, "%s:%d:1: error: %zu numbers, not %zu like the first vector", file, lineno,
                             got, per);
        rows++;
    }
    free(line);
    fclose(f);
    if (status == TN_OK && rows == 0) status = tn_fail(TN_ERR_INPUT, "%s: no vectors in inputs file %s", s->path, file);
    if (status != TN_OK) { free(v); return status; }
    s->ninputs = rows;
    s->pieces = (int)(per / (size_t)s->d);
    s->inputs = v;
    return TN_OK;
}

static int read_inputs(adapter_spec *s, json_t *in)
{
    if (json_is_object(in) && json_object_get(in, "file")) {   /* {"file": "activations.txt"} */
        static const char *const file_keys[] = {"file", NULL};
        CALL(input_check_keys(s->path, "inputs", in, file_keys));
        const char *file = json_string_value(json_object_get(in, "file"));
        if (!file) return spec_fail(s, "\"inputs.file\" is a file name");
        char *resolved = spec_resolve(s->path, file);   /* relative to the spec's folder */
        int status = resolved ? read_inputs_file(s, resolved) : TN_ERR_MEMORY;
        free(resolved);
        return status;
    }
    if (json_is_object(in)) {   /* {"random": SEED, "count": N, "pieces": P} */
        static const char *const random_keys[] = {"random", "count", "pieces", NULL};
        double seed, count, pieces;
        CALL(input_check_keys(s->path, "inputs", in, random_keys));
        CALL(get_number(s, json_object_get(in, "random"), "inputs.random", 0, 9e15, &seed));
        CALL(get_number(s, json_object_get(in, "count"), "inputs.count", 1, 1e6, &count));
        CALL(get_number(s, json_object_get(in, "pieces"), "inputs.pieces", 1, 1e6, &pieces));
        if (count * pieces * s->d > ADAPTERS_MAX_INPUT_NUMBERS)
            return tn_fail(TN_ERR_INPUT, "%s: inputs: %.0f vectors of %.0f pieces of %d numbers are more than %ld "
                           "numbers", s->path, count, pieces, s->d, ADAPTERS_MAX_INPUT_NUMBERS);
        s->ninputs = (int)count;
        s->pieces = (int)pieces;
        size_t len = (size_t)s->pieces * s->d;
        if (!(s->inputs = tn_malloc((size_t)s->ninputs * len * sizeof(double)))) return TN_ERR_MEMORY;
        rng_stream r;
        rng_init(&r, (uint64_t)seed, SPEC_STREAM + 1);
        for (size_t i = 0; i < (size_t)s->ninputs * len; i++) s->inputs[i] = 2 * rng_uniform(&r) - 1;
        return TN_OK;
    }
    if (!json_is_array(in) || json_array_size(in) == 0)
        return spec_fail(s, "\"inputs\" is a list of vectors or {\"random\": SEED, \"count\": N, \"pieces\": P}");
    s->ninputs = (int)json_array_size(in);
    size_t len = json_array_size(json_array_get(in, 0));
    char msg[200];
    if (len == 0 || len % (size_t)s->d) {
        snprintf(msg, sizeof msg, "inputs[0] has %zu numbers, not a multiple of 2^k = %d", len, s->d);
        return spec_fail(s, msg);
    }
    s->pieces = (int)(len / (size_t)s->d);
    if (!(s->inputs = tn_malloc((size_t)s->ninputs * len * sizeof(double)))) return TN_ERR_MEMORY;
    for (int n = 0; n < s->ninputs; n++) {
        json_t *v = json_array_get(in, (size_t)n);
        if (!json_is_array(v) || json_array_size(v) != len) {
            snprintf(msg, sizeof msg, "inputs[%d] is not a list of %zu numbers like inputs[0]", n, len);
            return spec_fail(s, msg);
        }
        for (size_t i = 0; i < len; i++)
            CALL(get_number(s, json_array_get(v, i), "inputs[][]", -1e12, 1e12, &s->inputs[(size_t)n * len + i]));
    }
    return TN_OK;
}

void adapter_spec_free(adapter_spec *s)
{
    device_free(&s->dev);
    free(s->path); free(s->gens); free(s->inputs); free(s->noise_path); free(s->unitaries); free(s->blocks);
    memset(s, 0, sizeof *s);
}

/* A sweep point replaces the block size and noise scale; random inputs keep
 * their total length (pieces x 2^k), so every block size sees the same vectors. */
static int apply_overrides(adapter_spec *s, json_t *root, int k, double noise_scale)
{
    if (noise_scale >= 0) json_object_set_new(root, "noise_scale", json_real(noise_scale));
    if (k <= 0) return TN_OK;
    json_t *in = json_object_get(root, "inputs"), *bq = json_object_get(root, "block_qubits");
    if (json_is_object(in) && json_is_integer(json_object_get(in, "pieces")) && json_is_integer(bq)) {
        long long len = json_integer_value(json_object_get(in, "pieces")) << json_integer_value(bq);
        if (len % (1LL << k)) {
            char msg[160];
            snprintf(msg, sizeof msg, "sweep: inputs of %lld numbers do not cut into %d-qubit pieces of %d", len, k, 1 << k);
            return spec_fail(s, msg);
        }
        json_object_set_new(in, "pieces", json_integer(len >> k));
    }
    if (json_is_array(json_object_get(root, "generators")) && json_is_integer(bq) && json_integer_value(bq) != k)
        return spec_fail(s, "sweep: block sizes other than the spec's need random generators ({\"random\": SEED})");
    json_object_set_new(root, "block_qubits", json_integer(k));
    return TN_OK;
}

int adapter_spec_from_json(json_t *root, const char *path, int k_override, double scale_override, adapter_spec *s)
{
    memset(s, 0, sizeof *s);
    if (!(s->path = strdup(path))) return TN_ERR_MEMORY;
    static const char *const spec_keys[] = {"device", "block_qubits", "generator_type", "compile", "cayley_c",
                                            "inputs", "generators", "shots", "seed", "noise", "noise_scale", "t2",
                                            "trajectories", "method", "sweep", NULL};
    CALL(input_check_keys(path, NULL, root, spec_keys));
    int status = json_is_object(root) ? apply_overrides(s, root, k_override, scale_override) : TN_OK;
    double v;
    s->cayley_c = 0.5;
    s->shots = DEFAULT_SHOTS;
    s->noise_scale = 1;
    s->seed = 1;
    if (status == TN_OK && !json_is_object(root)) status = spec_fail(s, "the spec is a JSON object (docs/adapters.md)");
    if (status == TN_OK) status = read_device(s, json_object_get(root, "device"));
    if (status == TN_OK) status = get_number(s, json_object_get(root, "block_qubits"), "block_qubits", 1, 5, &v);
    if (status == TN_OK) { s->k = (int)v; s->d = 1 << s->k; }
    const char *kind = json_string_value(json_object_get(root, "generator_type"));
    if (status == TN_OK && kind && strcmp(kind, "real") && strcmp(kind, "complex"))
        status = spec_fail(s, "\"generator_type\" must be real or complex");
    s->complex_generators = kind && strcmp(kind, "complex") == 0;
    const char *compile = json_string_value(json_object_get(root, "compile"));
    if (status == TN_OK && json_object_get(root, "compile") &&
        (!compile || (strcmp(compile, "merged") && strcmp(compile, "separate"))))
        status = spec_fail(s, "\"compile\" must be merged or separate");
    s->compile_separate = !compile || strcmp(compile, "separate") == 0;   /* the protocol a device runs */
    const char *method = json_string_value(json_object_get(root, "method"));
    if (status == TN_OK && json_object_get(root, "method") &&
        (!method || (strcmp(method, "auto") && strcmp(method, "per-block") && strcmp(method, "mps"))))
        status = spec_fail(s, "\"method\" must be auto, per-block or mps");
    s->method = !method || strcmp(method, "auto") == 0 ? METHOD_AUTO : strcmp(method, "mps") == 0 ? METHOD_MPS
                                                                                                : METHOD_PER_BLOCK;
    if (status == TN_OK && json_object_get(root, "cayley_c"))
        status = get_number(s, json_object_get(root, "cayley_c"), "cayley_c", 1e-6, 1e6, &s->cayley_c);
    if (status == TN_OK) status = read_inputs(s, json_object_get(root, "inputs"));
    if (status == TN_OK) status = read_generators(s, json_object_get(root, "generators"));
    if (status == TN_OK && json_object_get(root, "shots") &&
        (status = get_number(s, json_object_get(root, "shots"), "shots", 1, 1e9, &v)) == TN_OK)
        s->shots = (long)v;
    if (status == TN_OK && json_object_get(root, "seed") &&
        (status = get_number(s, json_object_get(root, "seed"), "seed", 0, 9e15, &v)) == TN_OK)
        s->seed = (uint64_t)v;
    if (status == TN_OK) status = spec_noise(s->path, root, &s->noise_path, &s->t2, &s->noise_scale, &s->trajectories);
    return status;
}

int adapter_spec_read(const char *path, int k_override, double scale_override, adapter_spec *s)
{
    json_t *root;
    memset(s, 0, sizeof *s);
    CALL(input_load_json(path, JSON_REJECT_DUPLICATES, NULL, &root));
    int status = adapter_spec_from_json(root, path, k_override, scale_override, s);
    json_decref(root);
    return status;
}

int adapters_check_spec(const char *path)
{
    adapter_spec s;
    int status = adapter_spec_read(path, 0, -1, &s);
    adapter_spec_free(&s);
    return status;
}
