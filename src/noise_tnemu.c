/* noise_tnemu.c - reads tnemu's own noise JSON (docs/noise-format.md) into a
 * noise model: channels per gate name and/or qubits, per-qubit T1/T2 and
 * readout confusion, durations, idle relaxation. Every error names the
 * entry by its JSON path ("gates[2].channels[0]").
 * Not for: device calibrations (noise_ibm.c, noise_origin.c). */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "coherent.h"
#include "error.h"
#include "gates.h"
#include "input.h"
#include "noise.h"

static int bad(const char *path, const char *entry, const char *what)
{
    return tn_fail(TN_ERR_INPUT, "%s: %s: %s", path, entry, what);
}

/* A required (or optional, with a default) finite number field. */
static int number_field(json_t *obj, const char *name, int required, double dflt, const char *path,
                        const char *entry, double *out)
{
    json_t *v = json_object_get(obj, name);
    if (!v) {
        if (required) return tn_fail(TN_ERR_INPUT, "%s: %s: needs a number \"%s\"", path, entry, name);
        *out = dflt;
        return TN_OK;
    }
    if (!json_is_number(v) || !isfinite(json_number_value(v)))
        return tn_fail(TN_ERR_INPUT, "%s: %s: \"%s\" is not a number", path, entry, name);
    *out = json_number_value(v);
    return TN_OK;
}

static int scaled_probability(double p, double scale, double max, const char *path, const char *entry,
                              const char *what, double *out)
{
    if (!(p >= 0 && p <= max))
        return tn_fail(TN_ERR_INPUT, "%s: %s: %s %g is out of range [0, %g]", path, entry, what, p, max);
    *out = p * scale;
    if (*out > max)
        return tn_fail(TN_ERR_INPUT, "%s: %s: %s %g times noise scale %g = %g exceeds %g", path, entry, what, p,
                       scale, *out, max);
    return TN_OK;
}

/* The index of a Pauli string such as "XZ" (first letter: first qubit). */
static int pauli_index(const char *s, int *k)
{
    int idx = 0;
    *k = (int)strlen(s);
    if (*k < 1 || *k > CHANNEL_MAX_QUBITS) return -1;
    for (int j = 0; j < *k; j++) {
        const char *p = strchr("IXYZ", s[j]);
        if (!p || !s[j]) return -1;
        idx = idx * 4 + (int)(p - "IXYZ");
    }
    return idx;
}

static int read_pauli(json_t *c, double scale, const char *path, const char *entry, channel *ch)
{
    json_t *probs = json_object_get(c, "probabilities");
    if (!json_is_object(probs) || json_object_size(probs) == 0)
        return bad(path, entry, "a pauli channel needs \"probabilities\": {\"X\": p, ...}");
    double p[1 << (2 * CHANNEL_MAX_QUBITS)] = {0}, rest = 0;
    int k = 0;
    const char *key;
    json_t *v;
    json_object_foreach(probs, key, v) {
        int kk, idx = pauli_index(key, &kk);
        if (idx < 0 || (k && kk != k))
            return tn_fail(TN_ERR_INPUT, "%s: %s: \"%s\" is not a Pauli string like the others (letters I X Y Z, "
                           "1 to %d qubits)", path, entry, key, CHANNEL_MAX_QUBITS);
        k = kk;
        if (!json_is_number(v)) return tn_fail(TN_ERR_INPUT, "%s: %s: probability of %s is not a number", path, entry, key);
        if (idx == 0) continue;   /* the identity takes what is left */
        CALL(scaled_probability(json_number_value(v), scale, 1, path, entry, "Pauli probability", &p[idx]));
        rest += p[idx];
    }
    if (rest > 1 + 1e-12)
        return tn_fail(TN_ERR_INPUT, "%s: %s: Pauli probabilities sum to %g > 1", path, entry, rest);
    p[0] = fmax(0, 1 - rest);
    return channel_pauli(k, p, entry, ch);
}

static int read_entry(json_t *e, double complex *z)
{
    if (json_is_number(e)) { *z = json_number_value(e); return 1; }
    if (json_is_array(e) && json_array_size(e) == 2 && json_is_number(json_array_get(e, 0)) &&
        json_is_number(json_array_get(e, 1))) {
        *z = json_number_value(json_array_get(e, 0)) + I * json_number_value(json_array_get(e, 1));
        return 1;
    }
    return 0;
}

