/* noise_ibm.c - reads IBM backend properties (props_*.json) into a noise
 * model: per qubit T1, T2 and readout confusion; per calibrated gate and
 * qubits the Aer-convention rule of noise_calibrated_rule (see noise.h).
 * An ecr or cx calibrated one way only gets a rule for the other way (the
 * calibrated gate turned round with one sx on each qubit before and after).
 * Diagonal one-qubit gates the backend does not list (z, s, t, p ...) are
 * frame changes like rz: no error and no time.
 * Not for: the Origin or tnemu formats. */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "error.h"
#include "noise.h"

/* Seconds per unit of a time field. */
static int time_unit(const char *unit, double *factor)
{
    static const struct { const char *name; double f; } units[] = {
        {"s", 1}, {"ms", 1e-3}, {"us", 1e-6}, {"µs", 1e-6}, {"ns", 1e-9}, {"", 1}};
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
        if (strcmp(unit, units[i].name) == 0) { *factor = units[i].f; return 1; }
    return 0;
}

/* The value of the named entry of a [{name, unit, value}] list, in seconds
 * for times; returns 0 if absent, -1 if present but malformed. */
static int named_value(json_t *list, const char *name, int is_time, double *value)
{
    size_t i;
    json_t *e;
    json_array_foreach(list, i, e) {
        json_t *n = json_object_get(e, "name");
        if (!json_is_string(n) || strcmp(json_string_value(n), name) != 0) continue;
        json_t *v = json_object_get(e, "value");
        if (!json_is_number(v)) return -1;
        *value = json_number_value(v);
        if (is_time) {
            json_t *u = json_object_get(e, "unit");
            double f;
            if (!json_is_string(u) || !time_unit(json_string_value(u), &f)) return -1;
            *value *= f;
        }
        return isfinite(*value) ? 1 : -1;
    }
    return 0;
}

static int bad_entry(const char *path, const char *entry, const char *what)
{
    return tn_fail(TN_ERR_INPUT, "%s: %s: %s", path, entry, what);
}

static int read_probability(json_t *list, const char *name, const char *path, const char *entry, double *p, int *found)
{
    int got = named_value(list, name, 0, p);
    if (got < 0) return bad_entry(path, entry, "a malformed value");
    *found = got;
    if (got && !(*p >= 0 && *p <= 1))
        return tn_fail(TN_ERR_INPUT, "%s: %s: %s %g is out of range [0, 1]", path, entry, name, *p);
    return TN_OK;
}

static int read_qubit(noise_model *m, json_t *list, int q, const char *path)
{
    char entry[64];
    snprintf(entry, sizeof entry, "qubits[%d]", q);
    noise_qubit *nq = &m->qubit[q];
    double t1 = 0, t2 = 0, ro = 0, p10 = 0, p01 = 0;
    int g1 = named_value(list, "T1", 1, &t1), g2 = named_value(list, "T2", 1, &t2), f_ro, f10, f01;
    if (g1 < 0 || g2 < 0) return bad_entry(path, entry, "T1 or T2 is malformed (a number with unit s, ms, us or ns)");
    if ((g1 && !(t1 > 0)) || (g2 && !(t2 > 0)))
        return tn_fail(TN_ERR_INPUT, "%s: %s: T1 %g s and T2 %g s must be positive", path, entry, t1, t2);
    CALL(read_probability(list, "readout_error", path, entry, &ro, &f_ro));
    CALL(read_probability(list, "prob_meas1_prep0", path, entry, &p10, &f10));
    CALL(read_probability(list, "prob_meas0_prep1", path, entry, &p01, &f01));
    if (g1 && g2) {
        if (t2 > 2 * t1) { t2 = 2 * t1; m->t2_clipped++; }
        nq->t1 = t1;
        nq->t2 = t2;
    } else {   /* not calibrated: no relaxation on this qubit, counted and named in the result */
        nq->without_times = 1;
        m->times_missing++;
    }
    if (!(f10 && f01) && f_ro) p10 = p01 = ro;   /* symmetric when only readout_error is given */
    nq->faulty = (f_ro && ro >= 1) || (f10 && p10 >= 1) || (f01 && p01 >= 1);
    nq->p1_given0 = noise_scale_readout(m, p10);
    nq->p0_given1 = noise_scale_readout(m, p01);
    return TN_OK;
}

