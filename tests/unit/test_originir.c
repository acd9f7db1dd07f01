/* test_originir.c - the OriginIR front end (src/originir.c).
 *
 * Every gate is checked three ways on a generic 4-qubit state: against an
 * independent OriginIR interpreter written here (QPanda's matrices typed in
 * from their definitions, DAGGER and CONTROL applied the way QPanda's
 * simulator does: a dagger flag and a control list carried down the block
 * tree), against an OpenQASM 2 equivalent read by qasm_parse_string, and, for
 * the conventions that differ from Qiskit's, against amplitudes worked out by
 * hand. Then the features (QGATE, nested blocks, broadcast, expressions),
 * every error message with its FILE:LINE:COL, the samples of INDEX.tsv (each
 * parses unless flagged; those of at most 20 qubits give the interpreter's
 * state to 1e-10) and the qprog strings of the Wukong hardware results.
 * Shared data are read from $TNEMU_SHARED_DATA or ../shared/data.
 * Not for: the command line (tests/cli_originir.t). */
#include <complex.h>
#include <dirent.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "gates.h"
#include "originir.h"
#include "qasm.h"
#include "statevec.h"
#include "tap.h"

#define TOL 1e-10
#define MAX_QUBITS 20
#define OUTCOME_BIAS 1e-6   /* measure outcome: 1 iff P(1) > 1/2 + this, on both sides */

/* ---- the independent interpreter ------------------------------------------ */

typedef struct {
    char name[32];
    int qubits[16], nq;
    double params[16];
    int np;
} ref_item;

typedef struct {
    ref_item *items;
    int n;
    int nqubits;
} ref_prog;

/* The matrix of a gate as QPanda defines it (first listed qubit most
 * significant); returns its qubit count, or -1 if unknown. */
static int ref_matrix(const ref_item *g, double complex *m)
{
    const double *p = g->params;
    const double r = 1 / sqrt(2.0);
    const char *n = g->name;
    memset(m, 0, 64 * sizeof *m);
#define M2(a, b, c, d) (m[0] = (a), m[1] = (b), m[2] = (c), m[3] = (d), 1)
    if (!strcmp(n, "H")) return M2(r, r, r, -r);
    if (!strcmp(n, "X") || !strcmp(n, "NOT")) return M2(0, 1, 1, 0);
    if (!strcmp(n, "Y")) return M2(0, -I, I, 0);
    if (!strcmp(n, "Z")) return M2(1, 0, 0, -1);
    if (!strcmp(n, "S")) return M2(1, 0, 0, I);
    if (!strcmp(n, "T")) return M2(1, 0, 0, (1 + I) * r);
    if (!strcmp(n, "I") || !strcmp(n, "ECHO")) return M2(1, 0, 0, 1);
    if (!strcmp(n, "SX")) return M2((1 + I) / 2, (1 - I) / 2, (1 - I) / 2, (1 + I) / 2);
    if (!strcmp(n, "X1")) return M2(r, -I * r, -I * r, r);
    if (!strcmp(n, "Y1")) return M2(r, -r, r, r);
    if (!strcmp(n, "Z1")) return M2(r - I * r, 0, 0, r + I * r);
    if (!strcmp(n, "RX")) return M2(cos(p[0] / 2), -I * sin(p[0] / 2), -I * sin(p[0] / 2), cos(p[0] / 2));
    if (!strcmp(n, "RY")) return M2(cos(p[0] / 2), -sin(p[0] / 2), sin(p[0] / 2), cos(p[0] / 2));
    if (!strcmp(n, "RZ")) return M2(cexp(-I * p[0] / 2), 0, 0, cexp(I * p[0] / 2));
    if (!strcmp(n, "U1") || !strcmp(n, "P")) return M2(1, 0, 0, cexp(I * p[0]));
    if (!strcmp(n, "U2"))
        return M2(r, -cexp(I * p[1]) * r, cexp(I * p[0]) * r, cexp(I * (p[0] + p[1])) * r);
    if (!strcmp(n, "U3"))
        return M2(cos(p[0] / 2), -cexp(I * p[2]) * sin(p[0] / 2), cexp(I * p[1]) * sin(p[0] / 2),
                  cexp(I * (p[1] + p[2])) * cos(p[0] / 2));
    if (!strcmp(n, "RPhi") || !strcmp(n, "RPhi90") || !strcmp(n, "RPhi180")) {
        double th = !strcmp(n, "RPhi") ? p[0] : !strcmp(n, "RPhi90") ? M_PI / 2 : M_PI;
        double ph = !strcmp(n, "RPhi") ? p[1] : p[0];
        return M2(cos(th / 2), -I * cexp(-I * ph) * sin(th / 2), -I * cexp(I * ph) * sin(th / 2), cos(th / 2));
    }
    if (!strcmp(n, "U4")) {   /* QuantumGate.cpp U4(alpha, beta, gamma, delta) */
        double a = p[0], b = p[1], c = p[2], d = p[3];
        return M2(cexp(I * (a - b / 2 - d / 2)) * cos(c / 2), -cexp(I * (a - b / 2 + d / 2)) * sin(c / 2),
                  cexp(I * (a + b / 2 - d / 2)) * sin(c / 2), cexp(I * (a + b / 2 + d / 2)) * cos(c / 2));
    }
#undef M2
    for (int i = 0; i < 4; i++) m[i * 4 + i] = 1;
    double c = cos(p[0] / 2), s = sin(p[0] / 2);
    if (!strcmp(n, "CNOT")) { m[10] = 0; m[11] = 1; m[14] = 1; m[15] = 0; return 2; }
    if (!strcmp(n, "CZ")) { m[15] = -1; return 2; }
    if (!strcmp(n, "SWAP")) { m[5] = 0; m[6] = 1; m[9] = 1; m[10] = 0; return 2; }
    if (!strcmp(n, "ISWAP")) { m[5] = 0; m[6] = I; m[9] = I; m[10] = 0; return 2; }
    if (!strcmp(n, "SQISWAP")) { m[5] = r; m[6] = -I * r; m[9] = -I * r; m[10] = r; return 2; }
    if (!strcmp(n, "ISWAPTHETA")) { m[5] = cos(p[0]); m[6] = -I * sin(p[0]); m[9] = m[6]; m[10] = m[5]; return 2; }
    if (!strcmp(n, "XY")) { m[5] = c; m[6] = -I * s; m[9] = -I * s; m[10] = c; return 2; }
    if (!strcmp(n, "CR") || !strcmp(n, "CP")) { m[15] = cexp(I * p[0]); return 2; }
    if (!strcmp(n, "RXX") || !strcmp(n, "XX")) {
        m[0] = m[5] = m[10] = m[15] = c;
        m[3] = m[6] = m[9] = m[12] = -I * s;
        return 2;
    }
    if (!strcmp(n, "RYY") || !strcmp(n, "YY")) {
        m[0] = m[5] = m[10] = m[15] = c;
        m[3] = m[12] = I * s;
        m[6] = m[9] = -I * s;
        return 2;
    }
    if (!strcmp(n, "RZZ") || !strcmp(n, "ZZ")) {
        m[0] = m[15] = cexp(-I * p[0] / 2);
        m[5] = m[10] = cexp(I * p[0] / 2);
        return 2;
    }
    if (!strcmp(n, "RZX")) {   /* exp(-i t/2 Z (x) X): Z on the first qubit */
        m[0] = m[5] = m[10] = m[15] = c;
        m[1] = m[4] = -I * s;
        m[11] = m[14] = I * s;
        return 2;
    }
    if (!strcmp(n, "CU")) {
        ref_item u4 = *g;
        strcpy(u4.name, "U4");
        double complex u[64];
        ref_matrix(&u4, u);
        m[10] = u[0]; m[11] = u[1]; m[14] = u[2]; m[15] = u[3];
        return 2;
    }
    if (!strcmp(n, "PHASE2Q")) {
        for (int b = 0; b < 4; b++)
            m[b * 5] = cexp(I * ((b >> 1) * p[0] + (b & 1) * p[1])) * cexp(I * p[2] / 2 * (((b >> 1) == (b & 1)) ? -1 : 1));
        return 2;
    }
    memset(m, 0, 64 * sizeof *m);
    for (int i = 0; i < 8; i++) m[i * 8 + i] = 1;
    if (!strcmp(n, "TOFFOLI")) { m[6 * 8 + 6] = m[7 * 8 + 7] = 0; m[6 * 8 + 7] = m[7 * 8 + 6] = 1; return 3; }
    if (!strcmp(n, "CSWAP")) { m[5 * 8 + 5] = m[6 * 8 + 6] = 0; m[5 * 8 + 6] = m[6 * 8 + 5] = 1; return 3; }
    return -1;
}