static int read_kraus(json_t *c, double scale, const char *path, const char *entry, channel *ch)
{
    json_t *ops = json_object_get(c, "operators");
    size_t nops = json_is_array(ops) ? json_array_size(ops) : 0;
    if (nops < 1 || nops > 64) return bad(path, entry, "a kraus channel needs 1 to 64 \"operators\"");
    size_t d = json_array_size(json_array_get(ops, 0));
    int k = d == 2 ? 1 : d == 4 ? 2 : d == 8 ? 3 : 0;
    if (!k) return bad(path, entry, "Kraus operators must be 2x2, 4x4 or 8x8 matrices (lists of rows)");
    double complex *all = tn_calloc(nops * d * d, sizeof *all);
    if (!all) return TN_ERR_MEMORY;
    int status = TN_OK;
    for (size_t i = 0; i < nops && status == TN_OK; i++) {
        json_t *mat = json_array_get(ops, i);
        if (!json_is_array(mat) || json_array_size(mat) != d)
            status = tn_fail(TN_ERR_INPUT, "%s: %s: operator %zu is not a %zux%zu matrix", path, entry, i, d, d);
        for (size_t r = 0; r < d && status == TN_OK; r++) {
            json_t *row = json_array_get(mat, r);
            if (!json_is_array(row) || json_array_size(row) != d)
                status = tn_fail(TN_ERR_INPUT, "%s: %s: operator %zu row %zu does not have %zu entries", path, entry,
                                 i, r, d);
            for (size_t col = 0; col < d && status == TN_OK; col++)
                if (!read_entry(json_array_get(row, col), &all[(i * d + r) * d + col]))
                    status = tn_fail(TN_ERR_INPUT, "%s: %s: operator %zu entry (%zu,%zu) is not a number or "
                                     "[re, im]", path, entry, i, r, col);
        }
    }
    char where[160];
    snprintf(where, sizeof where, "%s: %s", path, entry);
    if (status == TN_OK) status = channel_kraus(k, (int)nops, all, where, ch);
    free(all);
    if (status == TN_OK && scale != 1) {
        if (scale > 1) {
            channel_free(ch);
            return tn_fail(TN_ERR_USAGE, "option --noise-scale: %g > 1 cannot amplify the general Kraus channel "
                           "%s: %s", scale, path, entry);
        }
        status = channel_mix_identity(ch, scale, where);
        if (status != TN_OK) channel_free(ch);
    }
    return status;
}

/* The keys a channel of type t may have: "type", "on" and its parameters. */
static int check_channel_keys(json_t *c, const char *t, const char *path, const char *entry)
{
    static const struct { const char *type; const char *const keys[6]; } kinds[] = {
        {"depolarizing", {"type", "on", "p", "qubits", NULL}},
        {"pauli", {"type", "on", "probabilities", NULL}},
        {"amplitude_damping", {"type", "on", "gamma", NULL}},
        {"phase_damping", {"type", "on", "lambda", NULL}},
        {"thermal_relaxation", {"type", "on", "t1", "t2", "time", NULL}},
        {"kraus", {"type", "on", "operators", NULL}},
    };
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
        if (strcmp(t, kinds[i].type) == 0) return input_check_keys(path, entry, c, kinds[i].keys);
    return TN_OK;   /* an unknown type is named by read_channel */
}

