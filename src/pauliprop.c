/* pauliprop.c - Pauli propagation in the Heisenberg picture (see pauliprop.h):
 * the sum of strings as packed X/Z masks with an open-addressing hash map,
 * Pauli transfer matrices of gates and channels, truncation by coefficient.
 * Not for: deciding which operations to propagate (expect.c). */
#include "pauliprop.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"

/* Transfer-matrix entries below this are rounding noise of the exact 0
 * (they come from traces of products of unitaries near machine precision). */
#define PP_PTM_EPS 1e-14

struct pp_sum {
    int n, words;                 /* qubits; 64-bit words per mask */
    pp_options opt;
    uint64_t *keys;               /* per string: x[words] then z[words] */
    double *coef;                 /* 0: a dead string (dropped or cancelled), revived if hit again */
    size_t nterms, cap, live;     /* strings stored, room, strings with c != 0 */
    int64_t *slots;               /* hash slots: index into keys, or -1 */
    size_t nslots;
    uint64_t *support;            /* covers every live string's x|z (may cover more) */
    size_t max_seen;
    double dropped_abs, dropped_sq;
    /* the images of one gate not yet merged, and the strings it touched */
    uint64_t *pend_keys;
    double *pend_coef;
    size_t npend, pend_cap;
    size_t *touched;
    size_t ntouched, touched_cap;
};

int pp_create(int n, const pp_options *opt, pp_sum **out)
{
    *out = NULL;
    pp_sum *s = tn_calloc(1, sizeof *s);
    if (!s) return TN_ERR_MEMORY;
    s->n = n;
    s->words = (n + 63) / 64;
    if (s->words < 1) s->words = 1;
    s->opt = *opt;
    s->support = tn_calloc((size_t)s->words, sizeof(uint64_t));
    if (!s->support) { free(s); return TN_ERR_MEMORY; }
    *out = s;
    return TN_OK;
}

void pp_destroy(pp_sum **ps)
{
    pp_sum *s = *ps;
    if (!s) return;
    free(s->keys);
    free(s->coef);
    free(s->slots);
    free(s->support);
    free(s->pend_keys);
    free(s->pend_coef);
    free(s->touched);
    free(s);
    *ps = NULL;
}

static size_t key_len(const pp_sum *s) { return 2 * (size_t)s->words; }

static int keys_equal(const uint64_t *a, const uint64_t *b, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (a[i] != b[i]) return 0;
    return 1;
}

static uint64_t hash_key(const uint64_t *k, size_t len)
{
    uint64_t h = 0x9e3779b97f4a7c15ull;
    for (size_t i = 0; i < len; i++) {
        uint64_t v = k[i] + h + 0x9e3779b97f4a7c15ull * (i + 1);
        v = (v ^ (v >> 30)) * 0xbf58476d1ce4e5b9ull;
        v = (v ^ (v >> 27)) * 0x94d049bb133111ebull;
        h ^= v ^ (v >> 31);
    }
    return h;
}

/* Rebuilds the hash with room for `want` strings at most half full. */
static int rehash(pp_sum *s, size_t want)
{
    size_t size = 16, len = key_len(s);
    while (size < 2 * want) size *= 2;
    if (size != s->nslots) {
        int64_t *slots = tn_realloc(s->slots, size * sizeof(int64_t));
        if (!slots) return TN_ERR_MEMORY;
        s->slots = slots;
        s->nslots = size;
    }
    memset(s->slots, 0xff, size * sizeof(int64_t));
    for (size_t t = 0; t < s->nterms; t++) {
        size_t h = hash_key(s->keys + t * len, len) & (size - 1);
        while (s->slots[h] >= 0) h = (h + 1) & (size - 1);
        s->slots[h] = (int64_t)t;
    }
    return TN_OK;
}

/* Drops the dead strings from the arrays (when they are many) and rebuilds the hash and support. */
static int compact(pp_sum *s)
{
    size_t len = key_len(s), kept = 0;
    memset(s->support, 0, (size_t)s->words * sizeof(uint64_t));
    for (size_t t = 0; t < s->nterms; t++) {
        if (s->coef[t] == 0) continue;
        uint64_t *k = s->keys + t * len;
        if (kept != t) memcpy(s->keys + kept * len, k, len * sizeof(uint64_t));
        for (int w = 0; w < s->words; w++) s->support[w] |= k[w] | k[s->words + w];
        s->coef[kept++] = s->coef[t];
    }
    s->nterms = kept;
    return rehash(s, s->nslots / 2 > kept ? s->nslots / 2 : kept);   /* the table keeps its size: no regrowth */
}