static int is_symmetric(const char *gate)
{
    return strcmp(gate, "cz") == 0 || strcmp(gate, "rzz") == 0 || strcmp(gate, "swap") == 0 ||
           strcmp(gate, "iswap") == 0;
}

static int read_gate(noise_model *m, json_t *g, size_t index, const char *path)
{
    char entry[96];
    json_t *name = json_object_get(g, "gate"), *qs = json_object_get(g, "qubits"), *params = json_object_get(g, "parameters");
    snprintf(entry, sizeof entry, "gates[%zu]", index);
    if (!json_is_string(name) || !json_is_array(qs) || !json_is_array(params))
        return bad_entry(path, entry, "needs \"gate\", \"qubits\" and \"parameters\"");
    const char *gate = json_string_value(name);
    if (strcmp(gate, "measure") == 0 || strncmp(gate, "measure_", 8) == 0 || strcmp(gate, "reset") == 0 ||
        strcmp(gate, "delay") == 0)
        return TN_OK;
    int k = (int)json_array_size(qs), qubits[CIRC_MAX_GATE_QUBITS];
    if (k < 1 || k > CHANNEL_MAX_QUBITS) return bad_entry(path, entry, "a gate on an unsupported number of qubits");
    for (int j = 0; j < k; j++) {
        json_t *q = json_array_get(qs, (size_t)j);
        if (!json_is_integer(q) || json_integer_value(q) < 0 || json_integer_value(q) >= m->nqubits)
            return tn_fail(TN_ERR_INPUT, "%s: %s (%s): qubit %d of the gate is out of range [0, %d]", path, entry,
                           gate, j, m->nqubits - 1);
        qubits[j] = (int)json_integer_value(q);
    }
    snprintf(entry, sizeof entry, "gates[%zu] (%s on qubit%s", index, gate, k > 1 ? "s " : " ");
    for (int j = 0; j < k; j++)
        snprintf(entry + strlen(entry), sizeof entry - strlen(entry), "%s%d", j ? "," : "", qubits[j]);
    snprintf(entry + strlen(entry), sizeof entry - strlen(entry), ")");
    double error = 0, length = 0;
    int ge = named_value(params, "gate_error", 0, &error), gl = named_value(params, "gate_length", 1, &length);
    if (ge < 0 || gl < 0) return bad_entry(path, entry, "gate_error or gate_length is malformed");
    if (!(error >= 0 && error <= 1))
        return tn_fail(TN_ERR_INPUT, "%s: %s: gate_error %g is out of range [0, 1]", path, entry, error);
    if (!(length >= 0)) return tn_fail(TN_ERR_INPUT, "%s: %s: gate_length %g is negative", path, entry, length);
    double depol;
    CALL(noise_calibrated_rule(m, gate, k, qubits, error, length, entry, &depol));
    m->rules[m->nrules - 1].symmetric = is_symmetric(gate);
    return TN_OK;
}

/* The calibrated rule of gate on qubits (k of them), or NULL. */
static const noise_rule *find_rule(const noise_model *m, const char *gate, int k, const int *qubits)
{
    for (size_t r = 0; r < m->nrules; r++) {
        const noise_rule *x = &m->rules[r];
        if (x->nqubits != k || strcmp(x->gate, gate) != 0) continue;
        int same = 1;
        for (int j = 0; j < k; j++) same = same && x->qubits[j] == qubits[j];
        if (same) return x;
    }
    return NULL;
}

