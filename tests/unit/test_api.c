/* test_api.c - the public C API (src/tnemu.h) in one process that never
 * calls MPI_Init: every entry point; bad input gives status 2 and a message
 * naming what was wrong; results equal the command's (bin/tnemu, run first
 * with the same circuit, spec and seed) and known closed forms.
 * The MPI side (a passed communicator, 2 ranks) is in test_api_mpi.c. */
#include <complex.h>
#include <jansson.h>
#include <math.h>
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tap.h"
#include "tnemu.h"

static char dir[256];

static const char *bell_qasm = "OPENQASM 2.0;\ninclude \"qelib1.inc\";\nqreg q[2];\ncreg c[2];\n"
                               "h q[0];\ncx q[0],q[1];\nmeasure q -> c;\n";
static const char *noisy_qasm = "OPENQASM 2.0;\ninclude \"qelib1.inc\";\nqreg q[3];\ncreg c[3];\n"
                                "h q[0];\ncx q[0],q[1];\ncx q[1],q[2];\nmeasure q -> c;\n";
static const char *noise_json = "{\"format\": \"tnemu-noise\", \"t1\": 1e-4, \"t2\": 8e-5, \"readout\": [0.02, 0.03],"
                                " \"gates\": [{\"gate\": \"*\", \"channels\": [{\"type\": \"depolarizing\", \"p\": 0.15}]}]}";
static const char *adapters_spec = "{\"device\": {\"kind\": \"line\", \"qubits\": 6}, \"block_qubits\": 2,"
                                   " \"generators\": [[0.3, -0.2, 0.5, 0.1, 0.7, -0.4]],"
                                   " \"inputs\": [[0.1, 0.5, -0.3, 0.8, 1.0, -0.2, 0.4, 0.3], [0.9, 0.1, 0.2, -0.5, 0.3, 0.3, 0.3, -0.6]],"
                                   " \"shots\": 4000, \"seed\": 3}";
static const char *qnn_spec = "{\"device\": {\"kind\": \"line\", \"qubits\": 3}, \"qubits\": [1], \"layers\": 1,"
                              " \"parameters\": [0.4, 1.3], \"inputs\": [[0.2], [1.1]], \"mode\": \"gradient\"}";

static char *path_in(const char *name)
{
    static char buf[8][512];
    static int k;
    char *p = buf[k++ % 8];
    snprintf(p, 512, "%s/%s", dir, name);
    return p;
}

static void write_text(const char *name, const char *text)
{
    FILE *f = fopen(path_in(name), "w");
    fputs(text, f);
    fclose(f);
}

/* Runs the command in dir, writing its JSON to out (main does it before the
 * library brings MPI up in this process). With TNEMU_BLAS_CORE=keep: the
 * command keeps the BLAS kernels OpenBLAS chose, as this process does, where
 * it would otherwise take faster ones (tensor/blas.h) and round differently. */
static void run_command(const char *args, const char *out)
{
    char build[4096], cmd[8192];
    if (!realpath(getenv("TNEMU_BUILD") ? getenv("TNEMU_BUILD") : "build", build)) build[0] = '\0';
    snprintf(cmd, sizeof cmd, "cd '%s' && TNEMU_BLAS_CORE=keep '%s/tnemu' %s -q -o '%s' 2>'%s.err'", dir, build, args,
             out, out);
    if (system(cmd) != 0) diag("command failed: %s", cmd);
}

/* The JSON the command wrote to out (NULL if it did not). */
static json_t *command_json(const char *out)
{
    json_error_t e;
    return json_load_file(path_in(out), 0, &e);
}

/* status 2 and a message containing want. */
static void is_bad(int status, const char *want, const char *what)
{
    const char *msg = tnemu_last_error();
    int good = status == TNEMU_ERR_INPUT && strstr(msg, want) != NULL;
    ok(good, "%s: status 2 and a message naming '%s'", what, want);
    if (!good) diag("status %d, message '%s'", status, msg);
}

static int counts_equal_json(const tnemu_result *r, const json_t *counts)
{
    int64_t n = 0, width = 0;
    tnemu_result_counts_size(r, &n, &width);
    if ((size_t)n != json_object_size(counts)) return 0;
    char *keys = malloc((size_t)(n * (width + 1)));
    int64_t *c = malloc((size_t)n * sizeof *c);
    int same = tnemu_result_counts(r, keys, n * (width + 1), c, n) == TNEMU_OK;
    for (int64_t e = 0; same && e < n; e++) {
        json_t *v = json_object_get(counts, keys + e * (width + 1));
        same = json_is_integer(v) && json_integer_value(v) == c[e];
    }
    free(keys);
    free(c);
    return same;
}

/* ---- library, circuits ------------------------------------------------------- */

