/* test_qasmbench.c - every QASMBench small/ and medium/ circuit of at most 20
 * qubits, parsed by src/qasm.c and run on the untruncated MPS (identity
 * order) and on the dense reference along the same measurement branch:
 * outcomes are drawn from the reference's probabilities with a seeded
 * generator, both states are projected (their probabilities must agree),
 * resets flip the qubit back to |0>, if() is evaluated on the recorded bits.
 * At the end the states must be equal to 1e-10. Circuits without mid-circuit
 * measurement, reset or if() of at most 16 qubits are also sampled (4000
 * shots of all qubits) and must pass a chi-square test.
 * The known-broken files (hhl_n10, vqe_uccsd_n4/6/8 and their transpiled
 * forms measure an undeclared register q) must be refused with TN_ERR_INPUT.
 * The data are read at run time from $TNEMU_SHARED_DATA or ../shared/data
 * (relative to the repository root, the working directory of the tests). */
#include <complex.h>
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chisq.h"
#include "error.h"
#include "mps.h"
#include "qasm.h"
#include "rng.h"
#include "statevec.h"
#include "tap.h"

#define MAX_QUBITS 20
#define SAMPLE_MAX_QUBITS 16
#define SHOTS 4000
#define TOL 1e-10
#define OUTCOME_MIN_PROB 1e-12   /* outcomes less likely than this are never chosen */
#define SEED 17

static const char *broken[] = {"hhl_n10", "vqe_uccsd_n4", "vqe_uccsd_n6", "vqe_uccsd_n8"};

/* Whether path lies in the directory of a known-broken benchmark. */
static int is_broken(const char *path)
{
    for (size_t i = 0; i < sizeof broken / sizeof broken[0]; i++) {
        char pattern[64];
        snprintf(pattern, sizeof pattern, "/%s/", broken[i]);
        if (strstr(path, pattern)) return 1;
    }
    return 0;
}

/* The largest |mps - ref| over the basis (1e300 if the export fails). No
 * global phase is divided out: both sides apply the same matrices with the
 * global phases gates.h fixes, and projections only rescale by positive
 * reals, so the states must agree exactly, phase included. */
static double distance(mps *m, const sv_state *ref)
{
    size_t dim = (size_t)1 << ref->n;
    double complex *psi = malloc(dim * sizeof *psi);
    double worst = 1e300;
    if (psi && mps_to_dense(m, psi) == TN_OK) {
        worst = 0;
        for (size_t i = 0; i < dim; i++) worst = fmax(worst, cabs(psi[i] - ref->amp[i]));
    }
    free(psi);
    return worst;
}

/* A measured or reset qubit: picks an outcome from the reference's
 * probability, projects both states, and flips to |0> on a reset that read 1.
 * Returns the engine's status; *outcome receives the outcome. */
static int collapse(const circ_op *op, mps *m, sv_state *ref, rng_stream *r, int *outcome, double *prob_diff)
{
    static const double complex pauli_x[4] = {0, 1, 1, 0};
    int q = op->qubits[0];
    double p1 = sv_prob_one(ref, q);
    *outcome = p1 < OUTCOME_MIN_PROB ? 0 : p1 > 1 - OUTCOME_MIN_PROB ? 1 : rng_uniform(r) < p1;
    double pm = -1, pr = sv_project(ref, q, *outcome);
    int status = mps_project(m, q, *outcome, &pm);
    *prob_diff = fmax(*prob_diff, fabs(pm - pr));
    if (op->kind == OP_RESET && *outcome == 1) {
        sv_apply_matrix(ref, pauli_x, 1, &q);
        if (status == TN_OK) status = mps_apply_gate(m, pauli_x, 1, &q);
    }
    return status;
}

/* Walks the circuit on both states along one measurement branch. */
static int walk(const circuit *c, mps *m, sv_state *ref, uint64_t stream, double *prob_diff)
{
    rng_stream r;
    rng_init(&r, SEED, stream);
    unsigned char *clbits = calloc((size_t)c->nclbits + 1, 1);
    if (!clbits) return TN_ERR_MEMORY;
    *prob_diff = 0;
    int status = TN_OK;
    for (size_t i = 0; i < c->nops && status == TN_OK; i++) {
        const circ_op *op = &c->ops[i];
        if (op->cond_reg >= 0 && !circ_cond_holds(c, op->cond_reg, op->cond_value, clbits)) continue;
        if (op->kind == OP_GATE) {
            sv_apply_op(ref, op);
            status = mps_apply_op(m, op);
        } else if (op->kind == OP_MEASURE || op->kind == OP_RESET) {
            int outcome;
            status = collapse(op, m, ref, &r, &outcome, prob_diff);
            if (op->kind == OP_MEASURE) clbits[op->clbit] = (unsigned char)outcome;
        }
    }
    free(clbits);
    return status;
}

