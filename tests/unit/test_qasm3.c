/* test_qasm3.c - the OpenQASM 3 front end: each construct read from a small
 * program of our own and checked against the same circuit written in
 * OpenQASM 2 (their unitaries, global phase included) or in the IR, and
 * every refused construct checked for its FILE:LINE:COL. */
#include <complex.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "gates.h"
#include "qasm.h"
#include "tap.h"

#define H3 "OPENQASM 3.0;\ninclude \"stdgates.inc\";\n"
#define H2 "OPENQASM 2.0;\ninclude \"qelib1.inc\";\n"

static circuit *parse(const char *text)
{
    circuit *c = NULL;
    if (qasm_parse_string(text, strlen(text), "t.qasm", &c) != TN_OK) diag("unexpected error: %s", tn_last_message());
    return c;
}

static void expect_error(const char *text, const char *where, const char *what, const char *label)
{
    circuit *c = NULL;
    int status = qasm_parse_string(text, strlen(text), "t.qasm", &c);
    const char *msg = tn_last_message();
    if (!ok(status == TN_ERR_INPUT && c == NULL && strstr(msg, where) && strstr(msg, what),
            "error: %s -> %s ... %s", label, where, what))
        diag("status %d, message: %s", status, msg);
    circ_destroy(&c);
}

/* The unitaries of two gate-only programs agree entry by entry (global phase
 * included) to 1e-12. */
static void same_unitary(const char *v3, const char *v2, const char *label)
{
    circuit *a = parse(v3), *b = parse(v2);
    double complex ua[1024], ub[1024];
    int fine = a && b && a->nqubits == b->nqubits && a->nqubits <= 5 && circ_small_unitary(a, ua) == TN_OK &&
               circ_small_unitary(b, ub) == TN_OK;
    double worst = fine ? 0 : INFINITY;
    int dim = fine ? 1 << a->nqubits : 0;
    for (int i = 0; i < dim * dim; i++) worst = fmax(worst, cabs(ua[i] - ub[i]));
    if (!ok(worst < 1e-12, "%s: OpenQASM 3 and 2 unitaries agree", label)) diag("largest difference %g", worst);
    circ_destroy(&a);
    circ_destroy(&b);
}

static void versions(void)
{
    circuit *c = parse("OPENQASM 3;\nqubit[2] q;\nbit[2] c;\nh q[0];\n");
    if (ok(c != NULL, "OPENQASM 3; (no minor version) is read")) {
        is_int(c->nqubits, 2, "qubit[2] q declares two qubits");
        is_int(c->nclbits, 2, "bit[2] c declares two bits");
    }
    circ_destroy(&c);
    c = parse(H3 "qubit a;\nqubit[2] b;\nbit m;\nqreg r[1];\ncreg d[3];\nx b[1];\n");
    if (ok(c != NULL, "qubit, bit and the old qreg/creg mix")) {
        is_int(c->nqubits, 4, "qubit a; qubit[2] b; qreg r[1]: four qubits");
        is_int(c->nclbits, 4, "bit m; creg d[3]: four bits");
        ok(c->nops == 1 && c->ops[0].qubits[0] == 2, "b[1] is global qubit 2");
    }
    circ_destroy(&c);
}