static void test_library(void)
{
    char want[32];
    snprintf(want, sizeof want, "%d.%d.%d", TNEMU_VERSION_MAJOR, TNEMU_VERSION_MINOR, TNEMU_VERSION_PATCH);
    ok(strcmp(tnemu_version(), want) == 0 && strcmp(want, "0.1.0") == 0, "tnemu_version() is %s", want);
    is_int(tnemu_version_number(), TNEMU_VERSION_NUMBER, "tnemu_version_number()");
    ok(strcmp(tnemu_last_error(), "") == 0, "no error before any failure");
    int up = 1;
    MPI_Initialized(&up);
    ok(!up, "MPI is not initialised before the first call that needs it");
    is_int(tnemu_init(), TNEMU_OK, "tnemu_init() brings MPI up");
    MPI_Initialized(&up);
    ok(up, "MPI is initialised after tnemu_init");
    int64_t rank = -1, size = -1;
    ok(tnemu_comm_rank(NULL, &rank, &size) == TNEMU_OK && rank == 0 && size == 1, "tnemu_comm_rank: rank 0 of 1");
    tnemu_comm *fc = NULL;
    ok(tnemu_comm_from_fortran(MPI_Comm_c2f(MPI_COMM_SELF), &fc) == TNEMU_OK && fc, "tnemu_comm_from_fortran(MPI_COMM_SELF)");
    ok(tnemu_comm_rank(fc, &rank, &size) == TNEMU_OK && size == 1, "a Fortran-handle communicator has 1 rank");
    tnemu_comm_free(&fc);
    tnemu_comm_free(&fc);
    ok(fc == NULL, "tnemu_comm_free sets NULL and takes NULL");
    is_bad(tnemu_comm_from_fortran(0, NULL), "out is NULL", "tnemu_comm_from_fortran: no handle to fill");
    tnemu_free(NULL);
}

static void test_circuits(void)
{
    tnemu_circuit *c = NULL;
    int64_t nq, nc, nops, depth, dyn;
    ok(tnemu_circuit_parse(bell_qasm, -1, "bell.qasm", NULL, &c) == TNEMU_OK, "parse OpenQASM text");
    ok(tnemu_circuit_info(c, &nq, &nc, &nops, &depth, &dyn) == TNEMU_OK && nq == 2 && nc == 2 && nops == 4 && depth == 2 &&
       !dyn, "info: 2 qubits, 2 bits, 4 operations, depth 2, static");
    tnemu_circuit_free(&c);
    ok(c == NULL, "tnemu_circuit_free sets NULL");
    tnemu_circuit_free(&c);

    is_bad(tnemu_circuit_parse("OPENQASM 2.0;\nqreg q[2];\nfoo q[0];\n", -1, "bad.qasm", NULL, &c), "bad.qasm:3:",
           "parse: unknown gate");
    ok(c == NULL, "a failed parse leaves the handle NULL");
    is_bad(tnemu_circuit_load(path_in("absent.qasm"), NULL, &c), "absent.qasm", "load: a missing file");
    is_bad(tnemu_circuit_load(path_in("bell.qasm"), "quil", &c), "quil", "load: an unknown format");
    ok(tnemu_circuit_load(path_in("bell.qasm"), NULL, &c) == TNEMU_OK, "load an OpenQASM file");
    tnemu_circuit_free(&c);
    const char *ir = "QINIT 2\nCREG 2\nH q[0]\nCNOT q[0],q[1]\nMEASURE q[0],c[0]\nMEASURE q[1],c[1]\n";
    ok(tnemu_circuit_parse(ir, -1, "bell.ir", "originir", &c) == TNEMU_OK, "parse OriginIR text");
    tnemu_circuit_info(c, &nq, NULL, &nops, NULL, NULL);
    ok(nq == 2 && nops == 4, "OriginIR: 2 qubits, 4 operations");
    tnemu_circuit_free(&c);
    is_bad(tnemu_circuit_parse("QINIT 2\nFOO q[0]\n", -1, "bad.ir", "originir", &c), "bad.ir:2:", "OriginIR: a bad gate");

    ok(tnemu_circuit_create(2, 2, &c) == TNEMU_OK, "create an empty 2-qubit circuit");
    int64_t q0[1] = {0}, q01[2] = {0, 1}, q5[1] = {5}, q00[2] = {0, 0};
    double theta = 0.3;
    is_bad(tnemu_circuit_gate(c, "foo", 1, q0, 0, NULL), "unknown gate 'foo'", "gate: unknown name");
    is_bad(tnemu_circuit_gate(c, "h", 1, q5, 0, NULL), "qubit 5 is out of range", "gate: qubit out of range");
    is_bad(tnemu_circuit_gate(c, "cx", 2, q00, 0, NULL), "given twice", "gate: a repeated qubit");
    is_bad(tnemu_circuit_gate(c, "rz", 1, q0, 0, NULL), "takes 1 parameter", "gate: a missing angle");
    is_bad(tnemu_circuit_gate(c, "h", 2, q01, 0, NULL), "acts on 1 qubit", "gate: the wrong width");
    double nan_angle = NAN;
    is_bad(tnemu_circuit_gate(c, "rz", 1, q0, 1, &nan_angle), "not a finite number", "gate: a NaN angle");
    double notu[8] = {1, 0, 1, 0, 0, 0, 1, 0};
    is_bad(tnemu_circuit_unitary(c, 1, q0, notu), "not unitary", "unitary: a non-unitary matrix");
    is_bad(tnemu_circuit_measure(c, 0, 7), "classical bit 7", "measure: a bit out of range");
    tnemu_circuit_free(&c);
    is_bad(tnemu_circuit_create(0, 0, &c), "nqubits 0", "create: no qubits");
    ok(tnemu_circuit_create(2, 2, &c) == TNEMU_OK, "create again");
    ok(tnemu_circuit_gate(c, "rz", 1, q0, 1, &theta) == TNEMU_OK, "gate rz(0.3)");
    double x[8] = {0, 0, 1, 0, 1, 0, 0, 0};
    ok(tnemu_circuit_unitary(c, 1, q0, x) == TNEMU_OK, "unitary: a dense X");
    ok(tnemu_circuit_reset(c, 0) == TNEMU_OK, "reset");
    ok(tnemu_circuit_gate(c, "h", 1, q0, 0, NULL) == TNEMU_OK && tnemu_circuit_gate(c, "cx", 2, q01, 0, NULL) == TNEMU_OK,
       "gates h and cx");
    ok(tnemu_circuit_measure_all(c) == TNEMU_OK, "measure all");
    tnemu_circuit_info(c, &nq, &nc, &nops, NULL, &dyn);
    ok(nops == 7, "7 operations built (got %lld)", (long long)nops);
    tnemu_circuit_free(&c);
}