/* Applies u (k qubits) to s where every control qubit is 1: this
 * interpreter's own kernel. */
static void ref_apply(sv_state *s, const double complex *u, int k, const int *qubits, const int *controls, int nc)
{
    size_t dim = (size_t)1 << s->n, sub = (size_t)1 << k, cmask = 0, tmask = 0;
    for (int i = 0; i < nc; i++) cmask |= (size_t)1 << controls[i];
    for (int i = 0; i < k; i++) tmask |= (size_t)1 << qubits[i];
    double complex in[8], out[8];
    size_t idx[8];
    for (size_t base = 0; base < dim; base++) {
        if ((base & cmask) != cmask || (base & tmask)) continue;
        for (size_t j = 0; j < sub; j++) {
            idx[j] = base;
            for (int b = 0; b < k; b++)
                if ((j >> (k - 1 - b)) & 1) idx[j] |= (size_t)1 << qubits[b];
            in[j] = s->amp[idx[j]];
        }
        for (size_t r = 0; r < sub; r++) {
            out[r] = 0;
            for (size_t c = 0; c < sub; c++) out[r] += u[r * sub + c] * in[c];
        }
        for (size_t j = 0; j < sub; j++) s->amp[idx[j]] = out[j];
    }
}

/* Measure and reset along the branch both sides pick. */
static int pick_outcome(const sv_state *s, int q) { return sv_prob_one(s, q) > 0.5 + OUTCOME_BIAS; }

/* Reads the qubits q[i] and the numbers of a parenthesised list on a line. */
static void ref_read_operands(const char *rest, ref_item *it)
{
    const char *paren = strchr(rest, '(');
    for (const char *p = rest; (p = strstr(p, "q[")) && (!paren || p < paren); p += 2)
        if (it->nq < 16) it->qubits[it->nq++] = atoi(p + 2);
    if (!paren) return;
    for (const char *p = paren + 1; *p && *p != ')' && it->np < 16;) {
        char *end;
        double v = strtod(p, &end);
        if (end == p) break;
        it->params[it->np++] = v;
        p = end;
        while (*p == ' ' || *p == ',') p++;
    }
}

/* Splits a program into items, one per line (comments and blank lines dropped). */
static int ref_load(const char *text, ref_prog *prog)
{
    memset(prog, 0, sizeof *prog);
    size_t cap = 64;
    prog->items = calloc(cap, sizeof *prog->items);
    for (const char *line = text; line && *line;) {
        const char *eol = strchr(line, '\n');
        size_t len = eol ? (size_t)(eol - line) : strlen(line);
        char buf[1024];
        snprintf(buf, sizeof buf, "%.*s", (int)(len < 1023 ? len : 1023), line);
        line = eol ? eol + 1 : NULL;
        char *cut = strstr(buf, "//");
        if (cut) *cut = '\0';
        char *p = buf;
        while (*p == ' ' || *p == '\t') p++;
        if (!*p || *p == '\r') continue;
        if ((size_t)prog->n == cap) prog->items = realloc(prog->items, (cap *= 2) * sizeof *prog->items);
        ref_item *it = &prog->items[prog->n++];
        memset(it, 0, sizeof *it);
        int w = 0;
        while (p[w] && p[w] != ' ' && p[w] != '\t' && p[w] != '\r' && w < 31) w++;
        memcpy(it->name, p, (size_t)w);
        if (!strcmp(it->name, "QINIT")) prog->nqubits = atoi(p + w);
        ref_read_operands(p + w, it);
    }
    return prog->nqubits > 0 ? 0 : -1;
}

/* The item after the block that opens at i (DAGGER or CONTROL). */
static int ref_block_end(const ref_prog *prog, int i)
{
    int level = 0;
    for (int j = i; j < prog->n; j++) {
        const char *n = prog->items[j].name;
        if (!strcmp(n, "DAGGER") || !strcmp(n, "CONTROL")) level++;
        if (!strcmp(n, "ENDDAGGER") || !strcmp(n, "ENDCONTROL")) level--;
        if (level == 0) return j + 1;
    }
    return prog->n;
}

/* Runs items [lo, hi): in reverse with adjoint matrices under a dagger flag,
 * with the control list extended by every enclosing CONTROL. */