static void gates_and_modifiers(void)
{
    same_unitary(H3 "h $0;\ncx $0, $2;\nrz(0.2) $1;\n", H2 "qreg q[3];\nh q[0];\ncx q[0], q[2];\nrz(0.2) q[1];\n",
                 "physical qubits $0..$2 make a 3-qubit circuit");
    same_unitary(H3 "qubit[2] q;\nh q[0];\ncx q[0], q[1];\nU(0.1, 0.2, 0.3) q[1];\n",
                 H2 "qreg q[2];\nh q[0];\ncx q[0], q[1];\nU(0.1, 0.2, 0.3) q[1];\n", "stdgates and U");
    same_unitary(H3 "gate twirl(a, b) x, y { rz(a) x; cx x, y; ry(b) y; }\nqubit[2] q;\ntwirl(0.4, -1.1) q[1], q[0];\n",
                 H2 "qreg q[2];\nrz(0.4) q[1];\ncx q[1], q[0];\nry(-1.1) q[0];\n", "gate definition");
    same_unitary(H3 "qubit[2] q;\nctrl @ x q[1], q[0];\nctrl @ rz(0.3) q[0], q[1];\n",
                 H2 "qreg q[2];\ncx q[1], q[0];\ncrz(0.3) q[0], q[1];\n", "ctrl @");
    same_unitary(H3 "qubit[3] q;\nctrl(2) @ x q[2], q[0], q[1];\nctrl @ ctrl @ x q[0], q[1], q[2];\n",
                 H2 "qreg q[3];\nccx q[2], q[0], q[1];\nccx q[0], q[1], q[2];\n", "ctrl(2) @ and ctrl @ ctrl @");
    same_unitary(H3 "qubit[2] q;\nnegctrl @ p(0.9) q[0], q[1];\n", H2 "qreg q[2];\nx q[0];\ncp(0.9) q[0], q[1];\nx q[0];\n",
                 "negctrl @");
    same_unitary(H3 "qubit[1] q;\ninv @ s q[0];\ninv @ rx(0.5) q[0];\ninv @ inv @ t q[0];\n",
                 H2 "qreg q[1];\nsdg q[0];\nrx(-0.5) q[0];\nt q[0];\n", "inv @");
    same_unitary(H3 "qubit[1] q;\npow(2) @ t q[0];\npow(-3) @ s q[0];\npow(0) @ h q[0];\n",
                 H2 "qreg q[1];\ns q[0];\ns q[0];\n", "pow(k) @, k = 2, -3, 0");
    same_unitary(H3 "qubit[2] q;\nctrl @ inv @ sx q[0], q[1];\ninv @ ctrl @ sx q[1], q[0];\n",
                 H2 "qreg q[2];\ncsx q[0], q[1];\ncsx q[0], q[1];\ncsx q[0], q[1];\ncsx q[1], q[0];\ncsx q[1], q[0];\n"
                    "csx q[1], q[0];\n",
                 "ctrl @ inv @ and inv @ ctrl @");
    same_unitary(H3 "gate cc a, b, c { ctrl @ negctrl @ x a, b, c; }\nqubit[3] q;\ncc q[2], q[0], q[1];\n",
                 H2 "qreg q[3];\nx q[0];\nccx q[2], q[0], q[1];\nx q[0];\n", "modifiers inside a gate body");
    same_unitary(H3 "qubit[3] q;\npow(3) @ ctrl @ inv @ ctrl @ t q[0], q[1], q[2];\n",
                 /* CC-phase(-3pi/4) = cp(f/2) 1,2; cx 0,1; cp(-f/2) 1,2; cx 0,1; cp(f/2) 0,2 */
                 H2 "qreg q[3];\ncp(-3*pi/8) q[1], q[2];\ncx q[0], q[1];\ncp(3*pi/8) q[1], q[2];\ncx q[0], q[1];\n"
                    "cp(-3*pi/8) q[0], q[2];\n",
                 "pow(3) @ ctrl @ inv @ ctrl @ t is a doubly controlled phase(-3pi/4)");
    same_unitary(H3 "qubit[1] q;\nh q[0];\ngphase(0.25);\n", H2 "qreg q[1];\nh q[0];\nrz(-0.5) q[0];\np(0.5) q[0];\n",
                 "gphase");
    same_unitary(H3 "gate g(a) x { gphase(a); }\nqubit[2] q;\ng(0.7) q[1];\n",
                 H2 "qreg q[2];\nrz(-1.4) q[1];\np(1.4) q[1];\n", "gphase inside a gate body");
    same_unitary(H3 "qubit[2] q;\nctrl @ gphase(0.6) q[1];\n", H2 "qreg q[2];\np(0.6) q[1];\n", "ctrl @ gphase");
    same_unitary(H3 "qubit[1] q;\nh q[0];\ninv @ gphase(0.25);\n", H2 "qreg q[1];\nh q[0];\nrz(0.5) q[0];\np(-0.5) q[0];\n",
                 "inv @ gphase: the phase inverted");
    same_unitary(H3 "qubit[1] q;\nh q[0];\npow(3) @ gphase(0.25);\n", H2 "qreg q[1];\nh q[0];\nrz(-1.5) q[0];\np(1.5) q[0];\n",
                 "pow(3) @ gphase: the phase tripled");
    same_unitary(H3 "qubit[2] q;\nctrl @ h q[0], q[1];\n", H2 "qreg q[2];\nch q[0], q[1];\n", "ctrl @ h");
}