/* ---- run -------------------------------------------------------------------- */

static void test_options(void)
{
    tnemu_options *o = NULL;
    ok(tnemu_options_create(&o) == TNEMU_OK, "options create");
    is_bad(tnemu_options_set_chi(o, -1), "option --chi", "set_chi(-1)");
    is_bad(tnemu_options_set_cutoff(o, 2), "option --cutoff", "set_cutoff(2)");
    is_bad(tnemu_options_set_shots(o, -5), "option --shots", "set_shots(-5)");
    is_bad(tnemu_options_set_canonical(o, "tucker"), "vidal or center", "set_canonical(tucker)");
    is_bad(tnemu_options_set_order(o, ""), "option --order", "set_order(\"\")");
    is_bad(tnemu_options_set_t2(o, "hahn"), "ramsey", "set_t2(hahn)");
    is_bad(tnemu_options_set_trajectories(o, -3), "option --trajectories", "set_trajectories(-3)");
    is_bad(tnemu_options_set_groups(o, 5), "option --groups", "set_groups(5) on 1 rank");
    is_bad(tnemu_options_set_noise(o, "x.json", "acme", 1), "option --noise-format", "set_noise: unknown format");
    is_bad(tnemu_options_set_noise(o, "x.json", NULL, -1), "option --noise-scale", "set_noise: negative scale");
    is_bad(tnemu_options_set_arg(o, "--output", "x.json"), "does not take it", "set_arg(--output)");
    is_bad(tnemu_options_set_arg(o, "--bogus", "1"), "unknown option '--bogus'", "set_arg(--bogus)");
    is_bad(tnemu_options_set_arg(o, "--probabilities", "1"), "takes no value", "set_arg: a value for a flag");
    is_bad(tnemu_options_set_arg(o, "--chi", NULL), "needs a value", "set_arg: no value for --chi");
    ok(tnemu_options_set_chi(o, 16) == TNEMU_OK && tnemu_options_set_cutoff(o, 1e-12) == TNEMU_OK &&
       tnemu_options_set_canonical(o, "center") == TNEMU_OK && tnemu_options_set_order(o, "auto") == TNEMU_OK &&
       tnemu_options_set_t2(o, "echo") == TNEMU_OK && tnemu_options_set_groups(o, 1) == TNEMU_OK &&
       tnemu_options_set_arg(o, "--scalapack-min", "0") == TNEMU_OK,
       "valid values are taken");
    tnemu_options_free(&o);
    ok(o == NULL, "tnemu_options_free sets NULL");
}