static int note_touched(pp_sum *s, size_t t)
{
    CALL(tn_grow((void **)&s->touched, &s->touched_cap, s->ntouched, sizeof *s->touched, 256));
    s->touched[s->ntouched++] = t;
    return TN_OK;
}

/* Room for one more string (len words of key, one coefficient) in the
 * parallel arrays *keys and *coef holding n of *cap. */
static int reserve_string(uint64_t **keys, double **coef, size_t *cap, size_t n, size_t len, size_t first_cap)
{
    if (n < *cap) return TN_OK;
    size_t grown_cap = *cap ? 2 * *cap : first_cap;
    uint64_t *k = tn_realloc(*keys, grown_cap * len * sizeof(uint64_t));
    if (!k) return TN_ERR_MEMORY;
    *keys = k;
    double *c = tn_realloc(*coef, grown_cap * sizeof(double));
    if (!c) return TN_ERR_MEMORY;
    *coef = c;
    *cap = grown_cap;
    return TN_OK;
}

/* Adds coef to string key (a new string if it is not stored yet). */
static int add_to(pp_sum *s, const uint64_t *key, double coef)
{
    size_t len = key_len(s);
    if (2 * (s->nterms + 1) > s->nslots) CALL(rehash(s, 2 * (s->nterms + 1)));
    size_t mask = s->nslots - 1, h = hash_key(key, len) & mask;
    while (s->slots[h] >= 0) {
        size_t t = (size_t)s->slots[h];
        if (keys_equal(s->keys + t * len, key, len)) {
            double before = s->coef[t];
            s->coef[t] += coef;
            s->live += (before == 0) - (s->coef[t] == 0);
            return note_touched(s, t);
        }
        h = (h + 1) & mask;
    }
    CALL(reserve_string(&s->keys, &s->coef, &s->cap, s->nterms, len, 64));
    memcpy(s->keys + s->nterms * len, key, len * sizeof(uint64_t));
    for (int w = 0; w < s->words; w++) s->support[w] |= key[w] | key[s->words + w];
    s->coef[s->nterms] = coef;
    s->slots[h] = (int64_t)s->nterms;
    s->live++;
    return note_touched(s, s->nterms++);
}

static int pend(pp_sum *s, const uint64_t *key, double coef)
{
    size_t len = key_len(s);
    CALL(reserve_string(&s->pend_keys, &s->pend_coef, &s->pend_cap, s->npend, len, 256));
    memcpy(s->pend_keys + s->npend * len, key, len * sizeof(uint64_t));
    s->pend_coef[s->npend++] = coef;
    return TN_OK;
}

/* Merges the pending images, drops touched strings below the cutoff, and
 * compacts when dead strings are the majority. */
static int finish_gate(pp_sum *s, double cutoff)
{
    size_t len = key_len(s);
    for (size_t i = 0; i < s->npend; i++) CALL(add_to(s, s->pend_keys + i * len, s->pend_coef[i]));
    s->npend = 0;
    for (size_t i = 0; i < s->ntouched; i++) {
        size_t t = s->touched[i];
        double c = s->coef[t];
        if (c == 0 || fabs(c) >= cutoff) continue;
        s->dropped_abs += fabs(c);
        s->dropped_sq += c * c;
        s->coef[t] = 0;
        s->live--;
    }
    s->ntouched = 0;
    if (s->nterms > 2 * s->live + 1024) CALL(compact(s));
    if (s->live > s->max_seen) s->max_seen = s->live;
    if (s->opt.max_terms && s->live > s->opt.max_terms)
        return tn_fail(TN_ERR_NUMERIC, "Pauli propagation: more than %zu Pauli strings (raise --pauli-max-terms "
                       "or --pauli-cutoff)", s->opt.max_terms);
    return TN_OK;
}

static int letter_digit(char p)
{
    switch (p) {
    case 'I': return 0;
    case 'X': return 1;
    case 'Y': return 2;
    case 'Z': return 3;
    default: return -1;
    }
}

