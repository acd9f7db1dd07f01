/* test_progress.c - progress lines (src/progress.c): every line fits an
 * 80-column terminal whatever the numbers, and the work model of gates:
 *  (a) on a circuit whose bonds grow exactly as the model says (RY on every
 *      qubit, then CZ on neighbours: a CZ doubles a generic bond), the work
 *      predicted before the first gate equals the work counted at the end,
 *      the fraction done never goes back and ends at 1, and it lags the
 *      fraction of gates (late gates on large bonds cost more), which a count
 *      of gates would not show;
 *  (b) a bond cap (--chi 4) caps the model's bonds: less work predicted,
 *      and again exactly the work counted;
 *  (c) a resumed run (progress_gates_resumed) starts at the fraction the
 *      uninterrupted run had at that gate.
 * No timing is asserted: lines are due only after `every` seconds, and the
 * model's numbers do not depend on time. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "circuit.h"
#include "error.h"
#include "mps.h"
#include "progress.h"
#include "qasm.h"
#include "tap.h"

#define N 12
#define LAYERS 6
#define NEVER 1e9   /* progress on, no line ever due (off a terminal) */

static void check_widths(void)
{
    const char *whats[] = {"gates", "prefix gates", "trajectories", "shots"};
    const long counts[] = {0, 7, 123456, 1000000000L, LONG_MAX};
    const int bonds[] = {1, 4096, 1048576, INT_MAX};
    const double seconds[] = {0, 59.4, 3599, 86400 * 365.0, 1e9, -1};
    const char *endings[] = {NULL, "done", "stopped"};
    size_t worst = 0, lines = 0;
    int full_typical = 0;
    char line[256];
    for (size_t w = 0; w < 4; w++)
        for (size_t c = 0; c < 5; c++)
            for (size_t b = 0; b < 4; b++)
                for (size_t s = 0; s < 6; s++)
                    for (size_t e = 0; e < 3; e++) {
                        progress_format(line, sizeof line, whats[w], counts[c], counts[c], 100.0, bonds[b], 0.123456,
                                        seconds[s], seconds[5 - s], endings[e]);
                        if (strlen(line) > worst) worst = strlen(line);
                        lines++;
                    }
    ok(worst <= 79, "%zu lines with extreme numbers: the longest has %zu characters (at most 79)", lines, worst);
    progress_format(line, sizeof line, "gates", 1234, 5678, 40, 256, 0.987654, 65, 250000, NULL);
    full_typical = strcmp(line, "tnemu: gates 1234/5678 40.0%, bond 256, fidelity 0.987654, 1m05s, ETA 69h26m") == 0;
    ok(full_typical, "typical numbers keep every field: '%s'", line);
    progress_format(line, sizeof line, "trajectories", 1234567, 9999999, 12.3, 16384, 0.987654, 3725, 250000, NULL);
    ok(strstr(line, "1234567/9999999 12.3%") && strstr(line, "ETA 69h26m") && strlen(line) <= 79,
       "large numbers drop fields but keep the counts, share and ETA: '%s'", line);
    progress_format(line, sizeof line, "gates", 5, 5, 100, 2, 1, 12, 0, "done");
    ok(strcmp(line, "tnemu: gates 5/5 100.0%, bond 2, fidelity 1.000000, 12s, done") == 0, "the last line: '%s'", line);
}

/* RY(angle) on every qubit, then CZ on even (odd) neighbours, LAYERS times. */
static circuit *growing_circuit(void)
{
    char text[16384];
    size_t len = (size_t)snprintf(text, sizeof text, "OPENQASM 2.0;\ninclude \"qelib1.inc\";\nqreg q[%d];\n", N);
    for (int l = 0; l < LAYERS; l++) {
        for (int q = 0; q < N; q++) len += (size_t)snprintf(text + len, sizeof text - len, "ry(%.3f) q[%d];\n", 0.3 + 0.17 * q + 0.41 * l, q);
        for (int q = l % 2; q + 1 < N; q += 2) len += (size_t)snprintf(text + len, sizeof text - len, "cz q[%d],q[%d];\n", q, q + 1);
    }
    circuit *c = NULL;
    if (qasm_parse_string(text, len, "growing.qasm", &c) != TN_OK) return NULL;
    return c;
}