static void test_run_bell(void)
{
    json_t *cli = command_json("bell-cli.json");
    tnemu_circuit *c = NULL;
    tnemu_options *o = NULL;
    tnemu_result *r = NULL;
    tnemu_circuit_load(path_in("bell.qasm"), NULL, &c);
    tnemu_options_create(&o);
    tnemu_options_set_shots(o, 1000);
    tnemu_options_set_seed(o, 5);
    tnemu_options_add_observable(o, "Z0 Z1");
    tnemu_options_add_observable(o, "X0");
    tnemu_options_add_amplitude(o, "11");
    tnemu_options_add_amplitude(o, "01");
    tnemu_options_set_probabilities(o, 1);
    if (!ok(tnemu_run(c, o, NULL, &r) == TNEMU_OK && r, "run the Bell circuit")) diag("%s", tnemu_last_error());
    if (!r) { json_decref(cli); return; }
    int64_t nq, shots, maxb, n, width;
    double fid, logfid, disc;
    tnemu_result_summary(r, &nq, &shots, &fid, &logfid, &disc, &maxb);
    ok(nq == 2 && shots == 1000 && maxb == 2, "summary: 2 qubits, 1000 shots, max bond 2");
    is_double(fid, 1, 1e-12, "fidelity estimate 1");
    tnemu_result_counts_size(r, &n, &width);
    ok(n == 2 && width == 2, "two outcomes of 2 bits");
    char keys[6];
    int64_t counts[2], outcomes[2];
    tnemu_result_counts(r, keys, sizeof keys, counts, 2);
    ok(strcmp(keys, "00") == 0 && strcmp(keys + 3, "11") == 0 && counts[0] + counts[1] == 1000, "keys 00 and 11, 1000 shots");
    tnemu_result_counts_int(r, outcomes, counts, 2);
    ok(outcomes[0] == 0 && outcomes[1] == 3, "outcomes as integers: 0 and 3");
    ok(cli && counts_equal_json(r, json_object_get(cli, "counts")), "counts equal the command's for seed 5");
    double ev[2], everr[2], amps[4], probs[4], cerr[2];
    int64_t bonds[1];
    tnemu_result_expectations(r, ev, everr, 2);
    is_double(ev[0], 1, 1e-12, "<Z0 Z1> = 1");
    is_double(ev[1], 0, 1e-12, "<X0> = 0");
    ok(cli && fabs(ev[0] - json_real_value(json_object_get(json_object_get(cli, "expectation_values"), "Z0 Z1"))) < 1e-15,
       "<Z0 Z1> equals the command's");
    tnemu_result_amplitudes(r, amps, 2);
    is_complex(amps[0] + I * amps[1], M_SQRT1_2, 1e-12, "amplitude of 11 = 1/sqrt(2)");
    is_complex(amps[2] + I * amps[3], 0, 1e-12, "amplitude of 01 = 0");
    tnemu_result_probabilities_size(r, &n);
    is_int(n, 4, "4 probabilities");
    tnemu_result_probabilities(r, probs, 4);
    ok(fabs(probs[0] - 0.5) < 1e-12 && fabs(probs[3] - 0.5) < 1e-12 && fabs(probs[1]) < 1e-12, "probabilities 1/2, 0, 0, 1/2");
    ok(tnemu_result_bond_dimensions(r, bonds, 1) == TNEMU_OK && bonds[0] == 2, "bond dimension 2");
    ok(tnemu_result_count_errors(r, cerr, 2) == TNEMU_OK && cerr[0] == 0, "count errors 0 without noise");
    is_bad(tnemu_result_counts(r, keys, 2, counts, 2), "too short", "counts: a short key buffer");
    is_bad(tnemu_result_expectations(r, ev, everr, 1), "too short", "expectations: a short buffer");
    is_bad(tnemu_result_probabilities(r, probs, 3), "too short", "probabilities: a short buffer");
    char *json = NULL;
    ok(tnemu_result_json(r, &json) == TNEMU_OK && json && strstr(json, "\"counts\"") && strstr(json, "\"fidelity_estimate\""),
       "the result JSON has counts and fidelity_estimate");
    json_t *lib = json ? json_loads(json, 0, NULL) : NULL;
    ok(lib && cli && json_equal(json_object_get(lib, "counts"), json_object_get(cli, "counts")) &&
       json_equal(json_object_get(lib, "bond_dimensions"), json_object_get(cli, "bond_dimensions")) &&
       json_equal(json_object_get(lib, "probabilities"), json_object_get(cli, "probabilities")),
       "the result JSON's counts, bonds and probabilities equal the command's");
    json_decref(lib);
    tnemu_free(json);
    tnemu_result_free(&r);
    ok(r == NULL, "tnemu_result_free sets NULL");

    /* the same circuit built gate by gate: the same counts */
    tnemu_circuit *b = NULL;
    int64_t q0[1] = {0}, q01[2] = {0, 1};
    tnemu_circuit_create(2, 2, &b);
    tnemu_circuit_gate(b, "h", 1, q0, 0, NULL);
    tnemu_circuit_gate(b, "cx", 2, q01, 0, NULL);
    tnemu_circuit_measure_all(b);
    ok(tnemu_run(b, o, NULL, &r) == TNEMU_OK && cli && counts_equal_json(r, json_object_get(cli, "counts")),
       "a circuit built gate by gate gives the command's counts");
    tnemu_result_free(&r);
    /* a passed communicator */
    MPI_Comm self = MPI_COMM_SELF;
    ok(tnemu_run(b, o, &self, &r) == TNEMU_OK && cli && counts_equal_json(r, json_object_get(cli, "counts")),
       "on a passed communicator (MPI_COMM_SELF): the same counts");
    tnemu_result_free(&r);
    ok(tnemu_options_add_observable(o, "Q7") == TNEMU_OK, "an observable is checked against the circuit when it runs");
    is_bad(tnemu_run(b, o, NULL, &r), "Q7", "run: a malformed observable");
    ok(r == NULL, "a failed run leaves the result NULL");
    tnemu_options_free(&o);
    tnemu_options_create(&o);
    tnemu_options_add_observable(o, "Z9");
    is_bad(tnemu_run(b, o, NULL, &r), "Z9", "run: an observable on a qubit the circuit lacks");
    is_bad(tnemu_run(NULL, o, NULL, &r), "circuit is NULL", "run: no circuit");
    tnemu_circuit_free(&b);
    tnemu_options_free(&o);
    tnemu_circuit_free(&c);
    json_decref(cli);
}