/* Builds the channel of one "channels" entry; *k gets its width. */
static int read_channel(json_t *c, double scale, double gate_time, const char *path, const char *entry, channel *ch)
{
    json_t *type = json_object_get(c, "type");
    if (!json_is_string(type)) return bad(path, entry, "needs a \"type\"");
    const char *t = json_string_value(type);
    CALL(check_channel_keys(c, t, path, entry));
    char where[160];
    snprintf(where, sizeof where, "%s: %s", path, entry);
    double x, y, z;
    if (strcmp(t, "depolarizing") == 0) {
        double k;
        CALL(number_field(c, "p", 1, 0, path, entry, &x));
        CALL(number_field(c, "qubits", 0, 1, path, entry, &k));
        if (k != 1 && k != 2 && k != 3) return bad(path, entry, "\"qubits\" of a depolarizing channel must be 1, 2 or 3");
        double n = pow(4, k);
        CALL(scaled_probability(x, scale, n / (n - 1), path, entry, "depolarizing parameter", &y));
        return channel_depolarizing((int)k, y, where, ch);
    }
    if (strcmp(t, "pauli") == 0) return read_pauli(c, scale, path, entry, ch);
    if (strcmp(t, "amplitude_damping") == 0) {
        CALL(number_field(c, "gamma", 1, 0, path, entry, &x));
        CALL(scaled_probability(x, scale, 1, path, entry, "gamma", &y));
        return channel_amplitude_damping(y, where, ch);
    }
    if (strcmp(t, "phase_damping") == 0) {
        CALL(number_field(c, "lambda", 1, 0, path, entry, &x));
        CALL(scaled_probability(x, scale, 1, path, entry, "lambda", &y));
        return channel_phase_damping(y, where, ch);
    }
    if (strcmp(t, "thermal_relaxation") == 0) {
        CALL(number_field(c, "t1", 1, 0, path, entry, &x));
        CALL(number_field(c, "t2", 1, 0, path, entry, &y));
        CALL(number_field(c, "time", gate_time < 0, gate_time, path, entry, &z));
        if (scale == 0) z = 0;
        return channel_thermal(x / (scale > 0 ? scale : 1), y / (scale > 0 ? scale : 1), z, where, ch);
    }
    if (strcmp(t, "kraus") == 0) return read_kraus(c, scale, path, entry, ch);
    return tn_fail(TN_ERR_INPUT, "%s: %s: unknown channel type '%.40s' (depolarizing, pauli, amplitude_damping, "
                   "phase_damping, thermal_relaxation, kraus)", path, entry, t);
}

/* The gate qubits a channel acts on: "on": [positions] or "each". */
static int read_target(json_t *c, const channel *ch, int gate_k, const char *path, const char *entry, int *each,
                       int *pos)
{
    json_t *on = json_object_get(c, "on");
    *each = 0;
    for (int j = 0; j < ch->nqubits; j++) pos[j] = j;
    if (!on) {
        if (ch->nqubits == 1 && gate_k != 1) *each = 1;
        else if (gate_k > 0 && ch->nqubits != gate_k)
            return tn_fail(TN_ERR_INPUT, "%s: %s: a %d-qubit channel on a %d-qubit gate needs \"on\": [positions]",
                           path, entry, ch->nqubits, gate_k);
        return TN_OK;
    }
    if (json_is_string(on) && strcmp(json_string_value(on), "each") == 0) {
        if (ch->nqubits != 1) return bad(path, entry, "\"on\": \"each\" needs a one-qubit channel");
        *each = 1;
        return TN_OK;
    }
    if (!json_is_array(on) || (int)json_array_size(on) != ch->nqubits)
        return tn_fail(TN_ERR_INPUT, "%s: %s: \"on\" must be \"each\" or %d positions in the gate's qubit list", path,
                       entry, ch->nqubits);
    for (int j = 0; j < ch->nqubits; j++) {
        json_t *v = json_array_get(on, (size_t)j);
        if (!json_is_integer(v) || json_integer_value(v) < 0 ||
            json_integer_value(v) >= (gate_k > 0 ? gate_k : CIRC_MAX_GATE_QUBITS))
            return tn_fail(TN_ERR_INPUT, "%s: %s: \"on\"[%d] is not a position in [0, %d]", path, entry, j,
                           (gate_k > 0 ? gate_k : CIRC_MAX_GATE_QUBITS) - 1);
        pos[j] = (int)json_integer_value(v);
        for (int i = 0; i < j; i++)
            if (pos[i] == pos[j]) return bad(path, entry, "\"on\" lists a position twice");
    }
    return TN_OK;
}

/* "overrotation": radians added to the gate's angle (coherent.h); a named
 * gate must have a convention ("*" is checked per gate when planning). */
static int read_overrotation(noise_model *m, json_t *g, noise_rule *r, const char *gname, const char *path,
                             const char *entry)
{
    if (!json_object_get(g, "overrotation")) return TN_OK;
    double eps;
    CALL(number_field(g, "overrotation", 1, 0, path, entry, &eps));
    if (strcmp(gname, "*") != 0 && !coherent_overrotation_defined(gate_lookup(gname)))
        return tn_fail(TN_ERR_INPUT, "%s: %s: \"overrotation\" is not defined for %s (only for %s)", path, entry,
                       gname, coherent_overrotation_gates());
    r->overrotation = eps * m->scale;
    return TN_OK;
}