/* Applies ops [0, upto) of c to m, reporting to p when p is given; fraction[i] is the fraction after op i. */
static int run(const circuit *c, mps *m, progress *p, size_t upto, double *fraction)
{
    for (size_t i = 0; i < upto; i++) {
        if (p) progress_gate(p, m, i);
        if (mps_apply_op(m, &c->ops[i]) != TN_OK) return 0;
        if (p) progress_gate_done(p, m);
        if (p && fraction) fraction[i] = progress_fraction(p, m);
    }
    return 1;
}

int main(void)
{
    check_widths();

    circuit *c = growing_circuit();
    if (!ok(c != NULL, "the test circuit parses")) return done_testing();
    size_t nops = c->nops, half = nops / 2;
    double *fraction = calloc(nops, sizeof *fraction);
    mps_trunc exact = {0, 0};
    mps *m = NULL;
    progress p;

    /* (a) the model is exact here: predicted = counted */
    mps_create(N, NULL, &exact, &m);
    progress_start_gates(&p, 0, NEVER, c, 0, nops, 0, "gates");
    int ran = run(c, m, &p, nops, fraction);
    ok(ran, "the circuit runs");
    is_int(p.done, p.total, "the gates counted (%ld) are every gate of the circuit", p.total);
    is_int(p.total, (long)nops, "the circuit has no operation but gates: the count is its %zu gates", nops);
    int monotone = 1;
    for (size_t i = 1; i < nops; i++) monotone &= fraction[i] >= fraction[i - 1] - 1e-12;
    ok(monotone, "the fraction of work done never goes back");
    ok(fraction[half - 1] < 0.35, "after half the gates only %.3f of the work is done (late gates on larger bonds)",
       fraction[half - 1]);
    double counted = p.work_done;
    progress_end(&p, m);
    mps_destroy(&m);

    /* the work predicted at the start equals the work counted: bonds doubled exactly as modelled */
    mps_create(N, NULL, &exact, &m);
    progress_start_gates(&p, 0, NEVER, c, 0, nops, 0, "gates");
    run(c, m, &p, 1, NULL);   /* one RY: no bond changes, so what is left is the prediction from |0...0> */
    double predicted = p.work_done / progress_fraction(&p, m);
    is_double(predicted, counted, 1e-9 * counted, "the work predicted at the first gate equals the work counted at the end (%g)",
              counted);
    progress_end(&p, m);
    mps_destroy(&m);

    /* (b) a cap of 4 on every bond: less work predicted, and counted */
    mps_trunc capped = {4, 0};
    mps_create(N, NULL, &capped, &m);
    progress_start_gates(&p, 0, NEVER, c, 0, nops, 4, "gates");
    run(c, m, &p, 1, NULL);
    double predicted_capped = p.work_done / progress_fraction(&p, m);
    progress_end(&p, m);
    mps_destroy(&m);
    mps_create(N, NULL, &capped, &m);
    progress_start_gates(&p, 0, NEVER, c, 0, nops, 4, "gates");
    run(c, m, &p, nops, NULL);
    ok(predicted_capped < counted, "with --chi 4 the model predicts less work (%g vs %g)", predicted_capped, counted);
    is_double(predicted_capped, p.work_done, 1e-9 * p.work_done, "and exactly the work counted with the cap");
    progress_end(&p, m);
    mps_destroy(&m);

    /* (c) resumed after half the ops: the fraction the uninterrupted run had there */
    mps_create(N, NULL, &exact, &m);
    run(c, m, NULL, half, NULL);
    size_t *done = malloc(half * sizeof *done);
    for (size_t i = 0; i < half; i++) done[i] = i;
    progress_start_gates(&p, 0, NEVER, c, 0, nops, 0, "gates");
    progress_gates_resumed(&p, m, done, half);
    is_int(p.done, (long)half, "a resumed run counts the %zu gates done before", half);
    is_double(progress_fraction(&p, m), fraction[half - 1], 1e-9, "and starts at the fraction the uninterrupted run had");
    progress_end(&p, m);
    mps_destroy(&m);

    free(done);
    free(fraction);
    circ_destroy(&c);
    return done_testing();
}