static int ref_exec(const ref_prog *prog, int lo, int hi, sv_state *s, int dagger, const int *controls, int nc)
{
    int starts[4096], nunits = 0;
    for (int i = lo; i < hi && nunits < 4096;) {
        starts[nunits++] = i;
        const char *n = prog->items[i].name;
        i = (!strcmp(n, "DAGGER") || !strcmp(n, "CONTROL")) ? ref_block_end(prog, i) : i + 1;
    }
    for (int u = 0; u < nunits; u++) {
        int i = starts[dagger ? nunits - 1 - u : u];
        const ref_item *it = &prog->items[i];
        const char *n = it->name;
        if (!strcmp(n, "QINIT") || !strcmp(n, "CREG") || !strcmp(n, "BARRIER")) continue;
        if (!strcmp(n, "DAGGER") || !strcmp(n, "CONTROL")) {
            int end = ref_block_end(prog, i), more[32], nmore = nc;
            if (nc) memcpy(more, controls, (size_t)nc * sizeof(int));
            if (!strcmp(n, "CONTROL"))
                for (int k = 0; k < it->nq && nmore < 32; k++) more[nmore++] = it->qubits[k];
            if (ref_exec(prog, i + 1, end - 1, s, dagger ^ !strcmp(n, "DAGGER"), more, nmore)) return -1;
            continue;
        }
        if (!strcmp(n, "MEASURE") || !strcmp(n, "RESET")) {
            if (nc || dagger) return -1;
            int q = it->qubits[0], outcome = pick_outcome(s, q);
            if (!strcmp(n, "MEASURE")) sv_project(s, q, outcome);
            else sv_reset(s, q, outcome);
            continue;
        }
        double complex m[64], a[64];
        int k = ref_matrix(it, m);
        if (k < 0 || it->nq != k) return -1;
        int dim = 1 << k;
        if (dagger)
            for (int r = 0; r < dim; r++)
                for (int c = 0; c < dim; c++) a[r * dim + c] = conj(m[c * dim + r]);
        ref_apply(s, dagger ? a : m, k, it->qubits, controls, nc);
    }
    return 0;
}

/* The interpreter's final state for text; -1 if it cannot run it. */
static int ref_state(const char *text, sv_state *s)
{
    ref_prog prog;
    int status = ref_load(text, &prog);
    if (status == 0 && prog.nqubits > MAX_QUBITS) status = -1;
    if (status == 0) status = sv_init(s, prog.nqubits);
    if (status == 0) status = ref_exec(&prog, 0, prog.n, s, 0, NULL, 0);
    free(prog.items);
    return status;
}

/* ---- running the parsed IR on the reference state vector ------------------ */

static int ir_state(const circuit *c, sv_state *s)
{
    if (c->nqubits > MAX_QUBITS || sv_init(s, c->nqubits)) return -1;
    for (size_t i = 0; i < c->nops; i++) {
        const circ_op *op = &c->ops[i];
        if (op->kind == OP_MEASURE || op->kind == OP_RESET) {
            int q = op->qubits[0], outcome = pick_outcome(s, q);
            if (op->kind == OP_MEASURE) sv_project(s, q, outcome);
            else sv_reset(s, q, outcome);
        } else if (sv_apply_op(s, op)) {
            return -1;
        }
    }
    return 0;
}

/* max |a - b| over the amplitudes, after dividing out a global phase if asked. */
static double state_distance(const sv_state *a, const sv_state *b, int up_to_phase)
{
    if (a->n != b->n) return 1e300;
    size_t dim = (size_t)1 << a->n, big = 0;
    for (size_t i = 0; i < dim; i++)
        if (cabs(b->amp[i]) > cabs(b->amp[big])) big = i;
    double complex phase = 1;
    if (up_to_phase && cabs(a->amp[big]) > 0) phase = b->amp[big] / a->amp[big] / cabs(b->amp[big] / a->amp[big]);
    double worst = 0;
    for (size_t i = 0; i < dim; i++) worst = fmax(worst, cabs(a->amp[i] * phase - b->amp[i]));
    return worst;
}

static circuit *parse(const char *text)
{
    circuit *c = NULL;
    if (originir_parse_string(text, strlen(text), "t.ir", &c) != TN_OK) diag("unexpected error: %s", tn_last_message());
    return c;
}

/* Parses text and compares its state with the interpreter's; returns the
 * distance (1e300 if either side fails). */
static double compare_with_ref(const char *text)
{
    circuit *c = parse(text);
    sv_state got = {0}, want = {0};
    double d = 1e300;
    if (c && ir_state(c, &got) == 0 && ref_state(text, &want) == 0) d = state_distance(&got, &want, 0);
    sv_free(&got);
    sv_free(&want);
    circ_destroy(&c);
    return d;
}

/* ---- every gate -------------------------------------------------------------- */

/* A generic entangled 4-qubit state, in both languages. */
#define PREP_IR "QINIT 4\nCREG 4\nH q[0]\nRY q[1],(0.3)\nRY q[2],(1.1)\nRY q[3],(2.3)\nCNOT q[0],q[1]\n" \
                "CNOT q[1],q[2]\nCNOT q[2],q[3]\nRZ q[0],(0.7)\nRY q[0],(0.4)\nRZ q[3],(-1.3)\nH q[2]\n"
#define PREP_QASM "OPENQASM 2.0;\nqreg q[4];\nh q[0]; ry(0.3) q[1]; ry(1.1) q[2]; ry(2.3) q[3]; cx q[0],q[1];\n" \
                  "cx q[1],q[2]; cx q[2],q[3]; rz(0.7) q[0]; ry(0.4) q[0]; rz(-1.3) q[3]; h q[2];\n"

typedef struct {
    const char *ir;      /* one statement on q[1] (and q[2], q[0]) */
    const char *qasm;    /* its OpenQASM equivalent, or NULL */
    int up_to_phase;     /* the OpenQASM form lacks a global phase */
} gate_case;