static int get_digit(const uint64_t *key, int words, int q)
{
    int x = (int)((key[q / 64] >> (q % 64)) & 1), z = (int)((key[words + q / 64] >> (q % 64)) & 1);
    return x ? (z ? 2 : 1) : (z ? 3 : 0);
}

static void set_digit(uint64_t *key, int words, int q, int d)
{
    uint64_t bit = 1ull << (q % 64);
    int x = d == 1 || d == 2, z = d == 2 || d == 3;
    key[q / 64] = x ? key[q / 64] | bit : key[q / 64] & ~bit;
    key[words + q / 64] = z ? key[words + q / 64] | bit : key[words + q / 64] & ~bit;
}

int pp_add_string(pp_sum *s, const char *paulis, double coef)
{
    size_t len = key_len(s);
    uint64_t *key = tn_calloc(len, sizeof(uint64_t));
    if (!key) return TN_ERR_MEMORY;
    for (int q = 0; q < s->n; q++) {
        int d = letter_digit(paulis[q]);
        if (d < 0) { free(key); return tn_fail(TN_ERR_USAGE, "Pauli string: '%c' is not one of I X Y Z", paulis[q]); }
        set_digit(key, s->words, q, d);
    }
    int status = pend(s, key, coef);
    free(key);
    CALL(status);
    return finish_gate(s, 0);   /* the observable itself is never truncated */
}

/* The 2^k x 2^k matrix of the k-qubit Pauli string with digits of a (qubit
 * 0 of the gate the most significant base-4 digit and matrix bit). */
static void pauli_string_matrix(int a, int k, double complex *m)
{
    static const double complex p1[4][4] = {{1, 0, 0, 1}, {0, 1, 1, 0}, {0, -I, I, 0}, {1, 0, 0, -1}};
    int d = 1 << k;
    for (int r = 0; r < d; r++)
        for (int c = 0; c < d; c++) {
            double complex v = 1;
            for (int j = 0; j < k; j++) {
                int digit = (a >> (2 * (k - 1 - j))) & 3;
                int rb = (r >> (k - 1 - j)) & 1, cb = (c >> (k - 1 - j)) & 1;
                v *= p1[digit][2 * rb + cb];
            }
            m[r * d + c] = v;
        }
}

/* out = a^dagger p b for d x d matrices. */
static void sandwich(const double complex *a, const double complex *p, const double complex *b, int d,
                     double complex *tmp, double complex *out)
{
    for (int i = 0; i < d; i++)
        for (int j = 0; j < d; j++) {
            double complex v = 0;
            for (int l = 0; l < d; l++) v += p[i * d + l] * b[l * d + j];
            tmp[i * d + j] = v;
        }
    for (int i = 0; i < d; i++)
        for (int j = 0; j < d; j++) {
            double complex v = 0;
            for (int l = 0; l < d; l++) v += conj(a[l * d + i]) * tmp[l * d + j];
            out[i * d + j] += v;
        }
}

/* ptm[a * D + b]: the coefficient of P_a in sum_i K_i^dagger P_b K_i. */
static int transfer_matrix(const double complex *ops, int nops, int k, double *ptm)
{
    int d = 1 << k, D = 1 << (2 * k);
    double complex *paulis = tn_malloc((size_t)D * d * d * sizeof(double complex));
    double complex *img = tn_malloc((size_t)d * d * sizeof(double complex));
    double complex *tmp = tn_malloc((size_t)d * d * sizeof(double complex));
    if (!paulis || !img || !tmp) { free(paulis); free(img); free(tmp); return TN_ERR_MEMORY; }
    for (int a = 0; a < D; a++) pauli_string_matrix(a, k, paulis + (size_t)a * d * d);
    for (int b = 0; b < D; b++) {
        memset(img, 0, (size_t)d * d * sizeof(double complex));
        for (int i = 0; i < nops; i++)
            sandwich(ops + (size_t)i * d * d, paulis + (size_t)b * d * d, ops + (size_t)i * d * d, d, tmp, img);
        for (int a = 0; a < D; a++) {
            const double complex *pa = paulis + (size_t)a * d * d;
            double complex tr = 0;
            for (int r = 0; r < d; r++)
                for (int c = 0; c < d; c++) tr += pa[r * d + c] * img[c * d + r];
            double v = creal(tr) / d;
            /* rounding snapped: a Clifford gate maps a string to one string exactly (coefficient +-1) */
            ptm[a * D + b] = fabs(v) < PP_PTM_EPS ? 0 : fabs(fabs(v) - 1) < PP_PTM_EPS ? copysign(1, v) : v;
        }
    }
    free(paulis);
    free(img);
    free(tmp);
    return TN_OK;
}

