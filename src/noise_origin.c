/* noise_origin.c - reads Origin Quantum chip configurations into a noise
 * model (see noise.h): chip_config_*.json (QubitParams, AdjMatrix,
 * AvailableQubits, QGateClock) or cloud_chip_config_*.json (adjJSON,
 * gateJSON). Times in the files are microseconds (T1, T2) and nanoseconds
 * (gate clocks); fidelities become errors 1 - F. A qubit's T2 is the Ramsey
 * "T2" or the echo "Ts2" (cloud configurations only) as the model's t2_kind
 * says; when the chosen one is missing (absent or 0) the other is used and
 * counted in t2_fallback.
 * Not for: the IBM or tnemu formats. */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "noise.h"

#define ORIGIN_1Q_NS 30.0   /* RPhi, when the file gives no QGateClock */
#define ORIGIN_CZ_NS 40.0

/* A number that may be written as a JSON number or a string. */
static int loose_number(json_t *v, double *out)
{
    if (json_is_number(v)) { *out = json_number_value(v); return isfinite(*out); }
    if (!json_is_string(v)) return 0;
    char *end;
    *out = strtod(json_string_value(v), &end);
    return end != json_string_value(v) && *end == '\0' && isfinite(*out);
}

static int parse_qubit_key(const char *key, int nqubits, int *q)
{
    char *end;
    long v = strtol(key, &end, 10);
    if (end == key || *end || v < 0 || v >= nqubits) return 0;
    *q = (int)v;
    return 1;
}

static int check_fidelity(const char *path, const char *entry, const char *what, double f)
{
    if (!(f >= 0 && f <= 1))
        return tn_fail(TN_ERR_INPUT, "%s: %s: %s %g is out of range [0, 1]", path, entry, what, f);
    return TN_OK;
}

static int set_times(noise_model *m, int q, double t1_us, double t2_us, const char *path, const char *entry)
{
    if (!(t1_us >= 0) || !(t2_us >= 0))
        return tn_fail(TN_ERR_INPUT, "%s: %s: T1 %g us and T2 %g us must not be negative", path, entry, t1_us, t2_us);
    if (t1_us == 0 || t2_us == 0) {   /* not measured that day: no relaxation for this qubit, counted */
        m->times_missing++;
        m->qubit[q].without_times = 1;
        return TN_OK;
    }
    if (t2_us > 2 * t1_us) { t2_us = 2 * t1_us; m->t2_clipped++; }
    m->qubit[q].t1 = t1_us * 1e-6;
    m->qubit[q].t2 = t2_us * 1e-6;
    return TN_OK;
}

/* The T2 (us) of a qubit entry by the model's choice, the other one when the
 * chosen one is absent or 0 (*other = 1); 0 if the entry has a number under
 * neither key ("T2" Ramsey, echo_key echo; echo_key NULL: none). */
static int chosen_t2(const noise_model *m, json_t *entry, const char *echo_key, double *t2_us, int *other)
{
    double ramsey = 0, echo = 0;
    int has_ramsey = loose_number(json_object_get(entry, "T2"), &ramsey);
    int has_echo = echo_key && loose_number(json_object_get(entry, echo_key), &echo);
    if (!has_ramsey && !has_echo) return 0;
    int want_echo = m->t2_kind == NOISE_T2_ECHO;
    double chosen = want_echo ? echo : ramsey, fallback = want_echo ? ramsey : echo;
    *other = chosen == 0 && fallback != 0;
    *t2_us = *other ? fallback : chosen;
    return 1;
}

/* T1 and the chosen T2 of qubit q, counting a fallback to the other T2. */
static int set_times_chosen(noise_model *m, int q, double t1_us, json_t *v, const char *echo_key, const char *path,
                            const char *entry)
{
    double t2 = 0;
    int other = 0;
    if (!chosen_t2(m, v, echo_key, &t2, &other))
        return tn_fail(TN_ERR_INPUT, "%s: %s: needs a number T2%s%s", path, entry, echo_key ? " or " : "",
                       echo_key ? echo_key : "");
    CALL(set_times(m, q, t1_us, t2, path, entry));
    if (other && !m->qubit[q].without_times) { m->qubit[q].t2_other = 1; m->t2_fallback++; }
    return TN_OK;
}

static int set_readout(noise_model *m, int q, double p00, double p11, const char *path, const char *entry)
{
    CALL(check_fidelity(path, entry, "readout fidelity P00", p00));
    CALL(check_fidelity(path, entry, "readout fidelity P11", p11));
    m->qubit[q].p1_given0 = noise_scale_readout(m, 1 - p00);
    m->qubit[q].p0_given1 = noise_scale_readout(m, 1 - p11);
    return TN_OK;
}