static int read_rule(noise_model *m, json_t *g, size_t index, const char *path)
{
    char entry[96];
    snprintf(entry, sizeof entry, "gates[%zu]", index);
    if (!json_is_object(g)) return bad(path, entry, "is not an object");
    static const char *const rule_keys[] = {"gate", "qubits", "duration", "channels", "overrotation", NULL};
    CALL(input_check_keys(path, entry, g, rule_keys));
    noise_rule *r;
    CALL(noise_add_rule(m, &r));
    snprintf(r->where, sizeof r->where, "%s", entry);
    json_t *name = json_object_get(g, "gate"), *qs = json_object_get(g, "qubits"), *chans = json_object_get(g, "channels");
    if (name && !json_is_string(name)) return bad(path, entry, "\"gate\" is not a string");
    const char *gname = name ? json_string_value(name) : "*";
    if (strcmp(gname, "*") != 0) {
        if (strcmp(gname, "unitary") != 0 && gate_lookup(gname) < 0)
            return tn_fail(TN_ERR_INPUT, "%s: %s: unknown gate '%.40s'", path, entry, gname);
        snprintf(r->gate, sizeof r->gate, "%s", gname);
    }
    int gate_k = r->gate[0] && strcmp(gname, "unitary") != 0 ? gate_get_info(gate_lookup(gname))->nqubits : 0;
    if (qs) {
        if (!json_is_array(qs) || json_array_size(qs) < 1 || json_array_size(qs) > CIRC_MAX_GATE_QUBITS)
            return bad(path, entry, "\"qubits\" is not a list of qubit indices");
        r->nqubits = (int)json_array_size(qs);
        if (gate_k && r->nqubits != gate_k)
            return tn_fail(TN_ERR_INPUT, "%s: %s: %s acts on %d qubits, not %d", path, entry, gname, gate_k, r->nqubits);
        gate_k = r->nqubits;
        for (int j = 0; j < r->nqubits; j++) {
            json_t *v = json_array_get(qs, (size_t)j);
            if (!json_is_integer(v) || json_integer_value(v) < 0 || (m->nqubits && json_integer_value(v) >= m->nqubits))
                return tn_fail(TN_ERR_INPUT, "%s: %s: qubits[%d] is not a qubit index%s", path, entry, j,
                               m->nqubits ? " of the model" : "");
            r->qubits[j] = (int)json_integer_value(v);
        }
    }
    CALL(read_overrotation(m, g, r, gname, path, entry));
    double dur;
    CALL(number_field(g, "duration", 0, -1, path, entry, &dur));
    if (json_object_get(g, "duration") && !(dur >= 0)) return bad(path, entry, "\"duration\" is negative");
    r->duration = dur;
    double gate_time = dur >= 0 ? dur : (gate_k == 1 ? m->duration_1q : m->duration_2q);
    if (chans && !json_is_array(chans)) return bad(path, entry, "\"channels\" is not a list");
    size_t i;
    json_t *c;
    json_array_foreach(chans, i, c) {
        char centry[128];
        snprintf(centry, sizeof centry, "%s.channels[%zu]", entry, i);
        if (!json_is_object(c)) return bad(path, centry, "is not an object");
        channel ch;
        int each, pos[CHANNEL_MAX_QUBITS];
        CALL(read_channel(c, m->scale, gate_time, path, centry, &ch));
        int status = read_target(c, &ch, gate_k, path, centry, &each, pos);
        if (status != TN_OK) { channel_free(&ch); return status; }
        CALL(noise_add_channel(r, &ch, each, pos));
    }
    return TN_OK;
}

static int read_readout(json_t *v, noise_qubit *q, double scale, const char *path, const char *entry)
{
    if (!json_is_array(v) || json_array_size(v) != 2 || !json_is_number(json_array_get(v, 0)) ||
        !json_is_number(json_array_get(v, 1)))
        return bad(path, entry, "\"readout\" must be [P(read 1 | prepared 0), P(read 0 | prepared 1)]");
    CALL(scaled_probability(json_number_value(json_array_get(v, 0)), scale, 1, path, entry,
                            "readout P(1|0)", &q->p1_given0));
    CALL(scaled_probability(json_number_value(json_array_get(v, 1)), scale, 1, path, entry,
                            "readout P(0|1)", &q->p0_given1));
    return TN_OK;
}

