/* adapters.c - `tnemu adapters SPEC.json`: Cayley unitary adapters (CUA,
 * arXiv:2605.05914) as blocks of k qubits on a device, emulated as one batch
 * of circuits farmed over MPI groups (docs/adapters.md has the spec format).
 *
 * Each input vector is cut into d = 2^k long pieces; piece j is amplitude
 * encoded (its norm kept classically) and multiplied by the block's unitary
 * U_j = (I - c K_j)(I + c K_j)^-1 (c = 1/2 by default). Encoding and U merge
 * into the preparation of the state U_j x / |x| (blocks.h), placed on a
 * disjoint connected k-qubit set of the device; as many pieces as there are
 * blocks go into one circuit. Each output piece is read back as
 * sqrt(counts / shots) |x| with the signs (phases) of the exact U_j x, as in
 * the paper, and compared with U_j x.
 * Not for: the compilation itself (blocks.c), running one circuit (run.c). */
#include "adapters.h"

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

#define DEFAULT_SHOTS 8192
#define ADAPTERS_MAX_INPUT_NUMBERS (1L << 28)   /* 2 GiB of inputs: far more than a model's activations */
#define SPEC_STREAM 0x53504543ull   /* random generators and inputs of a spec */

static const char *adapters_usage =
    "usage: tnemu adapters SPEC.json [OPTIONS]\n"
    "\n"
    "  --emit DIR         also write every circuit as OpenQASM 2 (IBM, line, grid) or OriginIR\n"
    "                     (Origin) to DIR/circuit-N.qasm|.ir, ready for hardware\n"
    "  --sweep DIR        run every block size and noise scale of the spec's \"sweep\" (default 2, 3, 4\n"
    "                     and 0, 0.5, 1, 2): DIR/sweep.csv, DIR/sweep.png and each point's result\n"
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

typedef struct {
    /* from the spec */
    char *path;
    device_graph dev;
    int emit_originir;          /* device from Origin: OriginIR, else OpenQASM 2 */
    int k, d;
    int complex_generators;
    int compile_separate;       /* encoding, then the compiled U (else one merged preparation) */
    double cayley_c;
    int ngen;                   /* generators given (1: shared by every block) */
    double complex *gens;       /* ngen x d x d skew-Hermitian K */
    int ninputs, pieces;        /* pieces per input */
    double *inputs;             /* ninputs x (pieces d) */
    long shots;
    uint64_t seed;
    char *noise_path;
    double noise_scale;
    noise_t2 t2;                       /* "t2": ramsey or echo (Origin calibrations); 0: the default */
    long trajectories;
    /* derived */
    double complex *unitaries;  /* ngen x d x d */
    int nblocks;                /* blocks per circuit */
    int *blocks;                /* nblocks x k device qubits */
} adapter_spec;

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

static void spec_free(adapter_spec *s)
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

static int spec_read(const char *path, int k_override, double scale_override, adapter_spec *s)
{
    memset(s, 0, sizeof *s);
    if (!(s->path = strdup(path))) return TN_ERR_MEMORY;
    json_t *root;
    CALL(input_load_json(path, JSON_REJECT_DUPLICATES, NULL, &root));
    static const char *const spec_keys[] = {"device", "block_qubits", "generator_type", "compile", "cayley_c",
                                            "inputs", "generators", "shots", "seed", "noise", "noise_scale", "t2",
                                            "trajectories", "sweep", NULL};
    int checked = input_check_keys(path, NULL, root, spec_keys);
    if (checked != TN_OK) { json_decref(root); return checked; }
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
    s->compile_separate = compile && strcmp(compile, "separate") == 0;
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
        status = get_number(s, json_object_get(root, "noise_scale"), "noise_scale", 0, 1000, &s->noise_scale);
    if (status == TN_OK && json_object_get(root, "trajectories") &&
        (status = get_number(s, json_object_get(root, "trajectories"), "trajectories", 1, 1e8, &v)) == TN_OK)
        s->trajectories = (long)v;
    json_decref(root);
    return status;
}