static const gate_case gate_cases[] = {
    {"H q[1]", "h q[1];", 0},
    {"X q[1]", "x q[1];", 0},
    {"NOT q[1]", "x q[1];", 0},
    {"Y q[1]", "y q[1];", 0},
    {"Z q[1]", "z q[1];", 0},
    {"S q[1]", "s q[1];", 0},
    {"T q[1]", "t q[1];", 0},
    {"I q[1]", "id q[1];", 0},
    {"ECHO q[1]", "id q[1];", 0},
    {"SX q[1]", "sx q[1];", 0},
    {"X1 q[1]", "rx(pi/2) q[1];", 0},
    {"Y1 q[1]", "ry(pi/2) q[1];", 0},
    {"Z1 q[1]", "rz(pi/2) q[1];", 0},
    {"RX q[1],(0.7)", "rx(0.7) q[1];", 0},
    {"RY q[1],(0.7)", "ry(0.7) q[1];", 0},
    {"RZ q[1],(0.7)", "rz(0.7) q[1];", 0},
    {"U1 q[1],(0.7)", "u1(0.7) q[1];", 0},
    {"P q[1],(-0.7)", "p(-0.7) q[1];", 0},
    {"U2 q[1],(0.3,-1.2)", "u2(0.3,-1.2) q[1];", 0},
    {"RPhi q[1],(0.9,0.4)", "rz(-0.4) q[1]; rx(0.9) q[1]; rz(0.4) q[1];", 0},
    {"RPhi90 q[1],(0.4)", "rz(-0.4) q[1]; rx(pi/2) q[1]; rz(0.4) q[1];", 0},
    {"RPhi180 q[1],(0.4)", "rz(-0.4) q[1]; rx(pi) q[1]; rz(0.4) q[1];", 0},
    {"U3 q[1],(0.5,1.5,-0.8)", "u3(0.5,1.5,-0.8) q[1];", 0},
    {"U4 q[1],(0.2,0.3,1.1,-0.6)", "rz(-0.6) q[1]; ry(1.1) q[1]; rz(0.3) q[1];", 1},
    {"CNOT q[1],q[2]", "cx q[1],q[2];", 0},
    {"CZ q[1],q[2]", "cz q[1],q[2];", 0},
    {"SWAP q[1],q[2]", "swap q[1],q[2];", 0},
    {"ISWAP q[1],q[2]", "iswap q[1],q[2];", 0},
    {"SQISWAP q[1],q[2]", "rxx(pi/4) q[1],q[2]; ryy(pi/4) q[1],q[2];", 0},
    {"ISWAPTHETA q[1],q[2],(0.6)", "rxx(0.6) q[1],q[2]; ryy(0.6) q[1],q[2];", 0},
    {"CR q[1],q[2],(0.5)", "cp(0.5) q[1],q[2];", 0},
    {"CP q[2],q[1],(0.5)", "cp(0.5) q[2],q[1];", 0},
    {"RXX q[1],q[2],(0.5)", "rxx(0.5) q[1],q[2];", 0},
    {"RYY q[1],q[2],(0.5)", "ryy(0.5) q[1],q[2];", 0},
    {"RZZ q[1],q[2],(0.5)", "rzz(0.5) q[1],q[2];", 0},
    {"RZX q[1],q[2],(0.5)", "h q[2]; rzz(0.5) q[1],q[2]; h q[2];", 0},
    {"XX q[1],q[2],(0.5)", "rxx(0.5) q[1],q[2];", 0},
    {"YY q[1],q[2],(0.5)", "ryy(0.5) q[1],q[2];", 0},
    {"ZZ q[1],q[2],(0.5)", "rzz(0.5) q[1],q[2];", 0},
    {"XY q[1],q[2],(0.8)", "rxx(0.4) q[1],q[2]; ryy(0.4) q[1],q[2];", 0},
    {"CU q[2],q[1],(0.2,0.3,1.1,-0.6)", "cu(1.1,0.3,-0.6,0.35) q[2],q[1];", 0},
    {"PHASE2Q q[1],q[2],(0.3,0.5,0.7)", "u1(0.3) q[1]; u1(0.5) q[2]; rzz(0.7) q[1],q[2];", 0},
    {"TOFFOLI q[0],q[1],q[2]", "ccx q[0],q[1],q[2];", 0},
    {"CSWAP q[2],q[0],q[1]", "cswap q[2],q[0],q[1];", 0},
};

static double compare_with_qasm(const char *ir_text, const char *qasm_text, int up_to_phase)
{
    circuit *a = parse(ir_text), *b = NULL;
    if (qasm_parse_string(qasm_text, strlen(qasm_text), "t.qasm", &b) != TN_OK) diag("qasm: %s", tn_last_message());
    sv_state sa = {0}, sb = {0};
    double d = 1e300;
    if (a && b && ir_state(a, &sa) == 0 && ir_state(b, &sb) == 0) d = state_distance(&sa, &sb, up_to_phase);
    sv_free(&sa);
    sv_free(&sb);
    circ_destroy(&a);
    circ_destroy(&b);
    return d;
}

static void every_gate(void)
{
    char ir[1024], qasm[1024];
    for (size_t i = 0; i < sizeof gate_cases / sizeof gate_cases[0]; i++) {
        const gate_case *g = &gate_cases[i];
        snprintf(ir, sizeof ir, PREP_IR "%s\n", g->ir);
        ok(compare_with_ref(ir) <= TOL, "%s equals the interpreter's QPanda matrix", g->ir);
        snprintf(qasm, sizeof qasm, PREP_QASM "%s\n", g->qasm);
        ok(compare_with_qasm(ir, qasm, g->up_to_phase) <= TOL, "%s equals OpenQASM '%s'%s", g->ir, g->qasm,
           g->up_to_phase ? " up to a global phase" : "");
        snprintf(ir, sizeof ir, PREP_IR "DAGGER\n%s\nENDDAGGER\n", g->ir);
        ok(compare_with_ref(ir) <= TOL, "DAGGER of %s", g->ir);
        const char *ctrl = strstr(g->ir, "q[0]") ? "q[3]" : "q[0]";
        snprintf(ir, sizeof ir, PREP_IR "CONTROL %s\n%s\nENDCONTROL\n", ctrl, g->ir);
        ok(compare_with_ref(ir) <= TOL, "CONTROL %s of %s", ctrl, g->ir);
    }
    snprintf(ir, sizeof ir, PREP_IR "UU15 q[1],q[2],(0.1,0.2,0.3,0.4,0.5,0.6,0.7,0.8,0.9,1.0,1.1,1.2,1.3,1.4,1.5)\n");
    snprintf(qasm, sizeof qasm, PREP_QASM "u3(0.1,0.2,0.3) q[1]; u3(0.4,0.5,0.6) q[2]; rxx(0.7) q[1],q[2];"
                                          " ryy(0.8) q[1],q[2]; rzz(0.9) q[1],q[2]; u3(1.0,1.1,1.2) q[1];"
                                          " u3(1.3,1.4,1.5) q[2];\n");
    ok(compare_with_qasm(ir, qasm, 0) <= TOL, "UU15 equals its KAK product in OpenQASM");
}

