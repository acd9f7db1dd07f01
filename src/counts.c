/* counts.c - reads measured distributions: tnemu results, Qiskit and Origin
 * Quantum hardware counts, plain {"bits": count} objects (see counts.h). */
#include "counts.h"

#include <ctype.h>
#include <jansson.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "input.h"

#define MAX_WIDTH 64

static int bad(const dist *d, const char *what, const char *detail)
{
    return tn_fail(TN_ERR_INPUT, "%s: %s%s", d->path, what, detail ? detail : "");
}

/* Turns a key into width '0'/'1' characters in out: a bitstring (spaces
 * between registers dropped) or a hexadecimal "0x.." number. */
static int normalize_key(dist *d, const char *key, char *out)
{
    char msg[160];
    if (key[0] == '0' && (key[1] == 'x' || key[1] == 'X')) {
        if (d->width <= 0)
            return tn_fail(TN_ERR_INPUT, "%s: hexadecimal key '%s' needs the number of classical bits "
                           "(option --clbits N)", d->path, key);
        const char *h = key + 2;
        uint64_t v = 0;
        int digits = 0;
        for (; *h; h++, digits++) {
            if (!isxdigit((unsigned char)*h) || digits >= 16) {
                snprintf(msg, sizeof msg, "key '%.40s' is not a hexadecimal number of at most 64 bits", key);
                return bad(d, msg, NULL);
            }
            v = v << 4 | (uint64_t)(isdigit((unsigned char)*h) ? *h - '0' : (tolower((unsigned char)*h) - 'a' + 10));
        }
        if (digits == 0) return bad(d, "key '0x' has no digits", NULL);
        if (d->width < 64 && v >> d->width) {
            snprintf(msg, sizeof msg, "key '%.40s' has a bit above the %d classical bits", key, d->width);
            return bad(d, msg, NULL);
        }
        for (int j = 0; j < d->width; j++) out[d->width - 1 - j] = (char)('0' + (v >> j & 1));
        out[d->width] = '\0';
        return TN_OK;
    }
    int n = 0;
    for (const char *c = key; *c; c++) {
        if (*c == ' ') continue;
        if ((*c != '0' && *c != '1') || n >= MAX_WIDTH) {
            snprintf(msg, sizeof msg, "key '%.40s' is not a bitstring of at most %d bits or a 0x.. number", key,
                     MAX_WIDTH);
            return bad(d, msg, NULL);
        }
        out[n++] = *c;
    }
    out[n] = '\0';
    if (n == 0) return bad(d, "an empty key", NULL);
    if (d->width == 0) d->width = n;
    if (n != d->width) {
        snprintf(msg, sizeof msg, "key '%.40s' has %d bits, expected %d", key, n, d->width);
        return bad(d, msg, NULL);
    }
    return TN_OK;
}

static int compare_entries(const void *a, const void *b)
{
    return strcmp(((const dist_entry *)a)->key, ((const dist_entry *)b)->key);
}

/* Sorts entries by key and adds up repeats (two hexadecimal spellings, or
 * register spaces, can name one outcome). */
static void sort_merge(dist_entry *e, size_t *n)
{
    if (*n == 0) return;
    qsort(e, *n, sizeof *e, compare_entries);
    size_t w = 0;
    for (size_t i = 1; i < *n; i++) {
        if (strcmp(e[i].key, e[w].key) == 0) {
            e[w].value += e[i].value;
            free(e[i].key);
        } else {
            e[++w] = e[i];
        }
    }
    *n = w + 1;
}

/* Appends (key, value) after checking both. */
static int add_entry(dist *d, dist_entry **list, size_t *n, const char *key, double value, const char *what)
{
    char msg[160];
    if (!isfinite(value) || value < 0) {
        snprintf(msg, sizeof msg, "%s of '%.40s' is %g, not a finite number >= 0", what, key, value);
        return bad(d, msg, NULL);
    }
    char norm[MAX_WIDTH + 1];
    CALL(normalize_key(d, key, norm));
    dist_entry *grown = realloc(*list, (*n + 1) * sizeof **list);
    if (!grown) return TN_ERR_MEMORY;
    *list = grown;
    if (!(grown[*n].key = strdup(norm))) return TN_ERR_MEMORY;
    grown[*n].value = value;
    ++*n;
    return TN_OK;
}

/* Reads an object of key -> number into list. */
static int read_map(dist *d, json_t *map, dist_entry **list, size_t *n, const char *what)
{
    const char *key;
    json_t *v;
    json_object_foreach(map, key, v) {
        if (!json_is_number(v)) {
            char msg[160];
            snprintf(msg, sizeof msg, "%s of '%.40s' is not a number", what, key);
            return bad(d, msg, NULL);
        }
        CALL(add_entry(d, list, n, key, json_number_value(v), what));
    }
    sort_merge(*list, n);
    return TN_OK;
}