/* One-qubit gates on q cost the single-qubit error; pairs their CZ error. */
static int add_gate_rule(noise_model *m, int k, const int *qubits, double fidelity, double seconds, const char *entry)
{
    double depol;
    CALL(noise_calibrated_rule(m, "", k, qubits, 1 - fidelity, seconds, entry, &depol));
    m->rules[m->nrules - 1].symmetric = k == 2;
    m->rules[m->nrules - 1].faulty = 0;   /* unusable qubits are flagged per qubit */
    return TN_OK;
}

static int read_chip_config(noise_model *m, json_t *root, const char *path, double t1q, double tcz)
{
    json_t *params = json_object_get(root, "QubitParams"), *adj = json_object_get(root, "AdjMatrix");
    if (!json_is_object(params)) return tn_fail(TN_ERR_INPUT, "%s: \"QubitParams\" is not an object", path);
    const char *key;
    json_t *v;
    char entry[96];
    json_object_foreach(params, key, v) {
        int q;
        snprintf(entry, sizeof entry, "QubitParams[\"%.20s\"]", key);
        if (!parse_qubit_key(key, m->nqubits, &q))
            return tn_fail(TN_ERR_INPUT, "%s: %s: not a qubit in [0, %d]", path, entry, m->nqubits - 1);
        double t1, t2, f1;
        if (!loose_number(json_object_get(v, "T1"), &t1) || !loose_number(json_object_get(v, "T2"), &t2) ||
            !loose_number(json_object_get(v, "SingleGateFidelity"), &f1))
            return tn_fail(TN_ERR_INPUT, "%s: %s: needs numbers T1, T2 and SingleGateFidelity", path, entry);
        CALL(set_times_chosen(m, q, t1, v, NULL, path, entry));   /* a Ramsey T2 only */
        CALL(check_fidelity(path, entry, "SingleGateFidelity", f1));
        json_t *mat = json_object_get(v, "FidelityMat");
        double p00, p11;
        if (json_is_array(mat) && loose_number(json_array_get(json_array_get(mat, 0), 0), &p00) &&
            loose_number(json_array_get(json_array_get(mat, 1), 1), &p11))
            CALL(set_readout(m, q, p00, p11, path, entry));
        CALL(add_gate_rule(m, 1, &q, f1, t1q, entry));
    }
    if (!json_is_object(adj)) return TN_OK;
    json_object_foreach(adj, key, v) {
        int a;
        if (!parse_qubit_key(key, m->nqubits, &a) || !json_is_array(v))
            return tn_fail(TN_ERR_INPUT, "%s: AdjMatrix[\"%.20s\"]: not a qubit with a list of couplers", path, key);
        size_t i;
        json_t *e;
        json_array_foreach(v, i, e) {
            double b, w;
            snprintf(entry, sizeof entry, "AdjMatrix[\"%.20s\"][%zu]", key, i);
            if (!loose_number(json_object_get(e, "v"), &b) || !loose_number(json_object_get(e, "w"), &w) ||
                b < 0 || b >= m->nqubits || b != floor(b))
                return tn_fail(TN_ERR_INPUT, "%s: %s: needs a qubit \"v\" and a fidelity \"w\"", path, entry);
            CALL(check_fidelity(path, entry, "CZ fidelity", w));
            int pair[2] = {a, (int)b};
            if (pair[0] < pair[1]) CALL(add_gate_rule(m, 2, pair, w, tcz, entry));   /* each coupler once */
        }
    }
    return TN_OK;
}