/* Amplitudes of a program's final state (2 qubits at most here). */
static double complex amplitude(const char *text, size_t index)
{
    circuit *c = parse(text);
    sv_state s = {0};
    double complex a = NAN;
    if (c && ir_state(c, &s) == 0) a = s.amp[index];
    sv_free(&s);
    circ_destroy(&c);
    return a;
}

/* The conventions where QPanda and Qiskit part, checked by hand (qubit 0 is
 * bit 0 of the state index). */
static void conventions(void)
{
    const double r = 1 / sqrt(2.0);
    is_complex(amplitude("QINIT 2\nX q[0]\nISWAP q[0],q[1]\n", 2), I, TOL, "ISWAP |q1 q0> = |01> -> +i |10>");
    is_complex(amplitude("QINIT 2\nX q[0]\nISWAPTHETA q[0],q[1],(0.5)\n", 2), -I * sin(0.5), TOL,
               "ISWAPTHETA(t): -i sin(t) off the diagonal");
    is_complex(amplitude("QINIT 2\nX q[0]\nSQISWAP q[0],q[1]\n", 2), -I * r, TOL, "SQISWAP: -i/sqrt2 off the diagonal");
    is_complex(amplitude("QINIT 2\nX q[0]\nCNOT q[0],q[1]\n", 3), 1, TOL, "CNOT: the first qubit controls");
    is_complex(amplitude("QINIT 2\nX q[1]\nCU q[1],q[0],(0,0,3.141592653589793,0)\n", 3), 1, TOL,
               "CU: the first qubit controls (CU(0,0,pi,0) flips the second)");
    is_complex(amplitude("QINIT 2\nX q[0]\nCU q[1],q[0],(0,0,3.141592653589793,0)\n", 1), 1, TOL,
               "CU does nothing while its first qubit is 0");
    is_complex(amplitude("QINIT 1\nU4 q[0],(0.5,0,0,0)\n", 0), cexp(0.5 * I), TOL, "U4(a,0,0,0) = e^{ia} (the first parameter is the phase)");
    is_complex(amplitude("QINIT 1\nU4 q[0],(0,0.8,0,0)\n", 0), cexp(-0.4 * I), TOL, "U4(0,b,0,0) = RZ(b)");
    is_complex(amplitude("QINIT 1\nRPhi q[0],(1.0,0.3)\n", 1), -I * cexp(0.3 * I) * sin(0.5), TOL,
               "RPhi(theta, phi): <1|RPhi|0> = -i e^{i phi} sin(theta/2)");
    is_complex(amplitude("QINIT 1\nX1 q[0]\n", 1), -I * r, TOL, "X1 = RX(pi/2)");
    is_complex(amplitude("QINIT 1\nZ1 q[0]\n", 0), cexp(-I * M_PI / 4), TOL, "Z1 = RZ(pi/2) = diag(e^{-i pi/4}, e^{i pi/4})");
    is_complex(amplitude("QINIT 2\nH q[0]\nX q[1]\nRZX q[0],q[1],(1.0)\n", 1), I * sin(0.5) * r, TOL,
               "RZX(t): Z on the first qubit, X on the second");
    is_complex(amplitude("QINIT 2\nX q[0]\nX q[1]\nCR q[0],q[1],(0.9)\n", 3), cexp(0.9 * I), TOL, "CR = diag(1,1,1,e^{it})");
}

/* ---- features ----------------------------------------------------------------- */

static void features(void)
{
    circuit *c = parse("// leading comment\n\nQINIT 3\r\nCREG 3\nH q\nRX q[0],(-PI/2 + 2*PI/4 - -(PI)) // trailing\n"
                       "/* a block\n comment */ RY q[1], (-1.5e-1)\nrphi q[2],(PI,0)\nBARRIER q\nBARRIER q[0], q[2]\n"
                       "RESET q[1]\nMEASURE q,c\nMEASURE q[2],c[0]\n");
    if (c) {
        is_int(c->nqubits, 3, "QINIT 3 gives 3 qubits");
        is_int(c->nclbits, 3, "CREG 3 gives 3 classical bits");
        is_int((long)c->nops, 3 + 3 + 2 + 1 + 3 + 1, "H q broadcasts; two barriers, a reset, MEASURE q,c and one more");
        ok(c->ops[0].gate == GATE_H && c->ops[2].qubits[0] == 2, "H q expands over q[0..2]");
        is_double(c->ops[3].params[0], M_PI, 1e-15, "-PI/2 + 2*PI/4 - -(PI) = PI");
        is_double(c->ops[4].params[0], -0.15, 1e-15, "unary minus and an exponent");
        is_int(c->ops[4].line, 8, "a block comment spans lines; CRLF counts one line");
        ok(c->ops[5].gate == GATE_U3, "keywords and gate names in any case (rphi)");
        ok(c->ops[6].kind == OP_BARRIER && c->ops[6].nqubits == 3 && c->ops[7].nqubits == 2, "BARRIER q and BARRIER q[0],q[2]");
        ok(c->ops[8].kind == OP_RESET && c->ops[8].qubits[0] == 1, "RESET q[1]");
        ok(c->ops[11].kind == OP_MEASURE && c->ops[11].qubits[0] == 2 && c->ops[11].clbit == 2, "MEASURE q,c pairs q[i] with c[i]");
        ok(c->ops[12].qubits[0] == 2 && c->ops[12].clbit == 0, "MEASURE q[2],c[0]");
        circ_destroy(&c);
    }
    const char *qgate = "QINIT 3\nCREG 0\nQGATE new_RX a,(b)\nRX a,(PI/2+b)\nX a\nENDQGATE\n"
                        "QGATE twice a, b,(t)\nnew_RX a,(t)\nCONTROL a\nnew_RX b,(2*t)\nENDCONTROL\nDAGGER\nCNOT b,a\nS b\nENDDAGGER\nENDQGATE\n"
                        "twice q[2],q[0],(PI/4)\nnew_RX q,(0.1)\n";
    c = parse(qgate);
    if (c) {
        is_int((long)c->nops, 2 + 2 + 2 + 6, "QGATE bodies expand (nested calls, CONTROL and DAGGER inside, broadcast)");
        ok(c->ops[0].gate == GATE_RX && c->ops[0].qubits[0] == 2, "twice's a is bound to q[2]");
        is_double(c->ops[0].params[0], M_PI / 2 + M_PI / 4, 1e-15, "PI/2+b with b = t = PI/4");
        ok(c->ops[2].gate == GATE_CRX && c->ops[2].qubits[0] == 2 && c->ops[2].qubits[1] == 0, "RX under CONTROL a becomes CRX");
        ok(c->ops[3].gate == GATE_CX && c->ops[3].qubits[0] == 2, "X under CONTROL a becomes CNOT");
        ok(c->ops[4].gate == GATE_SDG && c->ops[5].gate == GATE_CX, "DAGGER reverses: S^dagger, then CNOT");
        circ_destroy(&c);
    }
    ok(compare_with_ref("QINIT 4\nCREG 0\nH q[0]\nRY q[1],(0.4)\nRX q[2],(1.2)\nH q[3]\nDAGGER\nRY q[0],(0.3)\nCONTROL q[0]\n"
                        "RX q[1],(0.7)\nDAGGER\nU4 q[2],(0.1,0.2,0.3,0.4)\nCONTROL q[1]\nISWAP q[3],q[2]\nENDCONTROL\n"
                        "ENDDAGGER\nENDCONTROL\nCU q[1],q[2],(0.5,0.6,0.7,0.8)\nENDDAGGER\n") <= TOL,
       "nested DAGGER and CONTROL blocks equal the interpreter");
    ok(compare_with_ref("QINIT 4\nH q[0]\nH q[1]\nCONTROL q[0], q[1]\nX q[2]\nY q[3]\nENDCONTROL q[0], q[1]\n"
                        "CONTROL q[0]\nCONTROL q[1]\nRZX q[2],q[3],(0.9)\nENDCONTROL\nENDCONTROL\n") <= TOL,
       "CONTROL with two qubits, ENDCONTROL with its list, CONTROL nested");
    c = parse("QINIT 5\nCONTROL q[0], q[1]\nX q[2]\nTOFFOLI q[4],q[3],q[2]\nENDCONTROL\n");
    ok(c && c->ops[0].gate == GATE_CCX && c->ops[1].gate == GATE_UNITARY && c->ops[1].nqubits == 5,
       "CONTROL of two over X is CCX; over TOFFOLI a dense 5-qubit block");
    circ_destroy(&c);
    c = parse("QINIT 2\nH q[0]\nCNOT q[0] q[1]\nMEASURE q[0], c[0]\nMEASURE q[1], c[1]\n");
    ok(c && c->nclbits == 2, "without CREG (QPanda-lite) c grows to the bits measured; blank-separated operands");
    circ_destroy(&c);
    c = parse("QINIT 2\nMEASURE q,c\n");
    ok(c && c->nclbits == 2, "without CREG, MEASURE q,c makes c as wide as q");
    circ_destroy(&c);
}