/* A 3-qubit IBM calibration: qubit 1 lacks T1, qubit 2 both (as tests/input.t writes it). */
static const char *props_test3 =
    "{\"backend_name\": \"tnemu_test3\", \"qubits\": ["
    "[{\"name\": \"T1\", \"unit\": \"us\", \"value\": 100}, {\"name\": \"T2\", \"unit\": \"us\", \"value\": 80},"
    " {\"name\": \"readout_error\", \"unit\": \"\", \"value\": 0.01}],"
    "[{\"name\": \"T2\", \"unit\": \"us\", \"value\": 80}, {\"name\": \"readout_error\", \"unit\": \"\", \"value\": 0.02}],"
    "[{\"name\": \"readout_error\", \"unit\": \"\", \"value\": 0.02}]], \"gates\": ["
    "{\"gate\": \"sx\", \"qubits\": [0], \"parameters\": [{\"name\": \"gate_error\", \"unit\": \"\", \"value\": 0.001},"
    " {\"name\": \"gate_length\", \"unit\": \"ns\", \"value\": 35}]},"
    "{\"gate\": \"cx\", \"qubits\": [0, 1], \"parameters\": [{\"name\": \"gate_error\", \"unit\": \"\", \"value\": 0.01},"
    " {\"name\": \"gate_length\", \"unit\": \"ns\", \"value\": 300}]}]}";

static char warned[1024];
static int warnings;

static void on_warning(const char *message, void *user)
{
    warnings++;
    snprintf(warned, sizeof warned, "%s%s", (const char *)user, message);
}

static void test_run_noisy(void)
{
    json_t *cli = command_json("noisy-cli.json");
    tnemu_circuit *c = NULL;
    tnemu_options *o = NULL;
    tnemu_result *r = NULL;
    tnemu_circuit_load(path_in("noisy.qasm"), NULL, &c);
    tnemu_options_create(&o);
    tnemu_options_set_shots(o, 2000);
    tnemu_options_set_seed(o, 9);
    tnemu_options_set_noise(o, path_in("noise.json"), NULL, 1);
    tnemu_options_set_trajectories(o, 12);
    tnemu_options_add_observable(o, "Z0 Z2");
    if (!ok(tnemu_run(c, o, NULL, &r) == TNEMU_OK, "a noisy run")) diag("%s", tnemu_last_error());
    ok(r && cli && counts_equal_json(r, json_object_get(cli, "counts")), "noisy counts equal the command's (seed 9, 12 trajectories)");
    double ev = 0, everr = 0;
    if (r) tnemu_result_expectations(r, &ev, &everr, 1);
    ok(cli && fabs(ev - json_real_value(json_object_get(json_object_get(cli, "expectation_values"), "Z0 Z2"))) < 1e-12 &&
       ev < 0.99 && everr >= 0 && everr < 1e-3,
       "noisy <Z0 Z2> = %.4f +- %.4f equals the command's, below 1 (the Heisenberg picture: no trajectory error)", ev,
       everr);
    tnemu_result_free(&r);
    /* an IBM calibration whose qubits 1 and 2 lack T1/T2: the caller's handler hears of it */
    tnemu_circuit *dev = NULL;
    tnemu_circuit_parse("OPENQASM 2.0;\ninclude \"qelib1.inc\";\nqreg q[2];\ncreg c[2];\nsx q[0];\ncx q[0],q[1];\n"
                        "measure q -> c;\n", -1, "dev.qasm", NULL, &dev);
    tnemu_options *od = NULL;
    tnemu_options_create(&od);
    tnemu_options_set_shots(od, 50);
    tnemu_options_set_noise(od, path_in("props_test3.json"), NULL, 1);
    tnemu_set_warning_handler(on_warning, "handler: ");
    int st = tnemu_run(dev, od, NULL, &r);
    ok(st == TNEMU_OK && warnings == 1 && strstr(warned, "handler: ") == warned &&
       strstr(warned, "2 qubit(s) without T1/T2 do not relax"), "the warning handler hears of 2 qubits without T1/T2: %s",
       st ? tnemu_last_error() : warned);
    tnemu_result_free(&r);
    tnemu_set_quiet(1);
    ok(tnemu_run(dev, od, NULL, &r) == TNEMU_OK && warnings == 1, "quiet: the handler is not called");
    tnemu_result_free(&r);
    tnemu_set_quiet(0);
    tnemu_set_warning_handler(NULL, NULL);
    tnemu_circuit_free(&dev);
    tnemu_options_free(&od);
    tnemu_options_set_noise(o, path_in("absent-noise.json"), NULL, 1);
    is_bad(tnemu_run(c, o, NULL, &r), "absent-noise.json", "run: a missing noise file");
    tnemu_options_set_noise(o, NULL, NULL, 0);
    is_bad(tnemu_run(c, o, NULL, &r), "need", "run: --trajectories without noise");
    tnemu_options_free(&o);
    tnemu_circuit_free(&c);
    json_decref(cli);
}