static int touches_support(const pp_sum *s, int k, const int *qubits)
{
    for (int j = 0; j < k; j++)
        if (pp_touches(s, qubits[j])) return 1;
    return 0;
}

/* Maps every string through the transfer matrix on the k qubits: a
 * string's own entry scales it in place, its other images wait in the
 * pending list until every original string has been read. */
static int apply_transfer(pp_sum *s, const double *ptm, int k, const int *qubits)
{
    int D = 1 << (2 * k), words = s->words;
    size_t len = key_len(s), n0 = s->nterms;
    uint64_t key[2 * 16];   /* up to 1024 qubits on the stack */
    if (len > sizeof key / sizeof key[0])
        return tn_fail(TN_ERR_USAGE, "Pauli propagation: at most 1024 qubits (the circuit has %d)", s->n);
    for (size_t t = 0; t < n0; t++) {
        double c = s->coef[t];
        if (c == 0) continue;
        const uint64_t *src = s->keys + t * len;
        int b = 0;
        for (int j = 0; j < k; j++) b = 4 * b + get_digit(src, words, qubits[j]);
        if (b == 0 || ptm[b * D + b] == 1) continue;   /* a column with 1 on its diagonal has nothing else */
        memcpy(key, src, len * sizeof(uint64_t));
        for (int a = 0; a < D; a++) {
            double r = ptm[a * D + b];
            if (r == 0 || a == b) continue;
            for (int j = 0; j < k; j++) set_digit(key, words, qubits[j], (a >> (2 * (k - 1 - j))) & 3);
            CALL(pend(s, key, c * r));
        }
        s->coef[t] = c * ptm[b * D + b];
        if (s->coef[t] == 0) s->live--;
        CALL(note_touched(s, t));
    }
    return finish_gate(s, s->opt.cutoff);
}

static int check_width(int k)
{
    if (k < 1 || k > PP_MAX_GATE_QUBITS)
        return tn_fail(TN_ERR_USAGE, "Pauli propagation: a %d-qubit operation (at most %d qubits)", k,
                       PP_MAX_GATE_QUBITS);
    return TN_OK;
}

int pp_apply_unitary(pp_sum *s, const double complex *u, int k, const int *qubits)
{
    CALL(check_width(k));
    if (!touches_support(s, k, qubits)) return TN_OK;
    return pp_apply_kraus(s, u, 1, k, qubits);
}

int pp_apply_kraus(pp_sum *s, const double complex *ops, int nops, int k, const int *qubits)
{
    CALL(check_width(k));
    if (!touches_support(s, k, qubits)) return TN_OK;   /* a channel's adjoint is unital */
    int D = 1 << (2 * k);
    double *ptm = tn_malloc((size_t)D * D * sizeof(double));
    if (!ptm) return TN_ERR_MEMORY;
    int status = transfer_matrix(ops, nops, k, ptm);
    if (status == TN_OK) status = apply_transfer(s, ptm, k, qubits);
    free(ptm);
    return status;
}

double pp_expect_zero(const pp_sum *s)
{
    size_t len = key_len(s);
    double sum = 0;
    for (size_t t = 0; t < s->nterms; t++) {
        if (s->coef[t] == 0) continue;
        const uint64_t *k = s->keys + t * len;
        int has_x = 0;
        for (int w = 0; w < s->words; w++) has_x |= k[w] != 0;
        if (!has_x) sum += s->coef[t];
    }
    return sum;
}

size_t pp_terms(const pp_sum *s) { return s->live; }
size_t pp_max_terms_seen(const pp_sum *s) { return s->max_seen; }
double pp_dropped_abs(const pp_sum *s) { return s->dropped_abs; }
double pp_dropped_sq(const pp_sum *s) { return s->dropped_sq; }

int pp_touches(const pp_sum *s, int q) { return (int)((s->support[q / 64] >> (q % 64)) & 1); }