/* Origin's probCount: {"key": [...], "value": [...]}, or that as a JSON string. */
static int read_prob_count(dist *d, json_t *pc)
{
    json_t *parsed = NULL;
    if (json_is_string(pc)) {
        json_error_t err;
        parsed = json_loads(json_string_value(pc), 0, &err);
        if (!parsed) return bad(d, "probCount is a string but not JSON: ", err.text);
        pc = parsed;
    }
    json_t *keys = json_object_get(pc, "key"), *values = json_object_get(pc, "value");
    int status = TN_OK;
    if (!json_is_array(keys) || !json_is_array(values) || json_array_size(keys) != json_array_size(values))
        status = bad(d, "probCount needs arrays \"key\" and \"value\" of equal length", NULL);
    for (size_t i = 0; status == TN_OK && i < json_array_size(keys); i++) {
        json_t *k = json_array_get(keys, i), *v = json_array_get(values, i);
        if (!json_is_string(k) || !json_is_number(v))
            status = bad(d, "probCount keys must be strings and values numbers", NULL);
        else
            status = add_entry(d, &d->counts, &d->ncounts, json_string_value(k), json_number_value(v), "count");
    }
    json_decref(parsed);
    if (status == TN_OK) sort_merge(d->counts, &d->ncounts);
    return status;
}

/* The probCount of an Origin task result, wherever the cloud put it. */
static json_t *find_prob_count(json_t *root)
{
    json_t *pc = json_object_get(root, "probCount");
    if (pc) return pc;
    json_t *vo = json_object_get(json_object_get(root, "raw_detail"), "qcodeTaskNewVo");
    json_t *first = json_array_get(json_object_get(vo, "taskResultList"), 0);
    return json_object_get(first, "probCount");
}

static int looks_hex(json_t *map)
{
    const char *key;
    json_t *v;
    json_object_foreach(map, key, v) return key[0] == '0' && (key[1] == 'x' || key[1] == 'X');
    return 0;
}

static int read_tnemu(dist *d, json_t *root)
{
    d->format = "tnemu";
    json_t *counts = json_object_get(root, "counts"), *probs = json_object_get(root, "probabilities");
    if (!json_is_object(counts)) return bad(d, "a tnemu result without a \"counts\" object", NULL);
    CALL(read_map(d, counts, &d->counts, &d->ncounts, "count"));
    if (json_is_object(probs)) {
        CALL(read_map(d, probs, &d->probs, &d->nprobs, "probability"));
        if (!d->probs) d->probs = calloc(1, sizeof *d->probs);   /* present but empty: still "has probabilities" */
        if (!d->probs) return TN_ERR_MEMORY;
    }
    json_t *noise = json_object_get(root, "noise");
    d->noisy = json_is_object(noise);
    const char *model = json_string_value(json_object_get(noise, "model"));
    if (model && !(d->noise_model = strdup(model))) return TN_ERR_MEMORY;
    return TN_OK;
}

/* Reads the JSON document root in whichever format its shape says. */
static int read_any(dist *d, json_t *root)
{
    if (!json_is_object(root)) return bad(d, "expected a JSON object of counts", NULL);
    if (json_is_string(json_object_get(root, "tool")) &&
        strcmp(json_string_value(json_object_get(root, "tool")), "tnemu") == 0)
        return read_tnemu(d, root);
    json_t *results = json_object_get(root, "results");
    if (json_is_array(results)) {   /* a Qiskit Result */
        json_t *first = json_array_get(results, 0);
        json_t *counts = json_object_get(json_object_get(first, "data"), "counts");
        json_t *slots = json_object_get(json_object_get(first, "header"), "memory_slots");
        if (!json_is_object(counts)) return bad(d, "a Qiskit result without results[0].data.counts", NULL);
        if (d->width == 0 && json_is_integer(slots)) d->width = (int)json_integer_value(slots);
        d->format = "qiskit";
        return read_map(d, counts, &d->counts, &d->ncounts, "count");
    }
    json_t *counts = json_object_get(root, "counts");
    if (json_is_object(counts)) {
        d->format = looks_hex(counts) && (json_object_get(root, "task_id") || find_prob_count(root)) ? "origin"
                                                                                                      : "qiskit";
        return read_map(d, counts, &d->counts, &d->ncounts, "count");
    }
    if (counts) return bad(d, "\"counts\" is not an object", NULL);
    json_t *pc = find_prob_count(root);
    if (pc) {
        d->format = "origin";
        return read_prob_count(d, pc);
    }
    d->format = "plain";
    return read_map(d, root, &d->counts, &d->ncounts, "count");
}

int dist_read(const char *path, int width, dist *out)
{
    memset(out, 0, sizeof *out);
    if (width < 0 || width > MAX_WIDTH) return tn_fail(TN_ERR_USAGE, "%d classical bits: at most %d", width, MAX_WIDTH);
    out->width = width;
    if (!(out->path = strdup(path))) return TN_ERR_MEMORY;
    json_t *root;
    CALL(input_load_json(path, JSON_REJECT_DUPLICATES, NULL, &root));
    int status = read_any(out, root);
    json_decref(root);
    if (status) return status;
    if (out->ncounts == 0 && !out->probs) return bad(out, "no counts", NULL);
    for (size_t i = 0; i < out->ncounts; i++) out->shots += out->counts[i].value;
    if (out->ncounts && !(out->shots > 0)) return bad(out, "the counts add up to 0 shots", NULL);
    return TN_OK;
}

void dist_free(dist *d)
{
    for (size_t i = 0; i < d->ncounts; i++) free(d->counts[i].key);
    for (size_t i = 0; i < d->nprobs; i++) free(d->probs[i].key);
    free(d->counts);
    free(d->probs);
    free(d->path);
    free(d->noise_model);
    memset(d, 0, sizeof *d);
}