/* Modified gates that are built-ins run as them (a device calibration finds
 * them by name); the others are dense matrices. */
static void builtin_forms(void)
{
    circuit *c = parse(H3 "qubit[3] q;\nctrl @ x q[0], q[1];\nctrl(2) @ x q[0], q[1], q[2];\nctrl @ rz(0.2) q[2], q[0];\n"
                          "inv @ s q[0];\ninv @ rx(0.3) q[1];\nctrl @ U(0.1, 0.2, 0.3) q[1], q[2];\nnegctrl @ x q[0], q[1];\n"
                          "pow(2) @ s q[0];\n");
    if (ok(c && c->nops == 8, "eight modified gates")) {
        ok(c->ops[0].gate == GATE_CX && c->ops[1].gate == GATE_CCX, "ctrl @ x is cx, ctrl(2) @ x is ccx");
        ok(c->ops[2].gate == GATE_CRZ && c->ops[2].params[0] == 0.2 && c->ops[2].qubits[0] == 2, "ctrl @ rz(0.2) is crz(0.2)");
        ok(c->ops[3].gate == GATE_SDG && c->ops[4].gate == GATE_RX && c->ops[4].params[0] == -0.3,
           "inv @ s is sdg, inv @ rx(0.3) is rx(-0.3)");
        ok(c->ops[5].gate == GATE_CU3 && c->ops[5].params[2] == 0.3, "ctrl @ U is cu3");
        ok(c->ops[6].gate == GATE_UNITARY && c->ops[7].gate == GATE_UNITARY && c->ops[6].matrix,
           "negctrl @ x and pow(2) @ s are dense matrices");
    }
    circ_destroy(&c);
}

/* Modifiers broadcast over whole registers like any gate call. */
static void modifier_broadcast(void)
{
    expect_error(H3 "qubit[2] q;\nctrl @ x q, q;\n", "t.qasm:4:8", "appears twice", "ctrl @ x q, q repeats a qubit");
    same_unitary(H3 "qubit[2] a;\nqubit[2] b;\nctrl @ x a, b;\n", H2 "qreg a[2];\nqreg b[2];\ncx a, b;\n",
                 "ctrl @ broadcast over registers");
}

static void loops_and_inputs(void)
{
    same_unitary(H3 "qubit[4] q;\nfor uint i in [0:2] { cx q[i], q[i + 1]; }\nfor i in [3:-2:0] h q[i];\n"
                    "for int[32] k in [2:1] { x q[0]; }\n",
                 H2 "qreg q[4];\ncx q[0], q[1];\ncx q[1], q[2];\ncx q[2], q[3];\nh q[3];\nh q[1];\n",
                 "for over [a:b], [a:step:b] and an empty range");
    same_unitary(H3 "qubit[2] q;\nfor uint i in [0:1] { for uint j in [i:1] { rz(0.1 * (i + 2 * j)) q[j]; } }\n",
                 H2 "qreg q[2];\nrz(0) q[0];\nrz(0.2) q[1];\nrz(0.3) q[1];\n", "nested loops see both variables");
    expect_error(H3 "qubit q;\ngate g a { rx(i) a; }\nfor uint i in [0:1] { g q; }\n", "t.qasm:4:15",
                 "unknown identifier 'i'", "a loop variable is not visible inside a gate body");
    qasm_clear_params();
    expect_error(H3 "input float[64] theta;\nqubit q;\nrx(theta) q;\n", "t.qasm:3:17", "input 'theta' has no value",
                 "an unbound input is named");
    ok(qasm_bind_param("theta=0.25") == TN_OK && qasm_bind_param("phi=-1e-1") == TN_OK, "--param NAME=VALUE binds");
    ok(qasm_bind_param("theta") == TN_ERR_USAGE && qasm_bind_param("x=abc") == TN_ERR_USAGE &&
           qasm_bind_param("=1") == TN_ERR_USAGE,
       "--param without '=', a number or a name is refused");
    same_unitary(H3 "input float[64] theta;\ninput angle phi;\nqubit[1] q;\nrx(theta) q[0];\nrz(2 * phi) q[0];\n",
                 H2 "qreg q[1];\nrx(0.25) q[0];\nrz(-0.2) q[0];\n", "input float[64] and input angle from --param");
    qasm_clear_params();
}