static int read_qubits(noise_model *m, json_t *root, const char *path)
{
    json_t *qs = json_object_get(root, "qubits"), *ro = json_object_get(root, "readout");
    json_t *t1 = json_object_get(root, "t1"), *t2 = json_object_get(root, "t2");
    int highest = m->nqubits - 1;
    size_t i;
    json_t *q;
    if (qs && !json_is_array(qs)) return bad(path, "qubits", "is not a list");
    static const char *const qubit_keys[] = {"qubit", "t1", "t2", "readout", NULL};
    json_array_foreach(qs, i, q) {
        char entry[64];
        snprintf(entry, sizeof entry, "qubits[%zu]", i);
        CALL(input_check_keys(path, entry, q, qubit_keys));
        json_t *idx = json_object_get(q, "qubit");
        if (!json_is_integer(idx) || json_integer_value(idx) < 0 || json_integer_value(idx) >= 1000000)
            return tn_fail(TN_ERR_INPUT, "%s: qubits[%zu]: needs a \"qubit\" index", path, i);
        if (m->nqubits && json_integer_value(idx) >= m->nqubits)
            return tn_fail(TN_ERR_INPUT, "%s: qubits[%zu]: qubit %lld is out of range for the %d-qubit model "
                           "(\"nqubits\")", path, i, (long long)json_integer_value(idx), m->nqubits);
        if (json_integer_value(idx) > highest) highest = (int)json_integer_value(idx);
    }
    CALL(noise_reserve_qubits(m, highest + 1 > 0 ? highest + 1 : 1));
    if (!m->nqubits) m->qubit_cap = highest + 1 > 0 ? highest + 1 : 1;
    noise_qubit dflt = {0};
    if (ro) CALL(read_readout(ro, &dflt, m->scale, path, "readout"));
    if (t1 || t2) {
        if (!json_is_number(t1) || !json_is_number(t2) || !(json_number_value(t1) > 0) ||
            !(json_number_value(t2) > 0) || json_number_value(t2) > 2 * json_number_value(t1))
            return bad(path, "t1/t2", "need positive times in seconds with t2 <= 2 t1");
        dflt.t1 = json_number_value(t1);
        dflt.t2 = json_number_value(t2);
    }
    m->default_qubit = dflt;
    m->has_default_qubit = 1;
    for (int j = 0; j < m->qubit_cap; j++) m->qubit[j] = dflt;
    json_array_foreach(qs, i, q) {
        char entry[64];
        snprintf(entry, sizeof entry, "qubits[%zu]", i);
        noise_qubit *nq = &m->qubit[json_integer_value(json_object_get(q, "qubit"))];
        nq->listed = (int)i + 1;
        json_t *r = json_object_get(q, "readout");
        if (r) CALL(read_readout(r, nq, m->scale, path, entry));
        if (json_object_get(q, "t1") || json_object_get(q, "t2")) {
            double a, b;
            CALL(number_field(q, "t1", 1, 0, path, entry, &a));
            CALL(number_field(q, "t2", 1, 0, path, entry, &b));
            if (!(a > 0) || !(b > 0) || b > 2 * a) return bad(path, entry, "needs positive t1, t2 (seconds), t2 <= 2 t1");
            nq->t1 = a;
            nq->t2 = b;
        }
    }
    return TN_OK;
}

