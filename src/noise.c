/* noise.c - the noise model: loading (format detection), rule lookup,
 * durations and the calibrated-gate construction shared by the IBM and
 * Origin loaders (see noise.h). The format readers are in noise_ibm.c,
 * noise_origin.c and noise_tnemu.c.
 * Not for: applying noise to a state (noisy.c). */
#include "noise.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "gates.h"
#include "input.h"

#define DEFAULT_DURATION_1Q 50e-9
#define DEFAULT_DURATION_2Q 300e-9
#define DEFAULT_MEASURE_DURATION 1e-6

/* The rule index (noise_lookup): open addressing on (name, qubits). */
typedef struct {
    const char *name;                  /* "" for any gate */
    int nqubits;                       /* 0 for any qubits */
    int qubits[CIRC_MAX_GATE_QUBITS];
    size_t rule;                       /* index + 1; 0: an empty slot */
} index_slot;

struct noise_index {
    index_slot *slots;
    size_t mask;                       /* slots - 1, a power of two minus one */
    size_t nrules;                     /* the rules it was built for */
};


void noise_destroy(noise_model **pm)
{
    noise_model *m = *pm;
    if (!m) return;
    for (size_t i = 0; i < m->nrules; i++) {
        for (int j = 0; j < m->rules[i].napply; j++) channel_free(&m->rules[i].apply[j].ch);
        free(m->rules[i].apply);
    }
    free(m->rules);
    if (m->index) free(m->index->slots);
    free(m->index);
    free(m->qubit);
    free(m->couplers);
    free(m);
    *pm = NULL;
}

int noise_add_rule(noise_model *m, noise_rule **rule)
{
    if (m->nrules == m->rules_cap) {
        size_t cap = m->rules_cap ? 2 * m->rules_cap : 64;
        noise_rule *r = realloc(m->rules, cap * sizeof *r);
        if (!r) return tn_fail(TN_ERR_MEMORY, "out of memory: %zu noise rules", cap);
        m->rules = r;
        m->rules_cap = cap;
    }
    *rule = &m->rules[m->nrules++];
    memset(*rule, 0, sizeof **rule);
    (*rule)->duration = -1;
    (*rule)->gate_error = -1;
    return TN_OK;
}

int noise_reserve_qubits(noise_model *m, int n)
{
    if (n <= m->qubit_cap) return TN_OK;
    noise_qubit *q = realloc(m->qubit, (size_t)n * sizeof *q);
    if (!q) return tn_fail(TN_ERR_MEMORY, "out of memory: %d noise qubits", n);
    memset(q + m->qubit_cap, 0, (size_t)(n - m->qubit_cap) * sizeof *q);
    m->qubit = q;
    m->qubit_cap = n;
    return TN_OK;
}

/* Adds one channel application to a rule. */
static int add_apply(noise_rule *r, channel *ch, int each, const int *pos)
{
    noise_apply *a = realloc(r->apply, (size_t)(r->napply + 1) * sizeof *a);
    if (!a) { channel_free(ch); return tn_fail(TN_ERR_MEMORY, "out of memory: noise channels"); }
    r->apply = a;
    noise_apply *x = &a[r->napply++];
    memset(x, 0, sizeof *x);
    x->ch = *ch;
    x->each = each;
    if (pos) memcpy(x->pos, pos, (size_t)ch->nqubits * sizeof(int));
    return TN_OK;
}

int noise_add_channel(noise_rule *r, channel *ch, int each, const int *pos)
{
    return add_apply(r, ch, each, pos);
}

const noise_qubit *noise_qubit_params(const noise_model *m, int q)
{
    static const noise_qubit none = {0};
    if (q >= 0 && q < m->qubit_cap) return &m->qubit[q];
    return m->has_default_qubit ? &m->default_qubit : &none;
}

/* The thermal relaxation channel of qubit q over `length` seconds under the
 * model's scale; *none = 1 if the qubit has no T1/T2 or nothing happens. */