/* ---- adapters and qnn ------------------------------------------------------ */

static void test_adapters(void)
{
    json_t *cli = command_json("adapters-cli.json");
    tnemu_adapters *a = NULL;
    if (!ok(tnemu_adapters_load(path_in("adapters.json"), &a) == TNEMU_OK, "adapters: load a spec file")) diag("%s", tnemu_last_error());
    int64_t k, d, cplx, ngen, nin, len, blocks, circuits;
    tnemu_adapters_info(a, &k, &d, &cplx, &ngen, &nin, &len, &blocks, &circuits);
    ok(k == 2 && d == 4 && !cplx && ngen == 1 && nin == 2 && len == 8 && blocks == 3 && circuits == 2,
       "info: k 2, d 4, real, 1 generator, 2 inputs of 8, 3 blocks per circuit, 2 circuits");
    double out[16], err[4], mean = -1;
    if (!ok(tnemu_adapters_run(a, NULL, out, 16, err, 4, &mean) == TNEMU_OK, "adapters: run")) diag("%s", tnemu_last_error());
    json_t *inputs = json_object_get(cli, "inputs");
    int same = cli != NULL;
    for (int n = 0; same && n < 2; n++)
        for (int j = 0; j < 8; j++)
            same = same && json_real_value(json_array_get(json_object_get(json_array_get(inputs, n), "output"), j)) == out[n * 8 + j];
    ok(same, "outputs equal the command's (seed 3, 4000 shots)");
    ok(cli && mean == json_real_value(json_object_get(cli, "mean_relative_error")) && mean > 0 && mean < 0.2,
       "mean relative error %.4f equals the command's", mean);
    char *json = NULL;
    ok(tnemu_adapters_json(a, &json) == TNEMU_OK && strstr(json, "\"tnemu adapters\""), "adapters: the result JSON");
    tnemu_free(json);

    /* the same numbers from arrays */
    tnemu_adapters *b = NULL;
    const char *base = "{\"device\": {\"kind\": \"line\", \"qubits\": 6}, \"block_qubits\": 2, \"generators\": {\"random\": 1},"
                       " \"inputs\": {\"random\": 1, \"count\": 1, \"pieces\": 1}, \"shots\": 4000, \"seed\": 3}";
    ok(tnemu_adapters_parse(base, dir, &b) == TNEMU_OK, "adapters: parse spec text");
    double gen[6] = {0.3, -0.2, 0.5, 0.1, 0.7, -0.4};
    double in[16] = {0.1, 0.5, -0.3, 0.8, 1.0, -0.2, 0.4, 0.3, 0.9, 0.1, 0.2, -0.5, 0.3, 0.3, 0.3, -0.6};
    ok(tnemu_adapters_set_generators(b, 1, 6, gen) == TNEMU_OK && tnemu_adapters_set_inputs(b, 2, 8, in) == TNEMU_OK,
       "set generators and inputs from arrays");
    double out2[16], mean2 = -1;
    ok(tnemu_adapters_run(b, NULL, out2, 16, NULL, 0, &mean2) == TNEMU_OK && memcmp(out, out2, sizeof out) == 0 &&
       mean2 == mean, "arrays give the same outputs as the spec file");
    ok(tnemu_adapters_set_shots(b, 100) == TNEMU_OK && tnemu_adapters_set_seed(b, 4) == TNEMU_OK &&
       tnemu_adapters_set_noise_scale(b, 0) == TNEMU_OK && tnemu_adapters_set_groups(b, 1) == TNEMU_OK &&
       tnemu_adapters_run(b, NULL, out2, 16, NULL, 0, &mean2) == TNEMU_OK && mean2 > mean,
       "100 shots: a larger error (%.3f > %.3f)", mean2, mean);
    int64_t blocks8 = 0;
    ok(tnemu_adapters_set_spec(b, "device", "{\"kind\": \"line\", \"qubits\": 8}") == TNEMU_OK &&
       tnemu_adapters_info(b, NULL, NULL, NULL, NULL, NULL, NULL, &blocks8, NULL) == TNEMU_OK && blocks8 == 4,
       "set_spec(device): a line of 8 qubits holds 4 blocks per circuit");
    is_bad(tnemu_adapters_set_spec(b, "device", "{\"kind\": \"ring\"}"), "\"device.kind\" must be one of", "set_spec: an unknown device kind");
    ok(tnemu_adapters_info(b, NULL, NULL, NULL, NULL, NULL, NULL, &blocks8, NULL) == TNEMU_OK && blocks8 == 4,
       "a refused set_spec leaves the spec as it was");
    is_bad(tnemu_adapters_set_spec(b, "noise", "\"absent-props.json\""), "absent-props.json", "set_spec: a missing noise file");
    is_bad(tnemu_adapters_set_spec(b, "shots", "{"), "not JSON", "set_spec: a value that is not JSON");
    is_bad(tnemu_adapters_set_spec(b, "shot", "5"), "shot", "set_spec: an unknown key");
    is_bad(tnemu_adapters_set_generators(b, 1, 5, gen), "has 6 numbers", "set_generators: 5 numbers");
    is_bad(tnemu_adapters_set_generators(b, 3, 6, gen), "give 1 or 2", "set_generators: 3 generators for 2 pieces");
    is_bad(tnemu_adapters_set_inputs(b, 1, 6, in), "multiple of 2^k", "set_inputs: 6 numbers");
    is_bad(tnemu_adapters_set_shots(b, 0), "shots 0", "set_shots(0)");
    is_bad(tnemu_adapters_set_noise_scale(b, -1), "noise scale", "set_noise_scale(-1)");
    is_bad(tnemu_adapters_run(b, NULL, out2, 3, NULL, 0, NULL), "too short", "run: a short output buffer");
    tnemu_adapters *bad = NULL;
    is_bad(tnemu_adapters_parse("{\"device\": ", NULL, &bad), "<spec>:1:", "parse: malformed JSON");
    is_bad(tnemu_adapters_parse("{\"device\": {\"kind\": \"line\", \"qubits\": 4}, \"blok_qubits\": 2}", NULL, &bad),
           "blok_qubits", "parse: an unknown key");
    is_bad(tnemu_adapters_load(path_in("absent.json"), &bad), "absent.json", "load: a missing spec");
    ok(bad == NULL, "a failed parse leaves the handle NULL");
    tnemu_adapters_free(&a);
    tnemu_adapters_free(&b);
    ok(a == NULL && b == NULL, "tnemu_adapters_free sets NULL");
    json_decref(cli);
}

