/* marginals.c - marginal and parity distributions of groups of bits, and the
 * sets of bits of --groups, --block-size and --zstrings (see marginals.h). */
#include "marginals.h"

#include <ctype.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "error.h"
#include "input.h"

/* ---- sets of bits ---------------------------------------------------------------- */

static int add_set(bit_sets *s, int cap_bits)
{
    bit_set *grown = tn_realloc(s->sets, ((size_t)s->n + 1) * sizeof *grown);
    if (!grown) return TN_ERR_MEMORY;
    s->sets = grown;
    grown[s->n].nbits = 0;
    if (!(grown[s->n].bits = tn_malloc(((size_t)cap_bits + 1) * sizeof(int)))) return TN_ERR_MEMORY;
    s->n++;
    return TN_OK;
}

void bit_sets_free(bit_sets *s)
{
    for (int i = 0; s->sets && i < s->n; i++) free(s->sets[i].bits);
    free(s->sets);
    s->sets = NULL;
    s->n = 0;
}

/* Where a set came from, for messages: "option --groups" or "FILE: groups[3]". */
typedef struct {
    const char *who;
    int code;                  /* TN_ERR_USAGE for the option, TN_ERR_INPUT for a file */
    int width, max_bits;
} set_context;

/* Adds bit to set, which may hold at most ctx->max_bits (0: width) bits. */
static int add_bit(const set_context *ctx, bit_set *set, long bit, const char *text)
{
    if (bit < 0 || bit >= ctx->width)
        return tn_fail(ctx->code, "%s: bit %ld in '%.60s' is out of range for %d-bit counts (valid: 0..%d)", ctx->who,
                       bit, text, ctx->width, ctx->width - 1);
    for (int i = 0; i < set->nbits; i++)
        if (set->bits[i] == bit) return tn_fail(ctx->code, "%s: bit %ld is twice in the set '%.60s'", ctx->who, bit, text);
    int cap = ctx->max_bits > 0 ? ctx->max_bits : ctx->width;
    if (set->nbits >= cap)
        return tn_fail(ctx->code, "%s: the set '%.60s' has more than %d bits (valid: 1..%d bits)", ctx->who, text, cap,
                       cap);
    set->bits[set->nbits++] = (int)bit;
    return TN_OK;
}

/* A decimal number at *p (advanced past it); -1 if none. */
static long read_number(const char **p)
{
    if (!isdigit((unsigned char)**p)) return -1;
    long v = 0;
    while (isdigit((unsigned char)**p)) {
        if (v < 100000000) v = v * 10 + (**p - '0');
        (*p)++;
    }
    return v;
}

/* Parses one set, "a", "a-b" parts joined by '+', of text [begin, end). */
static int parse_set(const set_context *ctx, const char *begin, const char *end, bit_set *set)
{
    char text[128];
    snprintf(text, sizeof text, "%.*s", (int)(end - begin), begin);
    const char *p = text;
    for (;;) {
        while (*p == ' ') p++;
        long a = read_number(&p), b = a;
        while (*p == ' ') p++;
        if (a >= 0 && *p == '-') {
            p++;
            while (*p == ' ') p++;
            b = read_number(&p);
            while (*p == ' ') p++;
        }
        if (a < 0 || b < 0 || (*p && *p != '+'))
            return tn_fail(ctx->code, "%s: '%s' is not a set of bits (positions and ranges a-b joined by '+'; sets "
                           "separated by ',', e.g. 0-1,2-3)", ctx->who, text);
        if (b < a) return tn_fail(ctx->code, "%s: the range '%s' is empty (write a-b with a <= b)", ctx->who, text);
        for (long bit = a; bit <= b; bit++) CALL(add_bit(ctx, set, bit, text));
        if (!*p) return TN_OK;
        p++;
    }
}

static int parse_text(const set_context *ctx, const char *spec, bit_sets *out)
{
    const char *p = spec;
    for (;;) {
        const char *comma = strchr(p, ',');
        const char *end = comma ? comma : p + strlen(p);
        CALL(add_set(out, ctx->max_bits > 0 ? ctx->max_bits : ctx->width));
        CALL(parse_set(ctx, p, end, &out->sets[out->n - 1]));
        if (!comma) return TN_OK;
        p = comma + 1;
    }
}