static int scaled_thermal(const noise_model *m, int q, double length, const char *where, channel *ch, int *none)
{
    *none = 1;
    memset(ch, 0, sizeof *ch);
    const noise_qubit *p = noise_qubit_params(m, q);
    if (p->t1 <= 0 || p->t2 <= 0 || length <= 0 || m->scale <= 0) return TN_OK;
    *none = 0;
    return channel_thermal(p->t1 / m->scale, p->t2 / m->scale, length, where, ch);
}

int noise_calibrated_rule(noise_model *m, const char *gate, int k, const int *qubits, double error, double length,
                          const char *where, double *depol)
{
    noise_rule *r;
    CALL(noise_add_rule(m, &r));
    snprintf(r->gate, sizeof r->gate, "%s", gate);
    r->nqubits = k;
    memcpy(r->qubits, qubits, (size_t)k * sizeof(int));
    r->duration = length;
    r->gate_error = error;
    r->faulty = error >= 1;
    snprintf(r->where, sizeof r->where, "%s", where);
    double d = (double)(1 << k), relax_fe = 1;
    channel relax[CIRC_MAX_GATE_QUBITS];
    int has[CIRC_MAX_GATE_QUBITS] = {0}, status = TN_OK;
    for (int j = 0; j < k && status == TN_OK; j++) {
        int none;
        status = scaled_thermal(m, qubits[j], length, where, &relax[j], &none);
        has[j] = status == TN_OK && !none;
        if (has[j]) relax_fe *= channel_process_fidelity(&relax[j]);
    }
    double relax_infid = 1 - (d * relax_fe + 1) / (d + 1);
    double e = fmin(error * m->scale, d / (d + 1)), p = 0;
    if (e > relax_infid) p = d * (e - relax_infid) / (d * (1 - relax_infid) - 1);
    p = fmin(p, d * d / (d * d - 1));
    *depol = p;
    if (status == TN_OK && p > 0) {
        channel dep;
        int pos[CHANNEL_MAX_QUBITS] = {0, 1, 2};
        status = channel_depolarizing(k, p, where, &dep);
        if (status == TN_OK) status = add_apply(r, &dep, 0, pos);
    }
    for (int j = 0; j < k; j++) {
        if (!has[j]) continue;
        if (status == TN_OK) status = add_apply(r, &relax[j], 0, &j);
        else channel_free(&relax[j]);
    }
    return status;
}

double noise_scale_readout(noise_model *m, double p)
{
    double scaled = p * m->scale;
    if (scaled > 0.5 && scaled > p) {
        m->readout_clipped++;
        return p > 0.5 ? p : 0.5;
    }
    return scaled;
}

const char *noise_gate_name(const circ_op *op)
{
    if (op->gate == GATE_UNITARY) return "unitary";
    return gate_get_info(op->gate)->name;
}

static int same_qubits(const noise_rule *r, const circ_op *op)
{
    if (r->nqubits != op->nqubits) return 0;
    int forward = 1, backward = r->nqubits == 2 && r->symmetric;
    for (int j = 0; j < r->nqubits; j++) {
        if (r->qubits[j] != op->qubits[j]) forward = 0;
        if (backward && r->qubits[j] != op->qubits[r->nqubits - 1 - j]) backward = 0;
    }
    return forward || backward;
}

/* ---- rule lookup by hash ------------------------------------------------------
 * A calibration has a rule per gate and qubits (fez: about a thousand), and a
 * plan looks one up per operation: a hash of (name or "", qubits or none)
 * finds the first rule of each specificity at once. The index holds the first
 * rule of every key (the linear scan keeps the first of equal rank too). */
static size_t key_hash(const char *name, int nq, const int *qubits)
{
    uint64_t h = 1469598103934665603ull;
    for (const char *p = name; *p; p++) h = (h ^ (unsigned char)*p) * 1099511628211ull;
    h = (h ^ (uint64_t)(nq + 1000)) * 1099511628211ull;
    for (int j = 0; j < nq; j++) h = (h ^ (uint64_t)(unsigned)qubits[j]) * 1099511628211ull;
    return (size_t)(h ^ (h >> 29));
}