/* An ecr or cx calibrated as (a, b) but not as (b, a) runs as (b, a) the way
 * the transpiler turns it round (Qiskit's GateDirection): one-qubit gates of
 * one sx each on both qubits before and after the calibrated gate. The rule
 * of (b, a) is built like a calibrated gate with the composite's error
 * 1 - (1 - e) (1 - e_sx(a))^2 (1 - e_sx(b))^2 and length L + 2 max sx length. */
static int add_reversed_gates(noise_model *m)
{
    size_t calibrated = m->nrules;
    for (size_t r = 0; r < calibrated; r++) {
        const noise_rule *x = &m->rules[r];
        if (x->nqubits != 2 || (strcmp(x->gate, "ecr") != 0 && strcmp(x->gate, "cx") != 0)) continue;
        int reversed[2] = {x->qubits[1], x->qubits[0]};
        if (find_rule(m, x->gate, 2, reversed)) continue;
        double fidelity = 1 - x->gate_error, length = x->duration > 0 ? x->duration : 0, sx_length = 0;
        for (int j = 0; j < 2; j++) {
            const noise_rule *sx = find_rule(m, "sx", 1, &x->qubits[j]);
            if (!sx) continue;
            if (sx->gate_error > 0) fidelity *= (1 - sx->gate_error) * (1 - sx->gate_error);
            if (sx->duration > sx_length) sx_length = sx->duration;
        }
        const char *gate = strcmp(x->gate, "ecr") == 0 ? "ecr" : "cx";
        char where[96];
        snprintf(where, sizeof where, "%s on qubits %d,%d (the calibrated %s %d,%d turned round: + 2 sx each)", gate,
                 reversed[0], reversed[1], gate, reversed[1], reversed[0]);
        double depol;
        CALL(noise_calibrated_rule(m, gate, 2, reversed, fidelity > 0 ? 1 - fidelity : 1, length + 2 * sx_length, where,
                                   &depol));
    }
    return TN_OK;
}

/* Frame changes the backend need not list: no error, no time. */
static int add_virtual_gates(noise_model *m)
{
    static const char *virtual_gates[] = {"rz", "p", "z", "s", "sdg", "t", "tdg", "id"};
    for (size_t i = 0; i < sizeof virtual_gates / sizeof virtual_gates[0]; i++) {
        int listed = 0;
        for (size_t r = 0; r < m->nrules && !listed; r++) listed = strcmp(m->rules[r].gate, virtual_gates[i]) == 0;
        if (listed) continue;
        noise_rule *r;
        CALL(noise_add_rule(m, &r));
        snprintf(r->gate, sizeof r->gate, "%s", virtual_gates[i]);
        r->duration = 0;
        r->gate_error = 0;
        snprintf(r->where, sizeof r->where, "%s (a frame change)", virtual_gates[i]);
    }
    return TN_OK;
}

int noise_load_ibm(noise_model *m, void *root_ptr, const char *path)
{
    json_t *root = root_ptr, *qubits = json_object_get(root, "qubits"), *gates = json_object_get(root, "gates");
    if (!json_is_array(qubits) || !json_is_array(gates))
        return tn_fail(TN_ERR_INPUT, "%s: IBM properties need arrays \"qubits\" and \"gates\"", path);
    m->nqubits = (int)json_array_size(qubits);
    CALL(noise_reserve_qubits(m, m->nqubits > 0 ? m->nqubits : 1));
    for (int q = 0; q < m->nqubits; q++) {
        json_t *list = json_array_get(qubits, (size_t)q);
        if (!json_is_array(list)) return tn_fail(TN_ERR_INPUT, "%s: qubits[%d] is not a list of properties", path, q);
        CALL(read_qubit(m, list, q, path));
    }
    size_t i;
    json_t *g;
    json_array_foreach(gates, i, g) CALL(read_gate(m, g, i, path));
    double meas = 0;
    json_t *q0 = json_array_get(qubits, 0);
    if (q0 && named_value(q0, "readout_length", 1, &meas) == 1 && meas > 0) m->measure_duration = meas;
    CALL(add_reversed_gates(m));
    return add_virtual_gates(m);
}