/* Gates only (measurements are all terminal), then SHOTS samples of all qubits. */
static void check_sampling(const char *name, const circuit *c)
{
    int n = c->nqubits;
    mps_trunc tr = {0, 0};
    mps *m = NULL;
    sv_state ref;
    sv_init(&ref, n);
    int status = mps_create(n, NULL, &tr, &m);
    for (size_t i = 0; i < c->nops && status == TN_OK; i++)
        if (c->ops[i].kind == OP_GATE) {
            sv_apply_op(&ref, &c->ops[i]);
            status = mps_apply_op(m, &c->ops[i]);
        }
    unsigned char *bits = malloc((size_t)SHOTS * n);
    if (status == TN_OK) status = bits ? mps_sample(m, SHOTS, SEED, 0, bits) : TN_ERR_MEMORY;
    chisq_result cs = {0};
    int pass = status == TN_OK && chisq_check(&ref, bits, SHOTS, &cs);
    if (!ok(pass, "%s: %d samples pass chi-square (chi2 %.1f, %d bins, p %.3g)", name, SHOTS, cs.chi2, cs.bins, cs.p))
        diag("status %d (%s), bound %.1f, shots on impossible states %ld", status, tn_last_message(), cs.bound,
             cs.impossible);
    free(bits);
    mps_destroy(&m);
    sv_free(&ref);
}

/* One file: a TAP line (or none if it has more than MAX_QUBITS qubits),
 * plus one for sampling. Returns 1 if the file was checked. */
static int check_file(const char *path, const char *name, uint64_t index)
{
    circuit *c = NULL;
    int status = qasm_parse_file(path, &c);
    if (is_broken(path)) {
        if (!ok(status == TN_ERR_INPUT && c == NULL && strstr(tn_last_message(), "'q'"),
                "%s: refused with TN_ERR_INPUT, naming the undeclared register q", name))
            diag("status %d, message: %s", status, tn_last_message());
        circ_destroy(&c);
        tn_clear_error();
        return 1;
    }
    if (status != TN_OK) {
        ok(0, "%s parses", name);
        diag("%s", tn_last_message());
        tn_clear_error();
        return 1;
    }
    if (c->nqubits > MAX_QUBITS) {
        circ_destroy(&c);
        return 0;
    }
    mps_trunc tr = {0, 0};
    mps *m = NULL;
    sv_state ref;
    sv_init(&ref, c->nqubits);
    double pdiff = 0, d = 1e300;
    status = mps_create(c->nqubits, NULL, &tr, &m);
    if (status == TN_OK) status = walk(c, m, &ref, index, &pdiff);
    if (status == TN_OK) d = distance(m, &ref);
    if (!ok(status == TN_OK && d < TOL && pdiff < TOL,
            "%s (%d qubits): parses, and the MPS equals the reference to 1e-10", name, c->nqubits))
        diag("status %d (%s), amplitude difference %.3g, probability difference %.3g", status, tn_last_message(), d,
             pdiff);
    mps_destroy(&m);
    sv_free(&ref);
    circ_stats st;
    circ_get_stats(c, &st);
    if (!st.dynamic && c->nqubits <= SAMPLE_MAX_QUBITS) check_sampling(name, c);
    circ_destroy(&c);
    return 1;
}

static int compare_names(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* The .qasm files of root/qasmbench/suite/<bench>/, sorted; NULL if the
 * directory cannot be read. */
static char **list_suite(const char *root, const char *suite, size_t *count)
{
    char dir[1024];
    snprintf(dir, sizeof dir, "%s/qasmbench/%s", root, suite);
    DIR *d = opendir(dir);
    if (!d) return NULL;
    char **paths = NULL;
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.') continue;
        char sub[2048];
        snprintf(sub, sizeof sub, "%s/%s", dir, e->d_name);
        DIR *s = opendir(sub);
        if (!s) continue;
        struct dirent *f;
        while ((f = readdir(s))) {
            size_t len = strlen(f->d_name);
            if (len < 5 || strcmp(f->d_name + len - 5, ".qasm") != 0) continue;
            char **grown = realloc(paths, (n + 1) * sizeof *paths);
            if (!grown) break;
            paths = grown;
            paths[n] = malloc(strlen(sub) + len + 2);
            if (paths[n]) sprintf(paths[n++], "%s/%s", sub, f->d_name);
        }
        closedir(s);
    }
    closedir(d);
    if (n) qsort(paths, n, sizeof *paths, compare_names);
    *count = n;
    return paths ? paths : calloc(1, sizeof *paths);
}

static void check_suite(const char *root, const char *suite, uint64_t *index)
{
    size_t n = 0, checked = 0;
    char **paths = list_suite(root, suite, &n);
    if (!paths) {
        skip("%s/qasmbench/%s is absent or unreadable", root, suite);
        return;
    }
    for (size_t i = 0; i < n; i++) {
        const char *name = strstr(paths[i], "/qasmbench/") + strlen("/qasmbench/");
        checked += check_file(paths[i], name, (*index)++);
        free(paths[i]);
    }
    free(paths);
    diag("%s: %zu files, %zu of more than %d qubits not run", suite, n, n - checked, MAX_QUBITS);
}

int main(void)
{
    const char *root = getenv("TNEMU_SHARED_DATA");
    if (!root || !*root) root = "../shared/data";
    char probe[1024];
    snprintf(probe, sizeof probe, "%s/qasmbench", root);
    DIR *d = opendir(probe);
    if (!d) {
        skip("shared data absent (%s): QASMBench circuits not checked", probe);
        return done_testing();
    }
    closedir(d);
    uint64_t index = 0;
    check_suite(root, "small", &index);
    check_suite(root, "medium", &index);
    return done_testing();
}