static int key_equal(const index_slot *s, const char *name, int nq, const int *qubits)
{
    if (s->nqubits != nq || strcmp(s->name, name) != 0) return 0;
    for (int j = 0; j < nq; j++)
        if (s->qubits[j] != qubits[j]) return 0;
    return 1;
}

/* The slot of the key: its own, or the empty one where it would go. */
static index_slot *index_find(const struct noise_index *ix, const char *name, int nq, const int *qubits)
{
    for (size_t i = key_hash(name, nq, qubits) & ix->mask;; i = (i + 1) & ix->mask) {
        index_slot *s = &ix->slots[i];
        if (!s->rule || key_equal(s, name, nq, qubits)) return s;
    }
}

static void index_put(struct noise_index *ix, const char *name, int nq, const int *qubits, size_t rule)
{
    index_slot *s = index_find(ix, name, nq, qubits);
    if (s->rule) return;   /* an earlier rule of the same key wins */
    s->name = name;
    s->nqubits = nq;
    memcpy(s->qubits, qubits, (size_t)nq * sizeof *qubits);
    s->rule = rule + 1;
}

static int index_build(noise_model *m)
{
    size_t cap = 16;
    while (cap < 4 * m->nrules + 16) cap *= 2;   /* symmetric pairs take two slots each: at most half full */
    struct noise_index *ix = tn_calloc(1, sizeof *ix);
    if (ix) ix->slots = tn_calloc(cap, sizeof *ix->slots);
    if (!ix || !ix->slots) { free(ix); return TN_ERR_MEMORY; }
    ix->mask = cap - 1;
    ix->nrules = m->nrules;
    for (size_t i = 0; i < m->nrules; i++) {
        const noise_rule *r = &m->rules[i];
        index_put(ix, r->gate, r->nqubits, r->qubits, i);
        if (r->nqubits == 2 && r->symmetric) {
            int back[2] = {r->qubits[1], r->qubits[0]};
            index_put(ix, r->gate, 2, back, i);
        }
    }
    m->index = ix;
    return TN_OK;
}

static const noise_rule *index_lookup(const noise_model *m, const char *name, const circ_op *op)
{
    const index_slot *s = index_find(m->index, name, op->nqubits, op->qubits);
    if (!s->rule) s = index_find(m->index, name, 0, op->qubits);
    if (!s->rule) s = index_find(m->index, "", op->nqubits, op->qubits);
    if (!s->rule) s = index_find(m->index, "", 0, op->qubits);
    return s->rule ? &m->rules[s->rule - 1] : NULL;
}

const noise_rule *noise_lookup(const noise_model *m, const circ_op *op)
{
    if (op->kind == OP_GATE && op->gate == GATE_DELAY) return NULL;   /* idle time, no rule */
    const char *name = noise_gate_name(op);
    if (m->index && m->index->nrules == m->nrules) return index_lookup(m, name, op);
    const noise_rule *best = NULL;
    int best_rank = 0;
    for (size_t i = 0; i < m->nrules; i++) {
        const noise_rule *r = &m->rules[i];
        int name_ok = !r->gate[0] || strcmp(r->gate, name) == 0;
        int qubits_ok = !r->nqubits || same_qubits(r, op);
        if (!name_ok || !qubits_ok) continue;
        int rank = 1 + (r->gate[0] ? 2 : 0) + (r->nqubits ? 1 : 0);
        if (r->gate[0] && r->nqubits) rank = 5;
        if (rank > best_rank) { best = r; best_rank = rank; }
    }
    return best;
}

int noise_delay_known(const noise_model *m, const circ_op *op)
{
    return !(op->kind == OP_GATE && op->gate == GATE_DELAY && op->params[1] != 0 && !(m->dt > 0));
}