static int read_cloud_config(noise_model *m, json_t *root, const char *path, double t1q, double tcz)
{
    json_t *adj = json_object_get(root, "adjJSON"), *gates = json_object_get(root, "gateJSON");
    if (!json_is_object(adj)) return tn_fail(TN_ERR_INPUT, "%s: \"adjJSON\" is not an object", path);
    const char *key;
    json_t *v;
    char entry[96];
    for (int q = 0; q < m->nqubits; q++) m->qubit[q].faulty = 1;   /* only listed qubits are usable */
    json_object_foreach(adj, key, v) {
        int q;
        snprintf(entry, sizeof entry, "adjJSON[\"%.20s\"]", key);
        if (!parse_qubit_key(key, m->nqubits, &q))
            return tn_fail(TN_ERR_INPUT, "%s: %s: not a qubit in [0, %d]", path, entry, m->nqubits - 1);
        double t1, f1, p00, p11;
        json_t *rf = json_object_get(v, "readFidelity"), *af = json_object_get(v, "averageFidelity");
        if (json_is_string(af) && !*json_string_value(af)) continue;   /* listed but not calibrated: unusable */
        if (!loose_number(json_object_get(v, "T1"), &t1) || !loose_number(json_object_get(v, "averageFidelity"), &f1) ||
            !json_is_string(rf) || sscanf(json_string_value(rf), "%lf/%lf", &p00, &p11) != 2)
            return tn_fail(TN_ERR_INPUT, "%s: %s: needs T1, T2 or Ts2, averageFidelity and readFidelity \"P00/P11\"",
                           path, entry);
        m->qubit[q].faulty = 0;
        CALL(set_times_chosen(m, q, t1, v, "Ts2", path, entry));
        CALL(check_fidelity(path, entry, "averageFidelity", f1));
        CALL(set_readout(m, q, p00, p11, path, entry));
        CALL(add_gate_rule(m, 1, &q, f1, t1q, entry));
    }
    if (!json_is_object(gates)) return TN_OK;
    json_object_foreach(gates, key, v) {
        int pair[2], used = 0;
        double f;
        snprintf(entry, sizeof entry, "gateJSON[\"%.20s\"]", key);
        if (sscanf(key, "%d_%d%n", &pair[0], &pair[1], &used) != 2 || key[used] || pair[0] < 0 || pair[1] < 0 ||
            pair[0] >= m->nqubits || pair[1] >= m->nqubits || pair[0] == pair[1])
            return tn_fail(TN_ERR_INPUT, "%s: %s: not a pair \"a_b\" of qubits in [0, %d]", path, entry,
                           m->nqubits - 1);
        if (!loose_number(json_object_get(v, "fidelity"), &f))
            return tn_fail(TN_ERR_INPUT, "%s: %s: needs a \"fidelity\"", path, entry);
        CALL(check_fidelity(path, entry, "CZ fidelity", f));
        CALL(add_gate_rule(m, 2, pair, f, tcz, entry));
    }
    return TN_OK;
}

/* Diagonal gates are frame changes on the Origin chips: free. */
static int add_virtual_gates(noise_model *m)
{
    static const char *virtual_gates[] = {"rz", "p", "z", "s", "sdg", "t", "tdg", "id"};
    for (size_t i = 0; i < sizeof virtual_gates / sizeof virtual_gates[0]; i++) {
        noise_rule *r;
        CALL(noise_add_rule(m, &r));
        snprintf(r->gate, sizeof r->gate, "%s", virtual_gates[i]);
        r->duration = 0;
        r->gate_error = 0;
        snprintf(r->where, sizeof r->where, "%s (a frame change)", virtual_gates[i]);
    }
    return TN_OK;
}

int noise_load_origin(noise_model *m, void *root_ptr, const char *path)
{
    json_t *root = root_ptr, *count = json_object_get(root, "QubitCount");
    if (!count) count = json_object_get(root, "qubitNum");
    double n = 0;
    if (!loose_number(count, &n) || n < 1 || n > 100000 || n != floor(n))
        return tn_fail(TN_ERR_INPUT, "%s: needs a qubit count (\"QubitCount\" or \"qubitNum\")", path);
    m->nqubits = (int)n;
    CALL(noise_reserve_qubits(m, m->nqubits));
    double t1q = ORIGIN_1Q_NS, tcz = ORIGIN_CZ_NS;
    json_t *clock = json_object_get(root, "QGateClock");
    if (json_is_object(clock)) {
        loose_number(json_object_get(clock, "RPhi"), &t1q);
        loose_number(json_object_get(clock, "CZ"), &tcz);
    }
    m->duration_1q = t1q * 1e-9;
    m->duration_2q = tcz * 1e-9;
    if (json_object_get(root, "QubitParams")) {
        CALL(read_chip_config(m, root, path, t1q * 1e-9, tcz * 1e-9));
        json_t *avail = json_object_get(root, "AvailableQubits");
        if (json_is_array(avail)) {
            for (int q = 0; q < m->nqubits; q++) m->qubit[q].faulty = 1;
            size_t i;
            json_t *a;
            json_array_foreach(avail, i, a)
                if (json_is_integer(a) && json_integer_value(a) >= 0 && json_integer_value(a) < m->nqubits)
                    m->qubit[json_integer_value(a)].faulty = 0;
        }
    } else {
        CALL(read_cloud_config(m, root, path, t1q * 1e-9, tcz * 1e-9));
    }
    return add_virtual_gates(m);
}
