/* test_qasm.c - the OpenQASM 2 front end: every feature QASMBench uses, read
 * from small inline programs and checked in the IR, and every error, checked
 * for its FILE:LINE:COL; then the QASMBench inventory (qubits, clbits). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "gates.h"
#include "qasm.h"
#include "tap.h"

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
}

#define HEAD "OPENQASM 2.0;\ninclude \"qelib1.inc\";\n"

static void features(void)
{
    circuit *c = parse("// a comment before the header\n" HEAD "qreg q[3];\nqreg r[2];\ncreg c[3];\ncreg d[2];\n"
                       "h q; cx q[0],r[1];\r\nu3(pi/2, -pi*-2, 4.5e-1) q[2];\n"
                       "rz(-3*pi/8) r; measure q -> c;\n");
    if (c) {
        is_int(c->nqubits, 5, "two qregs flatten to 5 qubits");
        is_int(c->nclbits, 5, "two cregs flatten to 5 clbits");
        is_int((long)c->nops, 3 + 1 + 1 + 2 + 3, "broadcast h, cx, u3, broadcast rz, broadcast measure");
        ok(c->ops[0].gate == GATE_H && c->ops[2].qubits[0] == 2, "h q expands over q[0..2]");
        ok(c->ops[3].gate == GATE_CX && c->ops[3].qubits[0] == 0 && c->ops[3].qubits[1] == 4, "cx q[0],r[1] is qubits 0,4");
        is_double(c->ops[4].params[1], 2 * M_PI, 1e-15, "pi*-2 with unary minus after *");
        is_double(c->ops[4].params[2], 0.45, 1e-15, "scientific notation");
        is_double(c->ops[5].params[0], -3 * M_PI / 8, 1e-15, "-3*pi/8");
        ok(c->ops[9].kind == OP_MEASURE && c->ops[9].qubits[0] == 2 && c->ops[9].clbit == 2, "measure q -> c broadcasts");
        is_int(c->ops[4].line, 9, "ops record their line across CRLF");
        circ_destroy(&c);
    }
    c = parse(HEAD "gate inner(a) x { rz(a/2) x; }\ngate outer(a, b) x, y { inner(a) x; cx x, y; inner(b) y; }\n"
                   "gate unused(p) x { h x; }\nqreg q[2];\nouter(pi, 1) q[1], q[0];\nunused(0.3) q[0];\n");
    if (c) {
        is_int((long)c->nops, 4, "nested custom gates expand to 3 ops, plus one with an unused parameter");
        ok(c->ops[0].gate == GATE_RZ && c->ops[0].qubits[0] == 1, "outer's x is bound to q[1]");
        is_double(c->ops[0].params[0], M_PI / 2, 1e-15, "parameter a/2 with a = pi");
        is_double(c->ops[2].params[0], 0.5, 1e-15, "parameter b/2 with b = 1");
        circ_destroy(&c);
    }
    c = parse(HEAD "qreg q[2]; creg c[151];\nif(c==1427247692705959881058285969449495136382746624) x q[0];\n"
                   "if (c == 1) h q[1];\n");
    if (c) {
        ok(c->ops[0].cond_reg == 0, "if() records the register");
        const uint64_t *w = c->cond_words + c->ops[0].cond_value;
        ok(w[0] == 0 && w[1] == 0 && w[2] == (1ull << 22), "a 151-bit condition value 2^150 is stored in 64-bit words");
        unsigned char bits[151] = {0};
        bits[0] = 1;
        ok(circ_cond_holds(c, 0, c->ops[1].cond_value, bits), "c == 1 holds when only c[0] is set");
        bits[150] = 1;
        ok(!circ_cond_holds(c, 0, c->ops[1].cond_value, bits), "c == 1 fails when c[150] is set too");
        circ_destroy(&c);
    }
    c = parse(HEAD "qreg q[5];\nsx q[0]; sxdg q[1]; rzz(0.1) q[0],q[1]; rxx(0.2) q[1],q[2]; ryy(0.3) q[2],q[3];\n"
                   "cp(0.4) q[0],q[4]; csx q[1],q[2]; cu3(1,2,3) q[3],q[4]; cu(1,2,3,4) q[0],q[1];\n"
                   "u1(0.5) q[0]; u2(0.1,0.2) q[1]; id q[2]; u0(3) q[2]; ccx q[0],q[1],q[2]; cswap q[2],q[3],q[4];\n"
                   "c3x q[0],q[1],q[2],q[3]; c4x q[0],q[1],q[2],q[3],q[4]; rccx q[0],q[1],q[2]; reset q[0]; barrier q;\n"
                   "U(1,2,3) q[0]; CX q[0],q[1];\n");
    if (c) {
        ok(c->ops[0].gate == GATE_SX && c->ops[1].gate == GATE_SXDG && c->ops[2].gate == GATE_RZZ, "sx sxdg rzz");
        ok(c->ops[5].gate == GATE_CP && c->ops[6].gate == GATE_CSX && c->ops[7].gate == GATE_CU3 &&
           c->ops[8].gate == GATE_CU, "cp csx cu3 cu");
        ok(c->ops[9].gate == GATE_P && c->ops[10].gate == GATE_U2 && c->ops[11].gate == GATE_ID, "u1 is p, u2, id");
        ok(c->ops[15].gate == GATE_UNITARY && c->ops[15].nqubits == 4, "c3x is an exact 4-qubit block");
        ok(c->ops[16].gate == GATE_UNITARY && c->ops[16].nqubits == 5, "c4x is an exact 5-qubit block");
        circ_destroy(&c);
    }
    c = parse("qreg q[1];\nx q[0];\n");
    ok(c != NULL, "a file without the OPENQASM header is read as OpenQASM 2 (QASMBench sat_n11)");
    circ_destroy(&c);
}

static void errors(void)
{
    expect_error(HEAD "qreg q[2];\nfoo q[0];\n", "t.qasm:4:1", "unknown gate 'foo'", "unknown gate");
    expect_error(HEAD "qreg q[2];\nrx(1,2) q[0];\n", "t.qasm:4:1", "expected 1, got 2", "wrong parameter count");
    expect_error(HEAD "qreg q[2];\ncx q[0];\n", "t.qasm:4:1", "expected 2, got 1", "wrong qubit count");
    expect_error(HEAD "qreg q[5];\nx q[5];\n", "t.qasm:4:5", "index 5 is out of range for register q[5]", "index range");
    expect_error(HEAD "qreg r[2];\ncreg c[2];\nmeasure q[0] -> c[0];\n", "t.qasm:5:9", "'q' is not declared",
                 "undeclared register");
    expect_error(HEAD "qreg q[2];\ncx q[0],q[0];\n", "t.qasm:4:1", "appears twice", "duplicate qubit");
    expect_error(HEAD "qreg q[2];\nh q[0]\ncx q[0],q[1];\n", "t.qasm:5:1", "expected ';'", "missing semicolon");
    expect_error(HEAD "qreg q[2];\nqreg q[3];\n", "t.qasm:4:6", "declared twice", "register declared twice");
    expect_error(HEAD "qreg a[2]; qreg b[3];\ncx a, b;\n", "t.qasm:4:", "has size 3", "broadcast size mismatch");
    expect_error(HEAD "gate g x { g x; }\nqreg q[1];\ng q[0];\n", "t.qasm:", "nests more than", "recursive gate");
    expect_error(HEAD "opaque magic a;\nqreg q[1];\nmagic q[0];\n", "t.qasm:5:1", "opaque", "opaque gate applied");
    expect_error(HEAD "qreg q[1];\nrx(1/0) q[0];\n", "t.qasm:4:4", "not finite", "infinite parameter");
    expect_error(HEAD "qreg q[1];\nrx(foo) q[0];\n", "t.qasm:4:4", "unknown identifier 'foo'", "unknown identifier");
    expect_error(HEAD "qreg q[1]; creg c[2];\nif(c==4) x q[0];\n", "t.qasm:4:7", "does not fit a 2-bit register",
                 "condition too wide");
    expect_error("OPENQASM 4.0;\nqreg q[1];\n", "t.qasm:1:10", "only 2.x and 3.x", "version 4");
    expect_error(HEAD "include \"nowhere.inc\";\n", "t.qasm:3:9", "cannot open included file", "missing include");
    expect_error(HEAD "qreg q[1];\nx q[0]; @\n", "t.qasm:4:9", "unexpected character '@'", "stray character");
    expect_error(HEAD "qreg q[1];\nx q[0];\n\x01", "t.qasm:5:1", "unexpected byte 0x01", "control byte");
    expect_error(HEAD "gate g x { h x;\nqreg q[1];\n", "t.qasm:3:6", "no closing '}'", "unterminated gate body");
    expect_error(HEAD "qreg q[1];\nmeasure q[0];\n", "t.qasm:4:13", "expected '->'", "measure without arrow");
    expect_error(HEAD "qreg q[0];\n", "t.qasm:3:8", "out of range [1,", "empty register");
    expect_error(HEAD "creg c[1];\n", "t.qasm:1:1", "declares no qubits", "no qubits");
    expect_error(HEAD "qreg q[2];\ngate g a { measure a -> a; }\n", "t.qasm:4:12", "not allowed inside a gate body",
                 "measure in gate body");
    const char nul[] = "OPENQASM 2.0;\nqreg q[1];\nx q[0];\0x q[0];\n";
    circuit *c = NULL;
    int status = qasm_parse_string(nul, sizeof nul - 1, "t.qasm", &c);
    ok(status == TN_ERR_INPUT && strstr(tn_last_message(), "t.qasm:3:8: error: unexpected byte 0x00"),
       "error: a NUL byte is refused at its position");
    status = qasm_parse_file("/nonexistent/x.qasm", &c);
    ok(status == TN_ERR_IO && strstr(tn_last_message(), "cannot open /nonexistent/x.qasm"), "a missing file is an I/O error");
}

/* rx(OPEN 1 CLOSE) q[0]; with OPEN repeated n times (and CLOSE, if any). */
static char *nested(const char *open, const char *close, int n)
{
    size_t size = strlen(HEAD) + 64 + (size_t)n * (strlen(open) + strlen(close));
    char *text = malloc(size);
    if (!text) return NULL;
    char *at = text + sprintf(text, HEAD "qreg q[1];\nrx(");
    for (int i = 0; i < n; i++) at += sprintf(at, "%s", open);
    at += sprintf(at, "1");
    for (int i = 0; i < n; i++) at += sprintf(at, "%s", close);
    sprintf(at, ") q[0];\n");
    return text;
}