/* ---- errors ---------------------------------------------------------------------- */

static void expect_error(const char *text, const char *where, const char *what, const char *label)
{
    circuit *c = NULL;
    int status = originir_parse_string(text, strlen(text), "t.ir", &c);
    const char *msg = tn_last_message();
    if (!ok(status == TN_ERR_INPUT && c == NULL && strstr(msg, where) && strstr(msg, what) && !strchr(msg, '\n'),
            "error: %s -> %s ... %s", label, where, what))
        diag("status %d, message: %s", status, msg);
    circ_destroy(&c);
}

static void errors(void)
{
    expect_error("QINIT 2\nFOO q[0]\n", "t.ir:2:1", "unknown gate 'FOO'", "unknown gate");
    expect_error("QINIT 2\nRX q[0],(1,2)\n", "t.ir:2:1", "wrong number of parameters for 'RX' (expected 1, got 2)", "too many parameters");
    expect_error("QINIT 2\nU3 q[0]\n", "t.ir:2:1", "expected 3, got 0", "missing parameters");
    expect_error("QINIT 2\nCNOT q[0]\n", "t.ir:2:1", "wrong number of qubits for 'CNOT' (expected 2, got 1)", "wrong qubit count");
    expect_error("QINIT 5\nX q[5]\n", "t.ir:2:5", "qubit index 5 is out of range: QINIT declared 5 qubits", "qubit out of range");
    expect_error("CREG 2\nH q[0]\n", "t.ir:1:1", "expected QINIT", "missing QINIT");
    expect_error("// nothing\n", "t.ir:2:1", "expected QINIT (the number of qubits), found end of file", "empty program");
    expect_error("QINIT 2\nRX q[0],(1.2.3)\n", "t.ir:2:10", "malformed number '1.2.3'", "bad number");
    expect_error("QINIT 2x\n", "t.ir:1:7", "malformed number '2x'", "bad QINIT count");
    expect_error("QINIT 0\n", "t.ir:1:7", "QINIT needs at least one qubit", "QINIT 0");
    expect_error("QINIT 2\nQINIT 3\n", "t.ir:2:1", "QINIT may appear only once", "QINIT twice");
    expect_error("QINIT 2\nCREG 2\nMEASURE q[0],c[0]\nQIF c[0]\nH q[1]\nENDQIF\n", "t.ir:4:1", "QIF (classical control flow) is not supported", "QIF");
    expect_error("QINIT 2\nCREG 2\nELSE\n", "t.ir:3:1", "ELSE (classical control flow) is not supported", "ELSE");
    expect_error("QINIT 2\nCREG 2\nQWHILE c[1]\nX q[0]\nQENDWHILE\n", "t.ir:3:1", "QWHILE (classical control flow) is not supported", "QWHILE");
    expect_error("QINIT 2\nCREG 7\nc[0]=5\n", "t.ir:3:1", "classical expressions", "classical assignment");
    expect_error("QINIT 2\nCREG 2\nRX q[0],(c[1]+1)\n", "t.ir:3:10", "classical expressions (c[i] as a value", "classical value as a parameter");
    expect_error("QINIT 2\nCREG 2\nH q[c[0]]\n", "t.ir:3:5", "q[c[i]]) are not supported", "computed qubit index");
    expect_error("QINIT 2\nDEF bell(q[0], q[1])\n", "t.ir:2:1", "DEF subroutines are not supported", "DEF");
    expect_error("QINIT 2\nDepolarizing q[0],(0.1)\n", "t.ir:2:1", "error channel Depolarizing is not supported", "noise channel");
    expect_error("QINIT 2\nDAGGER\nH q[0]\n", "t.ir:2:1", "DAGGER has no matching ENDDAGGER", "unclosed DAGGER");
    expect_error("QINIT 2\nH q[0]\nENDCONTROL\n", "t.ir:3:1", "ENDCONTROL without a matching CONTROL", "stray ENDCONTROL");
    expect_error("QINIT 2\nCONTROL q[0]\nCNOT q[1],q[0]\nENDCONTROL\n", "t.ir:3:1", "control qubit q[0] is also a qubit", "control is a target");
    expect_error("QINIT 3\nCONTROL q[0]\nH q[1]\nENDCONTROL q[2]\n", "t.ir:4:12", "differ from those of its CONTROL", "ENDCONTROL list mismatch");
    expect_error("QINIT 2\nCREG 1\nDAGGER\nMEASURE q[0],c[0]\nENDDAGGER\n", "t.ir:4:1", "MEASURE is not allowed inside a DAGGER block", "MEASURE in DAGGER");
    expect_error("QINIT 11\nCONTROL q[0],q[1],q[2],q[3],q[4],q[5],q[6],q[7]\nTOFFOLI q[8],q[9],q[10]\nENDCONTROL\n", "t.ir:3:1",
                 "CONTROL makes a gate on 11 qubits; at most 10", "too many controlled qubits");
    expect_error("QINIT 2\nQGATE loop a\nloop a\nENDQGATE\nloop q[0]\n", "t.ir:3:1", "nests more than 64 deep", "recursive QGATE");
    expect_error("QINIT 2\nQGATE g a\nH a\n", "t.ir:2:1", "QGATE 'g' has no matching ENDQGATE", "unclosed QGATE");
    expect_error("QINIT 2\nQGATE H a\nX a\nENDQGATE\n", "t.ir:2:7", "QGATE 'H' is already a gate", "QGATE redefines a gate");
    expect_error("QINIT 2\nQGATE g a\nH b\nENDQGATE\ng q[0]\n", "t.ir:3:3", "'b' is not an argument of QGATE 'g'", "undeclared QGATE argument");
    expect_error("QINIT 2\nCNOT q\n", "t.ir:2:1", "the whole register q can only be given to one-qubit gates", "register to a 2-qubit gate");
    expect_error("QINIT 2\nCNOT q[1],q[1]\n", "t.ir:2:1", "qubit q[1] appears twice in 'CNOT'", "repeated qubit");
    expect_error("QINIT 2\nCREG 1\nMEASURE q,c\n", "t.ir:3:1", "MEASURE q,c needs as many classical bits as qubits", "MEASURE q,c sizes");
    expect_error("QINIT 2\nCREG 2\nMEASURE q[0],c[2]\n", "t.ir:3:16", "classical bit index 2 is out of range", "classical bit out of range");
    expect_error("QINIT 2\nH q[0]; H q[1]\n", "t.ir:2:7", "unexpected character ';'", "stray character");
    expect_error("QINIT 2\nH q[0] X q[1]\n", "t.ir:2:8", "expected a qubit q[i], found 'X'", "two statements on one line");
    expect_error("QINIT 2\nRX q[0],(theta)\n", "t.ir:2:10", "unknown identifier 'theta'", "unknown identifier");
    expect_error("QINIT 2\nRX q[0],(1/0)\n", "t.ir:2:10", "not finite", "infinite parameter");
    expect_error("QINIT 1\nH q[0]\n\xe9\n", "t.ir:3:1", "unexpected byte 0xe9", "stray byte");
    expect_error("QINIT 99999999999\n", "t.ir:1:7", "is larger than 1000000", "huge QINIT");
    char deep[4200];
    snprintf(deep, sizeof deep, "QINIT 1\nRX q[0],(");
    for (int i = 0; i < 2000; i++) strcat(deep, "(");
    strcat(deep, "1");
    expect_error(deep, "t.ir:2:", "expression nests more than 200 deep", "hostile expression depth");
    char *minus = malloc(100100);
    if (minus) {
        snprintf(minus, 100100, "QINIT 1\nRX q[0],(");
        memset(minus + strlen(minus), '-', 100000);
        strcpy(minus + 100000 + 10, "1)\n");
        expect_error(minus, "t.ir:2:", "expression nests more than 200 deep", "a chain of 100000 minus signs");
        free(minus);
    }
    char bomb[4096];
    int at = snprintf(bomb, sizeof bomb, "QINIT 1\nQGATE g0 a\nX a\nENDQGATE\n");
    for (int i = 1; i <= 30; i++)
        at += snprintf(bomb + at, sizeof bomb - at, "QGATE g%d a\ng%d a\ng%d a\nENDQGATE\n", i, i - 1, i - 1);
    snprintf(bomb + at, sizeof bomb - at, "g30 q[0]\n");
    expect_error(bomb, "t.ir:", "the program expands to more than 4194304 operations", "a QGATE doubling 30 deep");
    circuit *bom = NULL;
    const char *with_bom = "\xef\xbb\xbfQINIT 1\nH q[0]\n";
    ok(originir_parse_string(with_bom, strlen(with_bom), "t.ir", &bom) == TN_OK && bom && bom->nops == 1,
       "a UTF-8 byte-order mark before QINIT is skipped");
    circ_destroy(&bom);
    expect_error("\xef\xbb\xbfQINIT 1\nH q[0] @\n", "t.ir:2:8", "unexpected character '@'",
                 "positions after a byte-order mark");
    ok(originir_parse_file("/", &bom) == TN_ERR_INPUT && !bom && strstr(tn_last_message(), "/: Is a directory"),
       "a directory is bad input");
    const char nul[] = "QINIT 1\nX q[0]\0\n";
    circuit *c = NULL;
    int status = originir_parse_string(nul, sizeof nul - 1, "t.ir", &c);
    ok(status == TN_ERR_INPUT && strstr(tn_last_message(), "t.ir:2:7: error: unexpected byte 0x00"), "error: a NUL byte is refused at its position");
    status = originir_parse_file("/nonexistent/x.ir", &c);
    ok(status == TN_ERR_IO && c == NULL && strstr(tn_last_message(), "cannot open /nonexistent/x.ir"), "a missing file is an I/O error");
    ok(originir_wants("a/b.ir", NULL) && originir_wants("b.OriginIR", NULL) && !originir_wants("b.qasm", NULL) &&
       originir_wants("b.qasm", "originir") && !originir_wants("b.ir", "qasm"), "originir_wants: --format first, else the name");
}