int adapters_check_spec(const char *path)
{
    adapter_spec s;
    int status = spec_read(path, 0, -1, &s);
    spec_free(&s);
    return status;
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

/* The text of circuit t: pieces t*B .. on blocks 0.., measured into c[b*k + j]. */
static int circuit_text(const adapter_spec *s, long t, text_buf *b, int *two_qubit_gates)
{
    long first = t * s->nblocks, last = first + s->nblocks;
    if (last > total_pieces(s)) last = total_pieces(s);
    int used = (int)(last - first), nbits = used * s->k;
    int maxops = blocks_max_ops(s->k);
    native_op *ops = tn_malloc((size_t)maxops * sizeof *ops);
    double complex v[1 << BLOCKS_MAX_K], exact[1 << BLOCKS_MAX_K];
    if (!ops) return TN_ERR_MEMORY;
    int status = s->emit_originir ? text_printf(b, "QINIT %d\nCREG %d\n", s->dev.nqubits, nbits)
                                  : text_printf(b, "OPENQASM 2.0;\ninclude \"qelib1.inc\";\nqreg q[%d];\ncreg c[%d];\n",
                                                s->dev.nqubits, nbits);
    *two_qubit_gates = 0;
    for (long p = first; p < last && status == TN_OK; p++) {
        double norm;
        piece_state(s, (int)(p / s->pieces), (int)(p % s->pieces), v, exact, &norm);
        const int *qubits = s->blocks + (size_t)(p - first) * s->k;
        unsigned char adj[BLOCKS_MAX_K * BLOCKS_MAX_K];
        blocks_coupling(&s->dev, s->k, qubits, adj);
        int nops;
        if (s->compile_separate) {   /* amplitude-encode x/|x|, then U as its own circuit */
            const double *x = piece_input(s, (int)(p / s->pieces), (int)(p % s->pieces));
            for (int i = 0; i < s->d; i++) v[i] = norm > 0 ? x[i] / norm : (i == 0);
            nops = blocks_compile(s->k, v, piece_unitary(s, (int)(p % s->pieces)), adj, ops);
        } else {
            nops = blocks_state_prep(s->k, v, adj, ops);
        }
        if (nops < 0) { status = tn_fail(TN_ERR_NUMERIC, "the state preparation of piece %ld failed", p); break; }
        for (int i = 0; i < nops; i++) *two_qubit_gates += ops[i].cz;
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
 * the d outcome frequencies, then max bond, fidelity estimate, seconds. */
static size_t task_doubles(const adapter_spec *s) { return (size_t)s->nblocks * s->d + 4; }

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
    text_buf b = {0};
    int cz = 0;
    int status = circuit_text(s, t, &b, &cz);
    circuit *c = NULL;
    char name[64];
    snprintf(name, sizeof name, "circuit-%ld.%s", t, s->emit_originir ? "ir" : "qasm");
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
    double t0 = MPI_Wtime();
    if (status == TN_OK) status = run_circuit(c, &opt, &res);
    if (status == TN_OK) status = run_collect(g->comm, &opt, &res);
    if (status == TN_OK && g->rank == 0) {
        block_frequencies(s, &res, out);
        size_t at = (size_t)s->nblocks * s->d;
        out[at] = res.max_bond;
        out[at + 1] = res.fidelity_estimate;
        out[at + 2] = MPI_Wtime() - t0;
        out[at + 3] = cz;
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

static json_t *result_json(const adapter_spec *s, const double *all, int ranks, int ngroups, double seconds,
                           const noise_model *noise)
{
    json_t *root = json_object(), *inputs = json_array(), *blocks = json_array();
    size_t per = task_doubles(s);
    double complex v[1 << BLOCKS_MAX_K], exact[1 << BLOCKS_MAX_K];
    double err_sum = 0;
    long cz_total = 0;
    int max_bond = 1;
    for (long t = 0; t < circuit_count(s); t++) {
        const double *row = all + (size_t)t * per + (size_t)s->nblocks * s->d;
        if ((int)row[0] > max_bond) max_bond = (int)row[0];
        cz_total += (long)row[3];
    }
    for (int b = 0; b < s->nblocks; b++) {
        json_t *q = json_array();
        for (int j = 0; j < s->k; j++) json_array_append_new(q, json_integer(s->blocks[(size_t)b * s->k + j]));
        json_array_append_new(blocks, q);
    }
    for (int n = 0; n < s->ninputs; n++) {
        json_t *out = json_array(), *errs = json_array();
        double in_err = 0;
        for (int j = 0; j < s->pieces; j++) {
            long p = (long)n * s->pieces + j, t = p / s->nblocks;
            int slot = (int)(p % s->nblocks);
            const double *freq = all + (size_t)t * per + (size_t)slot * s->d;
            double norm, diff = 0, ref = 0;
            piece_state(s, n, j, v, exact, &norm);
            for (int i = 0; i < s->d; i++) {
                double mag = sqrt(fmax(freq[i], 0)) * norm, ex = cabs(exact[i]);
                double complex est = ex > 0 ? mag * exact[i] / ex : mag;   /* the sign (phase) of the exact U x */
                diff += creal((est - exact[i]) * conj(est - exact[i]));
                ref += ex * ex;
                if (s->complex_generators) json_array_append_new(out, json_pack("[f,f]", creal(est), cimag(est)));
                else json_array_append_new(out, json_real(creal(est)));
            }
            double rel = ref > 0 ? sqrt(diff / ref) : sqrt(diff);
            json_array_append_new(errs, json_real(rel));
            in_err += rel;
        }
        err_sum += in_err;
        json_array_append_new(inputs, json_pack("{s:o, s:o, s:f}", "output", out, "block_relative_errors", errs,
                                                "mean_relative_error", in_err / s->pieces));
    }
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
    json_object_set_new(root, "max_bond_dimension", json_integer(max_bond));
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
    const char *spec, *output, *emit, *sweep;
    long groups, shots;
    double noise_scale;
    int quiet, help;
} adapters_request;

static int parse_adapters_args(int argc, char **argv, adapters_request *rq, int ranks)
{
    (void)ranks;
    memset(rq, 0, sizeof *rq);
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
    if (journal_opts.dir && rq->sweep)
        return tn_fail(TN_ERR_USAGE, "options --checkpoint and --resume journal one run, not a --sweep");
    return options_finish(&engine, "tnemu adapters", 1);
}

/* Reads the spec, the noise model and places the blocks (every rank alike). */
static int prepare(adapter_spec *s, const adapters_request *rq, int k, double scale, noise_model **noise)
{
    CALL(spec_read(rq->spec, k, scale >= 0 ? scale : rq->noise_scale, s));
    if (rq->shots > 0) s->shots = rq->shots;
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
    MPI_Comm world = MPI_COMM_WORLD;
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
    if (status == TN_OK && rank == 0) {
        *out = result_json(&s, all, ranks, ngroups, MPI_Wtime() - t0, active);
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
    noise_destroy(&noise);
    spec_free(&s);
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