/* Hostile nesting ends in an error at its position, not in a stack overflow;
 * the same bound (INPUT_MAX_EXPR_DEPTH, 200) as OriginIR's. */
static void expression_depth(void)
{
    static const struct { const char *open, *close, *label; int levels; } kinds[] = {
        {"(", ")", "parentheses", 1}, {"-", "", "unary minus", 1}, {"+", "", "unary plus", 1},
        {"sin(", ")", "function calls", 1}, {"1^", "", "exponents", 1}, {"-(", ")", "signs and parentheses", 2}};
    for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
        int most = 200 / kinds[k].levels;
        char *fine = nested(kinds[k].open, kinds[k].close, most), *deep = nested(kinds[k].open, kinds[k].close, 100000);
        circuit *c = NULL;
        ok(fine && qasm_parse_string(fine, strlen(fine), "t.qasm", &c) == TN_OK, "%s %d deep parse", kinds[k].label,
           most);
        circ_destroy(&c);
        if (deep) expect_error(deep, "t.qasm:4:", "expression nests more than 200 deep", kinds[k].label);
        free(fine);
        free(deep);
    }
    char *minus = nested("-", "", 201);
    circuit *c = NULL;
    if (minus) expect_error(minus, "t.qasm:4:205", "expression nests more than 200 deep", "201 signs: the first past 200");
    free(minus);
    minus = nested("-", "", 200);
    if (minus && qasm_parse_string(minus, strlen(minus), "t.qasm", &c) == TN_OK)
        is_double(c->ops[0].params[0], 1, 0, "200 minus signs make +1");
    circ_destroy(&c);
    free(minus);
}