static void measure_delay_reset(void)
{
    circuit *c = parse(H3 "qubit[3] q;\nbit[3] c;\nc[1] = measure q[2];\nc = measure q;\nmeasure q[0] -> c[0];\n"
                          "measure q -> c;\nreset q[1];\nbarrier q[0], q[2];\ndelay[100ns] q[0];\ndelay[20dt] q;\n"
                          "delay[1.5us] q[1];\n");
    if (ok(c != NULL, "measures, reset, barrier and delays")) {
        ok(c->ops[0].kind == OP_MEASURE && c->ops[0].qubits[0] == 2 && c->ops[0].clbit == 1, "c[1] = measure q[2]");
        ok(c->ops[3].kind == OP_MEASURE && c->ops[3].qubits[0] == 2 && c->ops[3].clbit == 2, "c = measure q broadcasts");
        ok(c->ops[4].kind == OP_MEASURE && c->ops[4].clbit == 0, "measure q[0] -> c[0]");
        ok(c->ops[8].kind == OP_RESET && c->ops[8].qubits[0] == 1, "reset q[1]");
        ok(c->ops[9].kind == OP_BARRIER && c->ops[9].nqubits == 2, "barrier q[0], q[2]");
        ok(c->ops[10].gate == GATE_DELAY && fabs(c->ops[10].params[0] - 1e-7) < 1e-20 && c->ops[10].params[1] == 0,
           "delay[100ns] is 1e-7 s");
        ok(c->ops[11].gate == GATE_DELAY && c->ops[11].params[0] == 20 && c->ops[11].params[1] == 1 &&
               c->ops[13].qubits[0] == 2,
           "delay[20dt] q is in dt, one per qubit");
        ok(fabs(c->ops[14].params[0] - 1.5e-6) < 1e-20, "delay[1.5us]");
        is_int((long)c->nops, 15, "fifteen operations");
    }
    circ_destroy(&c);
}

/* The ops' conditions as run.c evaluates them, for every value of c. */
static void conditions(void)
{
    circuit *c = parse(H3 "qubit[2] q;\nbit[2] c;\nif (c[1]) { x q[0]; } else { h q[0]; z q[1]; }\n"
                          "if (c == 2) x q[1];\nif (!c[0]) y q[0];\nif (c != 3) { s q[0]; } else t q[1];\n"
                          "if (c[0] == 0) sx q[0];\n");
    if (!ok(c != NULL && c->nops == 8, "if/else on a bit and a register, with and without braces")) {
        circ_destroy(&c);
        return;
    }
    /* which ops run, for c = 0, 1, 2, 3 (c[0] the low bit) */
    static const int want[8][4] = {
        {0, 0, 1, 1}, {1, 1, 0, 0}, {1, 1, 0, 0},   /* if (c[1]) x; else h; z */
        {0, 0, 1, 0},                               /* if (c == 2) */
        {1, 0, 1, 0},                               /* if (!c[0]) */
        {1, 1, 1, 0}, {0, 0, 0, 1},                 /* if (c != 3) s; else t */
        {1, 0, 1, 0},                               /* if (c[0] == 0) */
    };
    int all = 1;
    for (int v = 0; v < 4; v++) {
        unsigned char bits[2] = {(unsigned char)(v & 1), (unsigned char)(v >> 1)};
        for (int i = 0; i < 8; i++) {
            int runs = c->ops[i].cond_reg < 0 || circ_op_cond_holds(c, &c->ops[i], bits);
            if (runs != want[i][v]) { all = 0; diag("op %d with c = %d: runs %d, want %d", i, v, runs, want[i][v]); }
        }
    }
    ok(all, "every branch runs exactly for the values of c it should");
    circ_destroy(&c);
    c = parse(H3 "qubit[2] q;\nbit[2] c;\nfor uint i in [0:1] { c[i] = measure q[i]; if (c[i]) x q[i]; }\n");
    ok(c && c->nops == 4 && c->ops[1].cond_bit == 1 && c->ops[3].cond_bit == 2, "if inside a loop conditions on c[i]");
    circ_destroy(&c);
}