static void test_qnn(void)
{
    json_t *cli = command_json("qnn-cli.json");
    tnemu_qnn *q = NULL;
    if (!ok(tnemu_qnn_load(path_in("qnn.json"), &q) == TNEMU_OK, "qnn: load a spec file")) diag("%s", tnemu_last_error());
    int64_t nq, np, nf, nobs, nsets, nin;
    tnemu_qnn_info(q, &nq, &np, &nf, &nobs, &nsets, &nin);
    ok(nq == 1 && np == 2 && nf == 1 && nobs == 1 && nsets == 1 && nin == 2, "info: 1 qubit, 2 parameters, 1 observable, 2 inputs");
    double val[2], err[2], grad[4];
    if (!ok(tnemu_qnn_run(q, NULL, val, 2, err, 2, grad, 4) == TNEMU_OK, "qnn: run with gradients")) diag("%s", tnemu_last_error());
    double worst = 0, xs[2] = {0.2, 1.1};
    for (int i = 0; i < 2; i++) {
        worst = fmax(worst, fabs(val[i] - cos(xs[i] + 0.4)));
        worst = fmax(worst, fabs(grad[2 * i] + sin(xs[i] + 0.4)));
        worst = fmax(worst, fabs(grad[2 * i + 1]));
    }
    ok(worst < 1e-12, "<Z> = cos(x + a), d/da = -sin(x + a), d/db = 0 (worst %.2g)", worst);
    json_t *res = json_object_get(cli, "results");
    ok(cli && val[1] == json_real_value(json_array_get(json_object_get(json_array_get(res, 1), "expectation"), 0)) &&
       grad[2] == json_real_value(json_array_get(json_array_get(json_object_get(json_array_get(res, 1), "gradient"), 0), 0)),
       "values and gradients equal the command's");
    double p2[4] = {0.1, 0.0, -0.7, 0.0}, x1[1] = {0.5}, v2[2];
    ok(tnemu_qnn_set_parameters(q, 2, 2, p2) == TNEMU_OK && tnemu_qnn_set_inputs(q, 1, 1, x1) == TNEMU_OK &&
       tnemu_qnn_set_seed(q, 2) == TNEMU_OK && tnemu_qnn_set_groups(q, 1) == TNEMU_OK &&
       tnemu_qnn_run(q, NULL, v2, 2, NULL, 0, NULL, 0) == TNEMU_OK,
       "new parameters (2 sets) and inputs from arrays, expectation only");
    ok(fabs(v2[0] - cos(0.6)) < 1e-12 && fabs(v2[1] - cos(-0.2)) < 1e-12, "<Z> = cos(x + a) for both sets");
    char *json = NULL;
    ok(tnemu_qnn_json(q, &json) == TNEMU_OK && strstr(json, "\"expectation\""), "qnn: the result JSON");
    tnemu_free(json);
    int64_t np2 = 0;
    is_bad(tnemu_qnn_set_spec(q, "layers", "2"), "parameters", "set_spec(layers 2) with 2 parameters given: refused");
    ok(tnemu_qnn_set_spec(q, "parameters", "{\"random\": 1}") == TNEMU_OK && tnemu_qnn_set_spec(q, "layers", "2") == TNEMU_OK && tnemu_qnn_info(q, NULL, &np2, NULL, NULL, NULL, NULL) == TNEMU_OK &&
       np2 == 4, "set_spec(layers 2): 4 parameters per set");
    is_bad(tnemu_qnn_set_spec(q, "layers", "0"), "layers", "set_spec: 0 layers");
    tnemu_qnn_set_spec(q, "layers", "1");
    is_bad(tnemu_qnn_set_parameters(q, 1, 3, p2), "2 parameters per set", "set_parameters: 3 angles");
    is_bad(tnemu_qnn_set_inputs(q, 0, 1, x1), "inputs: 0 rows", "set_inputs: no rows");
    is_bad(tnemu_qnn_run(q, NULL, v2, 0, NULL, 0, NULL, 0), "too short", "run: a short buffer");
    is_bad(tnemu_qnn_run(q, NULL, v2, 2, NULL, 0, grad, 1), "too short", "run: a short gradient buffer");
    tnemu_qnn *bad = NULL;
    is_bad(tnemu_qnn_parse("{\"device\": {\"kind\": \"line\", \"qubits\": 3}, \"qubits\": [7], \"layers\": 1,"
                           " \"parameters\": [0, 0], \"inputs\": [[0]]}", NULL, &bad), "<spec>", "parse: a qubit off the device");
    tnemu_qnn_free(&q);
    ok(q == NULL, "tnemu_qnn_free sets NULL");
    json_decref(cli);
}