/* Gates that call gates twice, 30 deep, stop at INPUT_MAX_OPS (4194304)
 * operations with an error at the call instead of taking all memory. */
static void expansion_bomb(void)
{
    char text[4096];
    int at = snprintf(text, sizeof text, HEAD "gate g0 a { x a; }\n");
    for (int i = 1; i <= 30; i++) at += snprintf(text + at, sizeof text - at, "gate g%d a { g%d a; g%d a; }\n", i, i - 1, i - 1);
    snprintf(text + at, sizeof text - at, "qreg q[1];\ng30 q[0];\n");
    expect_error(text, "t.qasm:35:1", "the program expands to more than 4194304 operations", "a doubling gate 30 deep");
}

/* A UTF-8 byte-order mark (Windows editors write one) is skipped; columns
 * count from the character after it. A directory is refused as one. */
static void byte_order_mark(void)
{
    circuit *c = parse("\xef\xbb\xbf" HEAD "qreg q[1];\nh q[0];\n");
    ok(c && c->nops == 1, "a byte-order mark before OPENQASM is skipped");
    circ_destroy(&c);
    expect_error("\xef\xbb\xbf" "OPENQASM 2.0;\nqreg q[1];\nh q[0] @\n", "t.qasm:3:8", "unexpected character '@'",
                 "positions after a byte-order mark");
    expect_error(HEAD "qreg q[1];\n\xef\xbb\xbf" "h q[0];\n", "t.qasm:4:1", "unexpected byte 0xef",
                 "a byte-order mark is skipped only at the start");
    int status = qasm_parse_file("/", &c);
    ok(status == TN_ERR_INPUT && c == NULL && strstr(tn_last_message(), "/: Is a directory"), "a directory is bad input");
}