/* A JSON file: [[0, 1], "2-3", ...] or {"groups": [...]}. */
static int parse_file(const char *option, const char *path, int width, int max_bits, bit_sets *out)
{
    json_t *root;
    CALL(input_load_json(path, JSON_REJECT_DUPLICATES, option, &root));
    json_t *list = json_is_object(root) ? json_object_get(root, "groups") : root;
    int status = TN_OK;
    if (!json_is_array(list) || json_array_size(list) == 0)
        status = tn_fail(TN_ERR_INPUT, "%s: expected a non-empty array of sets of bits ([[0, 1], [2, 3]] or "
                         "{\"groups\": [...]})", path);
    for (size_t i = 0; status == TN_OK && i < json_array_size(list); i++) {
        char who[256];
        snprintf(who, sizeof who, "%.200s: set %zu", path, i);
        set_context ctx = {who, TN_ERR_INPUT, width, max_bits};
        json_t *item = json_array_get(list, i);
        if (json_is_string(item)) {
            const char *text = json_string_value(item);
            status = add_set(out, max_bits > 0 ? max_bits : width);
            if (status == TN_OK) status = parse_set(&ctx, text, text + strlen(text), &out->sets[out->n - 1]);
            continue;
        }
        if (!json_is_array(item) || json_array_size(item) == 0) {
            status = tn_fail(TN_ERR_INPUT, "%s is not a non-empty array of bit positions or a string like \"0-3\"", who);
            break;
        }
        status = add_set(out, max_bits > 0 ? max_bits : width);
        for (size_t j = 0; status == TN_OK && j < json_array_size(item); j++) {
            json_t *b = json_array_get(item, j);
            if (!json_is_integer(b))
                status = tn_fail(TN_ERR_INPUT, "%s: item %zu is not a bit position (an integer in 0..%d)", who, j,
                                 width - 1);
            else
                status = add_bit(&ctx, &out->sets[out->n - 1], (long)json_integer_value(b), "the array");
        }
    }
    json_decref(root);
    return status;
}

int bit_sets_parse(const char *option, const char *spec, int width, int max_bits, bit_sets *out)
{
    memset(out, 0, sizeof *out);
    int status;
    if (access(spec, F_OK) == 0 || strstr(spec, ".json")) {
        status = parse_file(option, spec, width, max_bits, out);
    } else {
        set_context ctx = {option, TN_ERR_USAGE, width, max_bits};
        status = parse_text(&ctx, spec, out);
    }
    if (status) bit_sets_free(out);
    return status;
}

int bit_sets_blocks(int width, int k, bit_sets *out)
{
    memset(out, 0, sizeof *out);
    for (int first = 0; first < width; first += k) {
        int status = add_set(out, k);
        if (status) { bit_sets_free(out); return status; }
        bit_set *s = &out->sets[out->n - 1];
        for (int b = first; b < first + k && b < width; b++) s->bits[s->nbits++] = b;
    }
    return TN_OK;
}

int bit_sets_default_z(int width, bit_sets *out)
{
    memset(out, 0, sizeof *out);
    int status = TN_OK;
    for (int j = 0; j < width && status == TN_OK; j++) {
        if ((status = add_set(out, 1))) break;
        out->sets[out->n - 1].bits[0] = j;
        out->sets[out->n - 1].nbits = 1;
    }
    for (int j = 0; j + 1 < width && status == TN_OK; j++) {
        if ((status = add_set(out, 2))) break;
        bit_set *s = &out->sets[out->n - 1];
        s->bits[0] = j;
        s->bits[1] = j + 1;
        s->nbits = 2;
    }
    if (width > 2 && status == TN_OK && (status = add_set(out, width)) == TN_OK) {
        bit_set *s = &out->sets[out->n - 1];
        for (int j = 0; j < width; j++) s->bits[s->nbits++] = j;
    }
    if (status) bit_sets_free(out);
    return status;
}

void bit_set_text(const bit_set *s, char *out, size_t size)
{
    size_t len = 0;
    out[0] = '\0';
    for (int i = 0; i < s->nbits && len + 24 < size; i++) {
        int j = i;
        while (j + 1 < s->nbits && s->bits[j + 1] == s->bits[j] + 1) j++;
        len += (size_t)snprintf(out + len, size - len, j > i ? "%s%d-%d" : "%s%d", i ? "+" : "", s->bits[i],
                                s->bits[j]);
        i = j;
    }
}

