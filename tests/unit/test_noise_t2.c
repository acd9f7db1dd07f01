/* test_noise_t2.c - --t2 on Origin chip configurations: which T2 (the Ramsey
 * "T2" or the echo "Ts2") sets the dephasing of the thermal relaxation
 * channels, the fallback to the other one when the chosen is missing, and
 * the refusals. Uses a small cloud-format fixture written to a temp dir. */
#include <complex.h>
#include <math.h>
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "error.h"
#include "gates.h"
#include "noise.h"
#include "tap.h"

#define GATE_NS 30.0   /* the Origin one-qubit gate time (no QGateClock in the fixture) */

/* Three qubits: 0 has both T2s; 1 has no echo T2 (Ts2 0.00); 2 no Ramsey T2
 * (T2 0). Fidelity 1: no depolarizing, the rule is the relaxation alone. */
static const char *fixture =
    "{\"qubitNum\": 3,\n"
    " \"adjJSON\": {\n"
    "  \"0\": {\"T1\": \"20.0\", \"T2\": \"1.00\", \"Ts2\": \"8.00\", \"averageFidelity\": \"1.0\", "
    "\"readFidelity\": \"0.99/0.98\"},\n"
    "  \"1\": {\"T1\": \"20.0\", \"T2\": \"4.00\", \"Ts2\": \"0.00\", \"averageFidelity\": \"1.0\", "
    "\"readFidelity\": \"0.99/0.98\"},\n"
    "  \"2\": {\"T1\": \"20.0\", \"T2\": \"0\", \"Ts2\": \"6.00\", \"averageFidelity\": \"1.0\", "
    "\"readFidelity\": \"0.99/0.98\"}},\n"
    " \"gateJSON\": {\"0_1\": {\"fidelity\": \"0.98\"}}}\n";

static char dir[64], path[128];

static int write_fixture(const char *text)
{
    FILE *f = fopen(path, "w");
    if (!f) return 0;
    fputs(text, f);
    return fclose(f) == 0;
}

/* <0| E(|0><1|) |1>: how much of a coherence the rule's channels keep. */
static double coherence_kept(const noise_rule *r)
{
    double complex keep = 1;
    for (int a = 0; a < r->napply; a++) {
        double complex *ops = NULL, sum = 0;
        int nops = 0;
        if (channel_kraus_ops(&r->apply[a].ch, &ops, &nops) != TN_OK) return NAN;
        for (int i = 0; i < nops; i++) sum += ops[4 * i] * conj(ops[4 * i + 3]);
        free(ops);
        keep *= sum;
    }
    return creal(keep);
}

static const noise_rule *x_rule(const noise_model *m, int q)
{
    circ_op op;
    memset(&op, 0, sizeof op);
    op.kind = OP_GATE;
    op.gate = GATE_X;
    op.nqubits = 1;
    op.qubits[0] = q;
    return noise_lookup(m, &op);
}

/* Under `t2`, qubit q relaxes with T2 = want_us: in the model and in the
 * gate's channel, whose coherence decays by exp(-t / T2). */
static void check_choice(noise_t2 t2, const char *name, int q, double want_us, int want_fallback)
{
    noise_model *m = NULL;
    if (!ok(noise_load_t2(path, NULL, 1, t2, &m) == TN_OK, "--t2 %s: the fixture loads", name)) {
        diag("%s", tn_last_message());
        return;
    }
    const noise_rule *r = x_rule(m, q);
    double kept = r ? coherence_kept(r) : NAN;
    is_double(noise_qubit_params(m, q)->t2, want_us * 1e-6, 1e-18, "--t2 %s: qubit %d relaxes with T2 %g us", name, q,
              want_us);
    is_double(kept, exp(-GATE_NS * 1e-3 / want_us), 1e-12,
              "--t2 %s: qubit %d's x keeps coherence exp(-30 ns / %g us) in its channel", name, q, want_us);
    noise_t2 used = t2 == NOISE_T2_DEFAULT ? NOISE_T2_MEASURED : t2;
    int other = used == NOISE_T2_ECHO ? 1 : 2;   /* the qubit lacking the chosen T2 */
    ok(m->t2_kind == used && m->t2_fallback == want_fallback && noise_qubit_params(m, other)->t2_other &&
       !noise_qubit_params(m, 3 - other)->t2_other && !noise_qubit_params(m, 0)->t2_other,
       "--t2 %s: the model records its T2 and %d qubit (%d) falling back to the other", name, want_fallback, other);
    noise_destroy(&m);
}

static void check_refusals(void)
{
    noise_t2 t2 = NOISE_T2_DEFAULT;
    ok(noise_parse_t2("option --t2", "foo", &t2) == TN_ERR_USAGE &&
       strstr(tn_last_message(), "option --t2: 'foo' is not one of: ramsey, echo") != NULL,
       "--t2 foo is a usage error naming ramsey and echo");
    tn_clear_error();
    char tnemu_path[160];
    snprintf(tnemu_path, sizeof tnemu_path, "%s/tnemu-noise.json", dir);
    FILE *f = fopen(tnemu_path, "w");
    if (f) { fputs("{\"format\": \"tnemu-noise\"}", f); fclose(f); }
    noise_model *m = NULL;
    ok(noise_load_t2(tnemu_path, NULL, 1, NOISE_T2_ECHO, &m) == TN_ERR_USAGE && !m &&
       strstr(tn_last_message(), "Origin chip configurations") != NULL,
       "--t2 echo on a tnemu noise model (one T2 per qubit) is refused");
    tn_clear_error();
    ok(noise_load_t2(tnemu_path, NULL, 1, NOISE_T2_DEFAULT, &m) == TN_OK && m && m->t2_kind == NOISE_T2_DEFAULT,
       "a tnemu noise model without --t2 loads, its T2 as given");
    noise_destroy(&m);
    remove(tnemu_path);
    write_fixture("{\"qubitNum\": 1, \"adjJSON\": {\"0\": {\"T1\": \"20\", \"averageFidelity\": \"0.999\", "
                  "\"readFidelity\": \"0.99/0.98\"}}}");
    ok(noise_load_t2(path, NULL, 1, NOISE_T2_ECHO, &m) == TN_ERR_INPUT && strstr(tn_last_message(), "T2 or Ts2"),
       "a cloud qubit with neither T2 nor Ts2 is refused naming both");
    tn_clear_error();
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    snprintf(dir, sizeof dir, "/tmp/tnemu_t2_XXXXXX");
    if (!mkdtemp(dir)) { printf("Bail out! cannot make a temp dir\n"); return 1; }
    snprintf(path, sizeof path, "%s/cloud_chip_config.json", dir);
    if (!ok(write_fixture(fixture), "the Origin fixture is written")) return 1;
    check_choice(NOISE_T2_RAMSEY, "ramsey", 0, 1.0, 1);
    check_choice(NOISE_T2_ECHO, "echo", 0, 8.0, 1);
    check_choice(NOISE_T2_ECHO, "echo", 1, 4.0, 1);     /* no Ts2: the Ramsey T2 */
    check_choice(NOISE_T2_RAMSEY, "ramsey", 2, 6.0, 1); /* no T2: the echo Ts2 */
    check_choice(NOISE_T2_DEFAULT, "(default)", 0, 8.0, 1);   /* echo: the documented default */
    check_refusals();
    remove(path);
    rmdir(dir);
    int status = done_testing();
    MPI_Finalize();
    return status;
}