/* Qubits and clbits of every ok file against INVENTORY.tsv. */
static void inventory(void)
{
    const char *root = getenv("TNEMU_SHARED_DATA");
    if (!root) root = "../shared/data";
    char path[1024];
    snprintf(path, sizeof path, "%s/qasmbench/INVENTORY.tsv", root);
    FILE *f = fopen(path, "r");
    if (!f) { skip("shared data absent (%s)", path); return; }
    char line[8192];
    int checked = 0, agree = 0;
    if (!fgets(line, sizeof line, f)) { fclose(f); return; }
    while (fgets(line, sizeof line, f)) {
        char file[512], *fields[32];
        int nf = 0;
        for (char *tok = strtok(line, "\t\n"); tok && nf < 32; tok = strtok(NULL, "\t\n")) fields[nf++] = tok;
        if (nf < 21 || strcmp(fields[20], "ok") != 0) continue;
        snprintf(file, sizeof file, "%s/qasmbench/%s", root, fields[0]);
        circuit *c;
        if (qasm_parse_file(file, &c) != TN_OK) {
            if (strstr(file, "hhl_n10") || strstr(file, "vqe_uccsd")) continue;   /* the known-broken ones */
            diag("%s: %s", fields[0], tn_last_message());
            checked++;
            continue;
        }
        checked++;
        if (c->nqubits == atoi(fields[2]) && c->nclbits == atoi(fields[4])) agree++;
        else diag("%s: %d qubits %d clbits, inventory says %s and %s", fields[0], c->nqubits, c->nclbits, fields[2], fields[4]);
        circ_destroy(&c);
    }
    fclose(f);
    ok(checked > 100 && agree == checked, "%d of %d QASMBench files have the inventory's qubit and clbit counts", agree,
       checked);
}


/* Qiskit's exporter writes `include "qelib1.inc";` plus a `gate` definition
 * for every standard gate qelib1 lacks; those whose names the gate table
 * knows must come out as the built-in gate (so calibrations find them by
 * name), and a bare delay as dt beside `opaque delay`. */