static void test_finalize(void)
{
    ok(tnemu_finalize() == TNEMU_OK, "tnemu_finalize finalises the MPI the library started");
    int down = 0;
    MPI_Finalized(&down);
    ok(down, "MPI is finalised");
    tnemu_circuit *c = NULL;
    tnemu_options *o = NULL;
    tnemu_result *r = NULL;
    tnemu_circuit_parse(bell_qasm, -1, NULL, NULL, &c);
    tnemu_options_create(&o);
    int status = tnemu_run(c, o, NULL, &r);
    ok(status == TNEMU_ERR_INTERNAL && strstr(tnemu_last_error(), "cannot start again"),
       "a run after finalize fails with status 1 and says why");
    tnemu_options_free(&o);
    tnemu_circuit_free(&c);
}

int main(void)
{
    snprintf(dir, sizeof dir, "/tmp/tnemu-api-XXXXXX");
    if (!mkdtemp(dir)) return 1;
    write_text("bell.qasm", bell_qasm);
    write_text("noisy.qasm", noisy_qasm);
    write_text("noise.json", noise_json);
    write_text("adapters.json", adapters_spec);
    write_text("qnn.json", qnn_spec);
    write_text("props_test3.json", props_test3);
    run_command("run bell.qasm --shots 1000 --seed 5 --observable 'Z0 Z1' --observable X0 "
                               "--amplitude 11 --amplitude 01 --probabilities", "bell-cli.json");
    run_command("run noisy.qasm --shots 2000 --seed 9 --noise noise.json --trajectories 12 "
                               "--observable 'Z0 Z2'", "noisy-cli.json");
    run_command("adapters adapters.json", "adapters-cli.json");
    run_command("qnn qnn.json", "qnn-cli.json");
    test_library();
    test_circuits();
    test_options();
    test_run_bell();
    test_run_noisy();
    test_adapters();
    test_qnn();
    test_finalize();
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0) diag("could not remove %s", dir);
    return done_testing();
}