double noise_duration(const noise_model *m, const circ_op *op, const noise_rule *rule)
{
    if (op->kind == OP_MEASURE) return m->measure_duration;
    if (op->kind != OP_GATE) return op->kind == OP_RESET ? m->measure_duration : 0;
    if (op->gate == GATE_DELAY) return op->params[1] != 0 ? op->params[0] * m->dt : op->params[0];
    if (rule && rule->duration >= 0) return rule->duration;
    return op->nqubits == 1 ? m->duration_1q : m->duration_2q;
}

int noise_check_circuit(const noise_model *m, const circuit *c)
{
    if (strcmp(m->format, "tnemu") != 0) return TN_OK;
    int n = c->nqubits;
    for (int q = n; q < m->qubit_cap; q++)
        if (m->qubit[q].listed)
            return tn_fail(TN_ERR_INPUT, "%s: qubits[%d]: qubit %d is out of range for the %d-qubit circuit %s "
                           "(qubits 0 to %d)", m->source, m->qubit[q].listed - 1, q, n, c->source, n - 1);
    for (size_t i = 0; i < m->nrules; i++)
        for (int j = 0; j < m->rules[i].nqubits; j++)
            if (m->rules[i].qubits[j] >= n)
                return tn_fail(TN_ERR_INPUT, "%s: %s: qubit %d is out of range for the %d-qubit circuit %s "
                               "(qubits 0 to %d)", m->source, m->rules[i].where, m->rules[i].qubits[j], n,
                               c->source, n - 1);
    for (int i = 0; i < m->ncouplers; i++)
        if (m->couplers[i].a >= n || m->couplers[i].b >= n)
            return tn_fail(TN_ERR_INPUT, "%s: %s: qubit %d is out of range for the %d-qubit circuit %s (qubits 0 to "
                           "%d)", m->source, m->couplers[i].where, m->couplers[i].a >= n ? m->couplers[i].a :
                           m->couplers[i].b, n, c->source, n - 1);
    return TN_OK;
}

/* ---- loading ------------------------------------------------------------- */

static const char *detect_format(json_t *root)
{
    if (json_is_object(root)) {
        json_t *f = json_object_get(root, "format");
        if (json_is_string(f) && strcmp(json_string_value(f), "tnemu-noise") == 0) return "tnemu";
        if (json_object_get(root, "backend_name") && json_object_get(root, "gates") && json_object_get(root, "qubits"))
            return "ibm";
        if (json_object_get(root, "QubitParams") || json_object_get(root, "adjJSON")) return "origin";
        if (json_object_get(root, "n_qubits") && json_object_get(root, "coupling_map")) return "ibm-conf";
    }
    return NULL;
}

/* props_X.json for conf_X.json (and the other way round), or "" if the
 * name has neither prefix. */
static void sibling_path(const char *path, const char *from, const char *to, char *out, size_t size)
{
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    out[0] = '\0';
    if (strncmp(base, from, strlen(from)) != 0) return;
    snprintf(out, size, "%.*s%s%s", (int)(base - path), path, to, base + strlen(from));
}

static int read_json(const char *path, json_t **root)
{
    return input_load_json(path, 0, "option --noise", root);
}

/* Reads the qubit count of an IBM conf_*.json beside the props, if any. */
static int read_ibm_conf(const char *props_path, noise_model *m)
{
    char conf[1024];
    sibling_path(props_path, "props_", "conf_", conf, sizeof conf);
    if (!conf[0]) return TN_OK;
    json_t *root = NULL;
    if (input_load_json(conf, 0, NULL, &root) != TN_OK) { tn_clear_error(); return TN_OK; }   /* the conf is optional */
    json_t *n = json_object_get(root, "n_qubits"), *dt = json_object_get(root, "dt");
    if (json_is_integer(n) && json_integer_value(n) > m->nqubits) m->nqubits = (int)json_integer_value(n);
    if (json_is_number(dt) && json_number_value(dt) > 0) m->dt = json_number_value(dt) * 1e-9;   /* ns in the conf */
    json_decref(root);
    return TN_OK;
}