static void qiskit_exports(void)
{
    circuit *c = parse(HEAD
        "gate dcx q0,q1 { cx q0,q1; cx q1,q0; }\n"
        "gate r(param0,param1) q0 { u3(param0,param1 - pi/2,-param1 + pi/2) q0; }\n"
        "gate xx_minus_yy(param0,param1) q0,q1 { rz(-param1) q1; rz(-pi/2) q0; sx q0; rz(pi/2) q0; s q1; cx q0,q1;"
        " ry(0.5*param0) q0; ry(-0.5*param0) q1; cx q0,q1; sdg q1; rz(-pi/2) q0; sxdg q0; rz(pi/2) q0; rz(param1) q1; }\n"
        "gate xx_plus_yy(param0,param1) q0,q1 { rz(param1) q0; sdg q1; sx q1; s q1; s q0; cx q1,q0; ry(-0.5*param0) q1;"
        " ry(-0.5*param0) q0; cx q1,q0; sdg q0; sdg q1; sxdg q1; s q1; rz(-param1) q0; }\n"
        "qreg q[3];\ndcx q[1],q[2]; r(0.3,1.1) q[0]; xx_minus_yy(0.7,0.2) q[0],q[1]; xx_plus_yy(1.3,-0.4) q[1],q[2];\n");
    ok(c && c->nops == 4 && c->ops[0].gate == GATE_DCX && c->ops[1].gate == GATE_R && c->ops[2].gate == GATE_XX_MINUS_YY &&
       c->ops[3].gate == GATE_XX_PLUS_YY, "Qiskit's definitions of dcx, r, xx_minus_yy, xx_plus_yy agree with the built-ins");
    circ_destroy(&c);
    c = parse(HEAD
        "gate rzx(param0) q0,q1 { h q1; cx q0,q1; rz(param0) q1; cx q0,q1; h q1; }\n"
        "gate ecr q0,q1 { rzx(pi/4) q0,q1; x q0; rzx(-pi/4) q0,q1; }\n"
        "opaque delay(param0) q0;\nqreg q[4];\n"
        "ecr q[0],q[1]; rzx(0.9) q[2],q[0]; dcx q[1],q[2]; xx_minus_yy(1,2) q[0],q[2]; r(0.1,0.2) q[3];\n"
        "delay(100) q[0]; delay(1.5e-7s) q[1]; delay(30ns) q; rcccx q[0],q[1],q[2],q[3];\n");
    if (!ok(c != NULL, "a Qiskit export with ecr/rzx definitions, standard gates and delays parses")) return;
    int want[] = {GATE_ECR, GATE_RZX, GATE_DCX, GATE_XX_MINUS_YY, GATE_R};
    int same = 1;
    for (int i = 0; i < 5; i++) same = same && c->ops[i].gate == want[i];
    ok(same && fabs(c->ops[1].params[0] - 0.9) < 1e-15,
       "ecr, rzx (both defined in the file), dcx, xx_minus_yy and r are the built-in gates, one op each");
    const circ_op *d = &c->ops[5];
    ok(d->gate == GATE_DELAY && d->params[0] == 100 && d->params[1] == 1, "delay(100): 100 dt (Qiskit's unit)");
    d = &c->ops[6];
    ok(d->gate == GATE_DELAY && fabs(d->params[0] - 1.5e-7) < 1e-22 && d->params[1] == 0, "delay(1.5e-7s): seconds");
    int broadcast = 0;
    for (int i = 7; i < 11; i++) broadcast += c->ops[i].gate == GATE_DELAY && fabs(c->ops[i].params[0] - 30e-9) < 1e-22;
    is_int(broadcast, 4, "delay(30ns) q: one delay per qubit of the register");
    circ_destroy(&c);
    expect_error(HEAD "gate ecr a,b { cx a,b; }\nqreg q[2];\necr q[0],q[1];\n", "t.qasm:5:1",
                 "the definition of gate 'ecr' is not the standard ecr", "an ecr definition that is not ECR");
    expect_error(HEAD "gate rzx a,b { cx a,b; }\nqreg q[2];\nrzx q[0],q[1];\n", "t.qasm:5:1",
                 "gate 'rzx' is defined with 2 qubit(s) and 0 parameter(s), but the standard rzx takes 2 and 1",
                 "a standard name defined with other parameters");
    expect_error(HEAD "qreg q[1];\ndelay(5fs) q[0];\n", "t.qasm:4:8", "unknown time unit 'fs'", "delay in femtoseconds");
    expect_error(HEAD "qreg q[1];\ndelay(-5ns) q[0];\n", "t.qasm:4:7", "not a duration >= 0", "a negative delay");
}

int main(void)
{
    features();
    qiskit_exports();
    errors();
    expression_depth();
    expansion_bomb();
    byte_order_mark();
    inventory();
    return done_testing();
}