/* One "couplers" entry: {"qubits": [a, b], "zz": Hz}. */
static int read_coupler(noise_model *m, json_t *e, int i, const char *path)
{
    static const char *const coupler_keys[] = {"qubits", "zz", NULL};
    noise_coupler *c = &m->couplers[i];
    snprintf(c->where, sizeof c->where, "couplers[%d]", i);
    if (!json_is_object(e)) return bad(path, c->where, "is not an object {\"qubits\": [a, b], \"zz\": Hz}");
    CALL(input_check_keys(path, c->where, e, coupler_keys));
    json_t *qs = json_object_get(e, "qubits");
    if (!json_is_array(qs) || json_array_size(qs) != 2 || !json_is_integer(json_array_get(qs, 0)) ||
        !json_is_integer(json_array_get(qs, 1)))
        return bad(path, c->where, "\"qubits\" must be a pair [a, b] of qubit indices");
    json_int_t a = json_integer_value(json_array_get(qs, 0)), b = json_integer_value(json_array_get(qs, 1));
    json_int_t top = m->nqubits ? m->nqubits : 1000000;
    if (a < 0 || b < 0 || a >= top || b >= top)
        return tn_fail(TN_ERR_INPUT, "%s: %s: qubit %lld is out of range [0, %lld]%s", path, c->where,
                       (long long)(a < 0 || a >= top ? a : b), (long long)top - 1, m->nqubits ? " (\"nqubits\")" : "");
    if (a == b)
        return tn_fail(TN_ERR_INPUT, "%s: %s: qubits %lld and %lld are not a coupled pair (a qubit is not coupled to "
                       "itself)", path, c->where, (long long)a, (long long)b);
    c->a = (int)a;
    c->b = (int)b;
    for (int j = 0; j < i; j++)
        if ((m->couplers[j].a == c->a && m->couplers[j].b == c->b) ||
            (m->couplers[j].a == c->b && m->couplers[j].b == c->a))
            return tn_fail(TN_ERR_INPUT, "%s: %s: the pair %d,%d is already %s", path, c->where, c->a, c->b,
                           m->couplers[j].where);
    double zz;
    CALL(number_field(e, "zz", 1, 0, path, c->where, &zz));
    c->zz = zz * m->scale;
    return TN_OK;
}

static int read_couplers(noise_model *m, json_t *root, const char *path)
{
    json_t *list = json_object_get(root, "couplers");
    if (!list) return TN_OK;
    if (!json_is_array(list)) return bad(path, "couplers", "is not a list of {\"qubits\": [a, b], \"zz\": Hz}");
    size_t n = json_array_size(list);
    if (n > 10000) return bad(path, "couplers", "lists more than 10000 couplers");
    m->couplers = tn_calloc(n + 1, sizeof *m->couplers);
    if (!m->couplers) return TN_ERR_MEMORY;
    for (size_t i = 0; i < n; i++) {
        CALL(read_coupler(m, json_array_get(list, i), (int)i, path));
        m->ncouplers = (int)i + 1;
    }
    return TN_OK;
}

int noise_load_tnemu(noise_model *m, void *root_ptr, const char *path)
{
    json_t *root = root_ptr, *v;
    static const char *const model_keys[] = {"format", "nqubits", "idle", "durations", "t1", "t2", "readout",
                                             "qubits", "gates", "couplers", NULL};
    static const char *const duration_keys[] = {"1q", "2q", "measure", NULL};
    CALL(input_check_keys(path, NULL, root, model_keys));
    CALL(input_check_keys(path, "durations", json_object_get(root, "durations"), duration_keys));
    if ((v = json_object_get(root, "nqubits"))) {
        if (!json_is_integer(v) || json_integer_value(v) < 1 || json_integer_value(v) > 1000000)
            return bad(path, "nqubits", "is not a positive qubit count");
        m->nqubits = (int)json_integer_value(v);
    }
    if ((v = json_object_get(root, "idle")) && !json_is_boolean(v)) return bad(path, "idle", "is not true or false");
    m->idle = v ? json_is_true(v) : 1;
    json_t *d = json_object_get(root, "durations");
    if (d) {
        if (!json_is_object(d)) return bad(path, "durations", "is not an object of seconds");
        CALL(number_field(d, "1q", 0, m->duration_1q, path, "durations", &m->duration_1q));
        CALL(number_field(d, "2q", 0, m->duration_2q, path, "durations", &m->duration_2q));
        CALL(number_field(d, "measure", 0, m->measure_duration, path, "durations", &m->measure_duration));
        if (!(m->duration_1q >= 0 && m->duration_2q >= 0 && m->measure_duration >= 0))
            return bad(path, "durations", "a duration is negative");
    }
    CALL(read_qubits(m, root, path));
    CALL(read_couplers(m, root, path));
    json_t *gates = json_object_get(root, "gates");
    if (gates && !json_is_array(gates)) return bad(path, "gates", "is not a list");
    size_t i;
    json_t *g;
    json_array_foreach(gates, i, g) CALL(read_rule(m, g, i, path));
    return TN_OK;
}