/* ---- shared data ------------------------------------------------------------------- */

static const char *data_root(void)
{
    const char *root = getenv("TNEMU_SHARED_DATA");
    return root ? root : "../shared/data";
}

/* Unflagged samples that use what tnemu refuses, with the expected message. */
static const struct { const char *file, *message, *why; } known_refused[] = {
    {"QPanda-2__quantum_originir_learning__036.ir", "expected a statement, found ')'",
     "a stray ')' left from the Python string it was cut from"},
    {"QPanda-Example__OriginIRToQProg__037.ir", "QIF (classical control flow) is not supported", "QIF"},
    {"QPanda3-doc__tutorial_OriginIR__038.ir", "QIF (classical control flow) is not supported", "QIF/QELSEIF"},
    {"QPanda3-doc__tutorial_OriginIR__039.ir", "QWHILE (classical control flow) is not supported", "QWHILE"},
    {"QPanda-lite__originir__043.ir", "unknown gate 'bell_pair'", "calls DEF subroutines defined elsewhere"},
};

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *text = malloc((size_t)n + 1);
    if (text && fread(text, 1, (size_t)n, f) != (size_t)n) { free(text); text = NULL; }
    fclose(f);
    if (text) text[n] = '\0';
    *len = (size_t)n;
    return text;
}