static void errors(void)
{
    static const char *const refused[][3] = {
        {"while (c[0]) { x q[0]; }\n", "t.qasm:5:1", "construct 'while' is not supported"},
        {"def f(qubit a) { x a; }\n", "t.qasm:5:1", "construct 'def' is not supported"},
        {"int[8] n = 3;\n", "t.qasm:5:1", "construct 'int' is not supported"},
        {"const float x = 1.0;\n", "t.qasm:5:1", "construct 'const' is not supported"},
        {"box { x q[0]; }\n", "t.qasm:5:1", "construct 'box' is not supported"},
        {"c[0] = 1;\n", "t.qasm:5:8", "construct 'classical assignment' is not supported"},
        {"for uint i in {0, 2} { x q[i]; }\n", "t.qasm:5:15", "construct 'for over a set' is not supported"},
        {"if (c[0]) { if (c[1]) x q[0]; }\n", "t.qasm:5:13", "construct 'nested if' is not supported"},
        {"pow(0.5) @ x q[0];\n", "t.qasm:5:5", "construct 'pow with a non-integer exponent' is not supported"},
        {"gate g a { x a; }\nctrl @ g q[0], q[1];\n", "t.qasm:6:8", "construct 'modifier on a custom gate' is not supported"},
        {"include \"mine.inc\";\n", "t.qasm:5:1", "construct 'include of a file other than stdgates.inc'"},
        {"bit[2] d = \"01\";\n", "t.qasm:5:10", "construct 'initialised declaration' is not supported"},
        {"if (c) x q[0];\n", "t.qasm:5:6", "construct 'condition other than"},
        {"ctrl(11) @ x q[0], q[1];\n", "t.qasm:5:6", "controls 11 is not in [1, 10]"},
        {"for i in [0:0:3] x q[0];\n", "t.qasm:5:11", "step other than 0"},
        {"for i in [0:9999999] { for j in [0:1] x q[0]; }\n", "t.qasm:5:34", "more than 10000000 times in all"},
        {"pow(65) @ x q[0];\n", "t.qasm:5:5", "the power 65 is not in [-64, 64]"},
        {"x q[2];\n", "t.qasm:5:5", "out of range"},
        {"ctrl @ x q[0] q[1];\n", "t.qasm:5:15", "expected ',' or ';'"},
        {"delay[5 fs] q[0];\n", "t.qasm:5:9", "unknown time unit 'fs'"},
        {"if (c[0]) { x q[0];\n", "t.qasm:5:11", "no closing '}'"},
        {"gate g a { x $0; }\ng q[0];\n", "t.qasm:5:14", "physical qubit '$0' is not allowed here"},
    };
    char text[512], label[64];
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
        snprintf(text, sizeof text, H3 "qubit[2] q;\nbit[2] c;\n%s", refused[i][0]);
        snprintf(label, sizeof label, "%.*s", (int)strcspn(refused[i][0], "\n"), refused[i][0]);
        expect_error(text, refused[i][1], refused[i][2], label);
    }
    expect_error(H2 "qreg q[1];\nx q[0]; @\n", "t.qasm:4:9", "unexpected character '@'", "'@' stays refused in OpenQASM 2");
    expect_error(H2 "qreg q[1];\ncreg c[1];\nif (c[0]) x q[0];\n", "t.qasm:5:6", "expected '==' in the condition", "if on a bit is OpenQASM 3 only");
    expect_error("OPENQASM 4.0;\nqubit q;\n", "t.qasm:1:10", "only 2.x and 3.x", "version 4");
}

int main(void)
{
    versions();
    gates_and_modifiers();
    modifier_broadcast();
    builtin_forms();
    loops_and_inputs();
    measure_delay_reset();
    conditions();
    errors();
    return done_testing();
}