const char *noise_t2_name(noise_t2 t2)
{
    return t2 == NOISE_T2_RAMSEY ? "ramsey" : t2 == NOISE_T2_ECHO ? "echo" : "as given";
}

int noise_parse_t2(const char *what, const char *value, noise_t2 *out)
{
    if (value && strcmp(value, "ramsey") == 0) *out = NOISE_T2_RAMSEY;
    else if (value && strcmp(value, "echo") == 0) *out = NOISE_T2_ECHO;
    else return tn_fail(TN_ERR_USAGE, "%s: '%s' is not one of: ramsey, echo", what, value ? value : "(missing)");
    return TN_OK;
}

int noise_load(const char *path, const char *format, double scale, noise_model **out)
{
    return noise_load_t2(path, format, scale, NOISE_T2_DEFAULT, out);
}

int noise_load_t2(const char *path, const char *format, double scale, noise_t2 t2, noise_model **out)
{
    *out = NULL;
    if (!(scale >= 0) || !isfinite(scale))
        return tn_fail(TN_ERR_USAGE, "option --noise-scale: %g is not a number >= 0", scale);
    noise_model *m = tn_calloc(1, sizeof *m);
    if (!m) return TN_ERR_MEMORY;
    snprintf(m->source, sizeof m->source, "%s", path);
    m->scale = scale;
    m->idle = 1;
    m->duration_1q = DEFAULT_DURATION_1Q;
    m->duration_2q = DEFAULT_DURATION_2Q;
    m->measure_duration = DEFAULT_MEASURE_DURATION;
    json_t *root = NULL;
    char props[1024];
    int status = read_json(path, &root);
    const char *detected = status == TN_OK ? detect_format(root) : NULL;
    if (status == TN_OK && detected && strcmp(detected, "ibm-conf") == 0) {
        sibling_path(path, "conf_", "props_", props, sizeof props);
        json_decref(root);
        root = NULL;
        if (!props[0])
            status = tn_fail(TN_ERR_INPUT, "%s: an IBM backend configuration; pass its props_*.json as --noise", path);
        else
            status = read_json(props, &root);
        if (status == TN_OK) { path = props; detected = detect_format(root); }
    }
    if (status == TN_OK && !format) format = detected;
    if (status == TN_OK && !format)
        status = tn_fail(TN_ERR_INPUT, "%s: not a noise model tnemu knows (IBM props/conf, Origin chip config, "
                         "or {\"format\": \"tnemu-noise\"}); name one with --noise-format", path);
    if (status == TN_OK) {
        snprintf(m->format, sizeof m->format, "%s", format);
        if (strcmp(format, "ibm") == 0) {
            m->strict = 1;
            status = noise_load_ibm(m, root, path);
            if (status == TN_OK) status = read_ibm_conf(path, m);
        } else if (strcmp(format, "origin") == 0) {
            m->strict = 1;
            m->t2_kind = t2 != NOISE_T2_DEFAULT ? t2 : NOISE_T2_MEASURED;
            status = noise_load_origin(m, root, path);
        } else if (strcmp(format, "tnemu") == 0) {
            status = noise_load_tnemu(m, root, path);
        } else {
            status = tn_fail(TN_ERR_USAGE, "option --noise-format: '%s' is not one of: ibm, origin, tnemu", format);
        }
    }
    if (status == TN_OK && t2 != NOISE_T2_DEFAULT && strcmp(m->format, "origin") != 0)
        status = tn_fail(TN_ERR_USAGE, "option --t2: %s is a %s noise model with one T2 per qubit; --t2 (a spec's "
                         "\"t2\") chooses between the Ramsey and echo T2 of Origin chip configurations", path, m->format);
    json_decref(root);
    if (status == TN_OK) status = index_build(m);
    if (status != TN_OK) { noise_destroy(&m); return status; }
    *out = m;
    return TN_OK;
}