/* One sample: parses or not as expected; compared with the interpreter. */
static void check_sample(const char *dir, char **fields, int *parsed, int *flagged, int *refused, int *compared)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, fields[0]);
    circuit *c = NULL;
    int status = originir_parse_file(path, &c);
    const char *msg = tn_last_message();
    for (size_t i = 0; i < sizeof known_refused / sizeof known_refused[0]; i++)
        if (!strcmp(fields[0], known_refused[i].file)) {
            ok(status == TN_ERR_INPUT && strstr(msg, known_refused[i].message), "%s is refused (%s)", fields[0], known_refused[i].why);
            (*refused)++;
            circ_destroy(&c);
            return;
        }
    if (strcmp(fields[10], "-") != 0) {
        ok(status == TN_ERR_INPUT && strchr(msg, ':'), "%s is refused as flagged (%s): %s", fields[0], fields[10], msg);
        (*flagged)++;
        return;
    }
    if (!ok(status == TN_OK, "%s parses", fields[0])) { diag("%s", msg); return; }
    (*parsed)++;
    int counts_ok = c->nqubits == atoi(fields[6]) && (!fields[7][0] || c->nclbits == atoi(fields[7]));
    if (!counts_ok) diag("%s: %d qubits %d clbits, INDEX.tsv says %s and %s", fields[0], c->nqubits, c->nclbits, fields[6], fields[7]);
    ok(counts_ok, "%s: QINIT %s, CREG %s", fields[0], fields[6], fields[7][0] ? fields[7] : "(none)");
    if (c->nqubits <= MAX_QUBITS) {
        size_t len;
        char *text = slurp(path, &len);
        sv_state got = {0}, want = {0};
        double d = 1e300;
        if (text && ir_state(c, &got) == 0 && ref_state(text, &want) == 0) d = state_distance(&got, &want, 0);
        is_double(d, 0, TOL, "%s: the state equals the interpreter's", fields[0]);
        (*compared)++;
        sv_free(&got);
        sv_free(&want);
        free(text);
    }
    circ_destroy(&c);
}

/* (b) every sample of INDEX.tsv. */
static void samples(void)
{
    char dir[1024], path[1100];
    snprintf(dir, sizeof dir, "%s/origin/originir-samples", data_root());
    snprintf(path, sizeof path, "%s/INDEX.tsv", dir);
    FILE *f = fopen(path, "r");
    if (!f) { skip("shared data absent (%s)", path); return; }
    char line[8192];
    int parsed = 0, flagged = 0, refused = 0, compared = 0, rows = 0;
    if (!fgets(line, sizeof line, f)) { fclose(f); return; }
    while (fgets(line, sizeof line, f)) {
        char *fields[16];
        int nf = 0;
        for (char *p = line; nf < 16;) {   /* tab-separated, empty fields kept */
            fields[nf++] = p;
            char *tab = strchr(p, '\t');
            if (!tab) { p[strcspn(p, "\r\n")] = '\0'; break; }
            *tab = '\0';
            p = tab + 1;
        }
        if (nf < 11) continue;
        rows++;
        check_sample(dir, fields, &parsed, &flagged, &refused, &compared);
    }
    fclose(f);
    diag("INDEX.tsv: %d samples: %d parse (%d compared with the interpreter), %d flagged and refused, %d known unsupported",
         rows, parsed, compared, flagged, refused);
    ok(rows > 50 && parsed + flagged + refused == rows, "every sample is accounted for");
}

/* Parses one qprog string of a hardware result. */
static void check_qprog(const char *file, const char *field, const char *text, int *n)
{
    char name[1200];
    snprintf(name, sizeof name, "%s:%s", file, field);
    circuit *c = NULL;
    int status = originir_parse_string(text, strlen(text), name, &c);
    if (!ok(status == TN_OK && c->nqubits >= 2, "%s parses", name)) diag("%s", tn_last_message());
    circ_destroy(&c);
    (*n)++;
}

/* (c) the qprog (and mappingQProg) strings of the Wukong hardware results. */
static void hardware_results(void)
{
    char dir[1024];
    snprintf(dir, sizeof dir, "%s/origin/wukong72/hardware-results", data_root());
    DIR *d = opendir(dir);
    if (!d) { skip("shared data absent (%s)", dir); return; }
    struct dirent *e;
    int n = 0;
    while ((e = readdir(d))) {
        if (!strstr(e->d_name, ".json")) continue;
        char path[1400];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        json_error_t err;
        json_t *root = json_load_file(path, 0, &err);
        const char *qprog = json_string_value(json_object_get(root, "qprog"));
        if (!ok(qprog != NULL, "%s has a qprog", e->d_name)) { json_decref(root); continue; }
        check_qprog(e->d_name, "qprog", qprog, &n);
        json_t *list = json_object_get(json_object_get(json_object_get(root, "raw_detail"), "qcodeTaskNewVo"), "taskResultList");
        for (size_t i = 0; i < json_array_size(list); i++) {
            const char *mapped = json_string_value(json_object_get(json_array_get(list, i), "mappingQProg"));
            if (mapped && *mapped) check_qprog(e->d_name, "mappingQProg", mapped, &n);
        }
        json_decref(root);
    }
    closedir(d);
    ok(n >= 12, "%d hardware qprog strings parsed", n);
}

int main(void)
{
    every_gate();
    conventions();
    features();
    errors();
    samples();
    hardware_results();
    return done_testing();
}