void bit_set_zname(const bit_set *s, char *out, size_t size)
{
    size_t len = 0;
    out[0] = '\0';
    for (int i = 0; i < s->nbits; i++) {
        if (len + 16 >= size) { snprintf(out + len, size - len, " ..."); return; }
        len += (size_t)snprintf(out + len, size - len, "%sZ%d", i ? " " : "", s->bits[i]);
    }
}

/* ---- marginal distributions ---------------------------------------------------------------- */

/* Copies what the comparison needs of d beside its entries. */
static int copy_header(const dist *d, int width, dist *out)
{
    memset(out, 0, sizeof *out);
    out->format = d->format;
    out->width = width;
    out->shots = d->shots;
    out->noisy = d->noisy;
    out->trajectories = d->trajectories;
    out->design_effect = d->design_effect;
    if (!(out->path = strdup(d->path))) return TN_ERR_MEMORY;
    if (d->noise_model && !(out->noise_model = strdup(d->noise_model))) return TN_ERR_MEMORY;
    if (d->experiment && !(out->experiment = strdup(d->experiment))) return TN_ERR_MEMORY;
    return TN_OK;
}

/* The value (0 .. 2^nbits - 1) of set's bits in key (d_width characters, bit 0 rightmost). */
static size_t set_value(const char *key, int d_width, const bit_set *set)
{
    size_t v = 0;
    for (int i = 0; i < set->nbits; i++) v |= (size_t)(key[d_width - 1 - set->bits[i]] == '1') << i;
    return v;
}

static size_t set_parity(const char *key, int d_width, const bit_set *set)
{
    size_t v = 0;
    for (int i = 0; i < set->nbits; i++) v ^= key[d_width - 1 - set->bits[i]] == '1';
    return v;
}

/* Sums entries e[0..n) into k-bit outcomes by value(key), writing the
 * nonzero ones (or all, for probabilities present) sorted by key. */
static int project_entries(const dist_entry *e, size_t n, int d_width, const bit_set *set, int k,
                           size_t (*value)(const char *, int, const bit_set *), int keep_zero, dist_entry **out,
                           size_t *nout)
{
    size_t outcomes = (size_t)1 << k;
    double *sum = tn_calloc(outcomes, sizeof *sum);
    unsigned char *seen = tn_calloc(outcomes, 1);
    int status = sum && seen ? TN_OK : TN_ERR_MEMORY;
    for (size_t i = 0; i < n && status == TN_OK; i++) {
        size_t v = value(e[i].key, d_width, set);
        sum[v] += e[i].value;
        seen[v] = 1;
    }
    size_t count = 0;
    for (size_t v = 0; v < outcomes && status == TN_OK; v++) count += seen[v] && (keep_zero || sum[v] > 0);
    *nout = 0;
    if (status == TN_OK && !(*out = tn_calloc(count + 1, sizeof **out))) status = TN_ERR_MEMORY;
    for (size_t v = 0; v < outcomes && status == TN_OK; v++) {   /* v ascending: keys come out sorted */
        if (!seen[v] || !(keep_zero || sum[v] > 0)) continue;
        char *key = tn_malloc((size_t)k + 1);
        if (!key) { status = TN_ERR_MEMORY; break; }
        for (int b = 0; b < k; b++) key[k - 1 - b] = (char)('0' + (v >> b & 1));
        key[k] = '\0';
        (*out)[*nout].key = key;
        (*out)[(*nout)++].value = sum[v];
    }
    free(sum);
    free(seen);
    return status;
}

static int project(const dist *d, const bit_set *set, int k, size_t (*value)(const char *, int, const bit_set *),
                   dist *out)
{
    int status = copy_header(d, k, out);
    if (status == TN_OK)
        status = project_entries(d->counts, d->ncounts, d->width, set, k, value, 0, &out->counts, &out->ncounts);
    if (status == TN_OK && d->probs)
        status = project_entries(d->probs, d->nprobs, d->width, set, k, value, 1, &out->probs, &out->nprobs);
    if (status) dist_free(out);
    return status;
}

int dist_marginal(const dist *d, const bit_set *set, dist *out)
{
    return project(d, set, set->nbits, set_value, out);
}

int dist_parity(const dist *d, const bit_set *set, dist *out)
{
    return project(d, set, 1, set_parity, out);
}
