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

#define MAX_COUNT 9007199254740992.0   /* 2^53: the largest whole number a double holds exactly */
#define PROBABILITY_SLACK 1e-9         /* rounding above 1 allowed in a tnemu probability */
#define LISTED_EXPERIMENTS 8           /* experiments named in an error message */

static int bad(const dist *d, const char *what, const char *detail)
{
    return tn_fail(TN_ERR_INPUT, "%s: %s%s", d->path, what, detail ? detail : "");
}

/* A JSON value as a message shows it: numbers as written, strings quoted. */
static void value_text(json_t *v, char *buf, size_t size)
{
    if (json_is_integer(v)) snprintf(buf, size, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
    else if (json_is_real(v)) snprintf(buf, size, "%.15g", json_real_value(v));
    else if (json_is_string(v)) snprintf(buf, size, "the string \"%.40s\"", json_string_value(v));
    else if (json_is_object(v)) snprintf(buf, size, "an object");
    else if (json_is_array(v)) snprintf(buf, size, "an array");
    else snprintf(buf, size, "%s", json_is_null(v) ? "null" : json_is_true(v) ? "true" : "false");
}

/* Turns a hexadecimal "0x.." key into d->width '0'/'1' characters in out:
 * hex digit k from the right holds classical bits 4k..4k+3, any width. */
static int normalize_hex_key(dist *d, const char *key, char *out)
{
    char msg[160];
    if (d->width <= 0)
        return tn_fail(TN_ERR_INPUT, "%s: hexadecimal key '%.40s' needs the number of classical bits "
                       "(option --clbits N)", d->path, key);
    const char *h = key + 2;
    size_t digits = strlen(h);
    if (digits == 0) return bad(d, "key '0x' has no digits", NULL);
    memset(out, '0', (size_t)d->width);
    out[d->width] = '\0';
    for (size_t k = 0; k < digits; k++) {
        unsigned char c = (unsigned char)h[digits - 1 - k];
        if (!isxdigit(c)) {
            snprintf(msg, sizeof msg, "key '%.40s' is not a hexadecimal number", key);
            return bad(d, msg, NULL);
        }
        unsigned v = isdigit(c) ? (unsigned)(c - '0') : (unsigned)(tolower(c) - 'a' + 10);
        for (int b = 0; b < 4; b++) {
            if (!(v >> b & 1)) continue;
            size_t bit = 4 * k + (size_t)b;
            if (bit >= (size_t)d->width) {
                snprintf(msg, sizeof msg, "key '%.40s' has a bit above the %d classical bits", key, d->width);
                return bad(d, msg, NULL);
            }
            out[d->width - 1 - bit] = '1';
        }
    }
    return TN_OK;
}

/* Turns a key into width '0'/'1' characters in out (COUNTS_MAX_WIDTH + 1
 * bytes): a bitstring (spaces between registers dropped) or a hexadecimal
 * "0x.." number. */
static int normalize_key(dist *d, const char *key, char *out)
{
    char msg[160];
    if (key[0] == '0' && (key[1] == 'x' || key[1] == 'X')) return normalize_hex_key(d, key, out);
    int n = 0;
    for (const char *c = key; *c; c++) {
        if (*c == ' ') continue;
        if ((*c != '0' && *c != '1') || n >= COUNTS_MAX_WIDTH) {
            snprintf(msg, sizeof msg, "key '%.40s%s' is not a bitstring of at most %d bits or a 0x.. number", key,
                     strlen(key) > 40 ? "..." : "", COUNTS_MAX_WIDTH);
            return bad(d, msg, NULL);
        }
        out[n++] = *c;
    }
    out[n] = '\0';
    if (n == 0) return bad(d, "an empty key", NULL);
    if (d->width == 0) d->width = n;
    if (n != d->width) {
        snprintf(msg, sizeof msg, "key '%.40s%s' has %d bits, expected %d", key, strlen(key) > 40 ? "..." : "", n,
                 d->width);
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

/* What a value of a map holds: a count of shots or a probability. */
typedef enum { VALUE_COUNT, VALUE_PROBABILITY } value_kind;

/* The number v as a count (a whole number in [0, 2^53]) or a probability
 * (in [0, 1]); 0 if it is neither. */
static int checked_value(json_t *v, value_kind kind, double *out)
{
    if (!json_is_number(v)) return 0;
    if (json_is_integer(v)) {
        json_int_t i = json_integer_value(v);
        if (i < 0 || i > (kind == VALUE_COUNT ? (json_int_t)1 << 53 : 1)) return 0;
        *out = (double)i;
        return 1;
    }
    double x = json_real_value(v);
    if (!isfinite(x) || x < 0) return 0;
    if (kind == VALUE_COUNT && (x > MAX_COUNT || x != floor(x))) return 0;
    if (kind == VALUE_PROBABILITY && x > 1 + PROBABILITY_SLACK) return 0;
    *out = fmin(x, kind == VALUE_COUNT ? x : 1);
    return 1;
}

/* Makes room in list (n entries) for extra more: a whole map at once, not
 * one entry at a time (wide counts have about one entry per shot). */
static int reserve_entries(dist_entry **list, size_t n, size_t extra)
{
    dist_entry *grown = tn_realloc(*list, (n + extra + 1) * sizeof **list);
    if (!grown) return TN_ERR_MEMORY;
    *list = grown;
    return TN_OK;
}

/* Appends (key, value) after checking both (room reserved); where names the JSON object in
 * messages ("results[1].data.counts"; NULL at the top). */
static int add_entry(dist *d, dist_entry **list, size_t *n, const char *where, const char *key, json_t *v,
                     value_kind kind)
{
    double value;
    if (!checked_value(v, kind, &value)) {
        char text[80];
        value_text(v, text, sizeof text);
        return tn_fail(TN_ERR_INPUT, "%s: %s%s%s of '%.40s' is %s, not %s", d->path, where ? where : "",
                       where ? ": " : "", kind == VALUE_COUNT ? "count" : "probability", key, text,
                       kind == VALUE_COUNT ? "a whole number in [0, 2^53]" : "a number in [0, 1]");
    }
    if (!d->keybuf && !(d->keybuf = tn_malloc(COUNTS_MAX_WIDTH + 1))) return TN_ERR_MEMORY;
    CALL(normalize_key(d, key, d->keybuf));
    dist_entry *grown = *list;   /* reserve_entries made room */
    if (!(grown[*n].key = strdup(d->keybuf))) return tn_fail(TN_ERR_MEMORY, "out of memory reading %s", d->path);
    grown[*n].value = value;
    ++*n;
    return TN_OK;
}

/* Reads an object of key -> number into list. */
static int read_map(dist *d, json_t *map, dist_entry **list, size_t *n, const char *where, value_kind kind)
{
    const char *key;
    json_t *v;
    CALL(reserve_entries(list, *n, json_object_size(map)));
    json_object_foreach(map, key, v) CALL(add_entry(d, list, n, where, key, v, kind));
    sort_merge(*list, n);
    return TN_OK;
}

/* Origin's probCount: {"key": [...], "value": [...]}, or that as a JSON string. */
static int read_prob_count(dist *d, json_t *pc, const char *where)
{
    json_t *parsed = NULL;
    if (json_is_string(pc)) {
        json_error_t err;
        parsed = json_loads(json_string_value(pc), 0, &err);
        if (!parsed)
            return tn_fail(TN_ERR_INPUT, "%s: %s is a string but not JSON: %s", d->path, where, err.text);
        pc = parsed;
    }
    json_t *keys = json_object_get(pc, "key"), *values = json_object_get(pc, "value");
    int status = TN_OK;
    if (!json_is_array(keys) || !json_is_array(values) || json_array_size(keys) != json_array_size(values))
        status = tn_fail(TN_ERR_INPUT, "%s: %s needs arrays \"key\" and \"value\" of equal length", d->path, where);
    if (status == TN_OK) status = reserve_entries(&d->counts, d->ncounts, json_array_size(keys));
    for (size_t i = 0; status == TN_OK && i < json_array_size(keys); i++) {
        json_t *k = json_array_get(keys, i), *v = json_array_get(values, i);
        if (!json_is_string(k))
            status = tn_fail(TN_ERR_INPUT, "%s: %s: key %zu is not a string", d->path, where, i);
        else
            status = add_entry(d, &d->counts, &d->ncounts, where, json_string_value(k), v, VALUE_COUNT);
    }
    json_decref(parsed);
    if (status == TN_OK) sort_merge(d->counts, &d->ncounts);
    return status;
}

/* The task list of an Origin cloud result, if it has one. */
static json_t *origin_tasks(json_t *root)
{
    json_t *list = json_object_get(json_object_get(json_object_get(root, "raw_detail"), "qcodeTaskNewVo"),
                                   "taskResultList");
    return json_is_array(list) ? list : NULL;
}

/* The probCount of a single-task Origin result, wherever the cloud put it. */
static json_t *find_prob_count(json_t *root)
{
    json_t *pc = json_object_get(root, "probCount");
    if (pc) return pc;
    return json_object_get(json_array_get(origin_tasks(root), 0), "probCount");
}

static int looks_hex(json_t *map)
{
    const char *key;
    json_t *v;
    json_object_foreach(map, key, v) return key[0] == '0' && (key[1] == 'x' || key[1] == 'X');
    return 0;
}

/* ---- several experiments in one file ------------------------------------------ */

/* The name of experiment i: a Qiskit result's header.name, an Origin task's
 * taskName; NULL if it has none. */
static const char *experiment_name(json_t *list, size_t i, int origin)
{
    json_t *e = json_array_get(list, i);
    return json_string_value(origin ? json_object_get(e, "taskName")
                                    : json_object_get(json_object_get(e, "header"), "name"));
}

/* "0 (bell), 1 (ghz), ..." for messages. */
static void list_experiments(json_t *list, int origin, char *buf, size_t size)
{
    size_t n = json_array_size(list), len = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < n && i < LISTED_EXPERIMENTS && len < size; i++) {
        const char *name = experiment_name(list, i, origin);
        len += (size_t)snprintf(buf + len, size - len, "%s%zu%s%.40s%s", i ? ", " : "", i, name ? " (" : "",
                                name ? name : "", name ? ")" : "");
    }
    if (n > LISTED_EXPERIMENTS && len < size) snprintf(buf + len, size - len, ", ... (%zu in all)", n);
}

static int all_digits(const char *s)
{
    if (!*s) return 0;
    for (; *s; s++)
        if (!isdigit((unsigned char)*s)) return 0;
    return 1;
}

/* Picks the experiment of list that `experiment` names (a 0-based index if
 * it is all digits, else a name); with experiment NULL the list must hold
 * exactly one. Records the choice in d->experiment. */
static int choose_experiment(dist *d, json_t *list, int origin, const char *experiment, size_t *index)
{
    size_t n = json_array_size(list);
    const char *what = origin ? "tasks" : "experiments";
    char names[512];
    list_experiments(list, origin, names, sizeof names);
    if (n == 0) return tn_fail(TN_ERR_INPUT, "%s: a %s result with no %s", d->path, origin ? "Origin" : "Qiskit", what);
    if (!experiment) {
        if (n > 1)
            return tn_fail(TN_ERR_USAGE, "%s holds %zu %s: %s; choose one with --experiment NAME|INDEX", d->path, n,
                           what, names);
        *index = 0;
    } else if (all_digits(experiment)) {
        char *end;
        unsigned long long i = strtoull(experiment, &end, 10);
        if (i >= n)
            return tn_fail(TN_ERR_USAGE, "option --experiment: index %s is out of range: %s holds %zu %s: %s",
                           experiment, d->path, n, what, names);
        *index = (size_t)i;
    } else {
        size_t hits = 0;
        for (size_t i = 0; i < n; i++) {
            const char *name = experiment_name(list, i, origin);
            if (name && strcmp(name, experiment) == 0 && hits++ == 0) *index = i;
        }
        if (hits != 1)
            return tn_fail(TN_ERR_USAGE, "option --experiment: %s %s named '%.60s' in %s (%s)%s",
                           hits ? "several" : "no", what, experiment, d->path, names,
                           hits ? "; choose one by its index" : "");
    }
    const char *name = experiment_name(list, *index, origin);
    char text[128];
    snprintf(text, sizeof text, "%zu%s%.80s%s", *index, name ? " (" : "", name ? name : "", name ? ")" : "");
    if (!(d->experiment = strdup(text))) return tn_fail(TN_ERR_MEMORY, "out of memory reading %s", d->path);
    return TN_OK;
}

static int read_qiskit_result(dist *d, json_t *results, const char *experiment)
{
    size_t i;
    CALL(choose_experiment(d, results, 0, experiment, &i));
    json_t *e = json_array_get(results, i);
    json_t *counts = json_object_get(json_object_get(e, "data"), "counts");
    json_t *slots = json_object_get(json_object_get(e, "header"), "memory_slots");
    char where[64];
    snprintf(where, sizeof where, "results[%zu].data.counts", i);
    if (!json_is_object(counts)) return tn_fail(TN_ERR_INPUT, "%s: a Qiskit result without %s", d->path, where);
    if (d->width == 0 && json_is_integer(slots)) d->width = (int)json_integer_value(slots);
    d->format = "qiskit";
    return read_map(d, counts, &d->counts, &d->ncounts, where, VALUE_COUNT);
}

static int read_origin_task(dist *d, json_t *tasks, const char *experiment)
{
    size_t i;
    CALL(choose_experiment(d, tasks, 1, experiment, &i));
    json_t *pc = json_object_get(json_array_get(tasks, i), "probCount");
    char where[64];
    snprintf(where, sizeof where, "taskResultList[%zu].probCount", i);
    if (!pc) return tn_fail(TN_ERR_INPUT, "%s: an Origin result without %s", d->path, where);
    d->format = "origin";
    return read_prob_count(d, pc, where);
}

/* ---- tnemu results -------------------------------------------------------------- */

/* Sum of the squared standard errors of a noisy run's counts (trajectories
 * are clusters of shots) over their multinomial variance: 1 when the shots
 * are independent, more when trajectories differ. */
static double design_effect(const dist *d, json_t *stderrs)
{
    double shots = 0, multinomial = 0, clustered = 0;
    for (size_t i = 0; i < d->ncounts; i++) shots += d->counts[i].value;
    for (size_t i = 0; i < d->ncounts; i++) {
        double p = d->counts[i].value / shots;
        multinomial += shots * p * (1 - p);
    }
    const char *key;
    json_t *v;
    json_object_foreach(stderrs, key, v)
        if (json_is_number(v) && isfinite(json_number_value(v))) clustered += json_number_value(v) * json_number_value(v);
    return multinomial > 0 ? clustered / multinomial : NAN;
}

static int read_tnemu(dist *d, json_t *root)
{
    d->format = "tnemu";
    json_t *counts = json_object_get(root, "counts"), *probs = json_object_get(root, "probabilities");
    if (!json_is_object(counts)) return bad(d, "a tnemu result without a \"counts\" object", NULL);
    CALL(read_map(d, counts, &d->counts, &d->ncounts, "counts", VALUE_COUNT));
    if (json_is_object(probs)) {
        CALL(read_map(d, probs, &d->probs, &d->nprobs, "probabilities", VALUE_PROBABILITY));
        if (!d->probs) d->probs = calloc(1, sizeof *d->probs);   /* present but empty: still "has probabilities" */
        if (!d->probs) return TN_ERR_MEMORY;
    }
    json_t *noise = json_object_get(root, "noise");
    d->noisy = json_is_object(noise);
    const char *model = json_string_value(json_object_get(noise, "model"));
    if (model && !(d->noise_model = strdup(model))) return TN_ERR_MEMORY;
    json_t *traj = json_object_get(noise, "trajectories");
    if (json_is_number(traj) && json_number_value(traj) >= 1) d->trajectories = floor(json_number_value(traj));
    json_t *stderrs = json_object_get(noise, "count_stderr");
    if (json_is_object(stderrs) && d->trajectories > 1) d->design_effect = design_effect(d, stderrs);
    return TN_OK;
}

/* ---- any format ------------------------------------------------------------------ */

static int refuse_experiment(const dist *d, const char *experiment)
{
    if (!experiment) return TN_OK;
    return tn_fail(TN_ERR_USAGE, "option --experiment %.40s: %s is a %s file of one distribution, not a result of "
                   "several experiments", experiment, d->path, d->format);
}

/* Reads the JSON document root in whichever format its shape says. */
static int read_any(dist *d, json_t *root, const char *experiment)
{
    if (!json_is_object(root)) return bad(d, "expected a JSON object of counts", NULL);
    if (json_is_string(json_object_get(root, "tool")) &&
        strcmp(json_string_value(json_object_get(root, "tool")), "tnemu") == 0) {
        CALL(read_tnemu(d, root));
        return refuse_experiment(d, experiment);
    }
    json_t *results = json_object_get(root, "results");
    if (json_is_array(results)) return read_qiskit_result(d, results, experiment);
    json_t *tasks = origin_tasks(root);
    if (tasks && (experiment || json_array_size(tasks) > 1)) return read_origin_task(d, tasks, experiment);
    json_t *counts = json_object_get(root, "counts");
    if (json_is_object(counts)) {
        d->format = looks_hex(counts) && (json_object_get(root, "task_id") || find_prob_count(root)) ? "origin"
                                                                                                      : "qiskit";
        CALL(read_map(d, counts, &d->counts, &d->ncounts, "counts", VALUE_COUNT));
        return refuse_experiment(d, experiment);
    }
    if (counts) return bad(d, "\"counts\" is not an object", NULL);
    json_t *pc = find_prob_count(root);
    if (pc) {
        d->format = "origin";
        CALL(read_prob_count(d, pc, "probCount"));
        return refuse_experiment(d, experiment);
    }
    d->format = "plain";
    CALL(read_map(d, root, &d->counts, &d->ncounts, NULL, VALUE_COUNT));
    return refuse_experiment(d, experiment);
}

int dist_read(const char *path, int width, const char *experiment, dist *out)
{
    memset(out, 0, sizeof *out);
    out->design_effect = NAN;
    if (width < 0 || width > COUNTS_MAX_WIDTH)
        return tn_fail(TN_ERR_USAGE, "%d classical bits: at most %d", width, COUNTS_MAX_WIDTH);
    out->width = width;
    if (!(out->path = strdup(path))) return TN_ERR_MEMORY;
    json_t *root;
    CALL(input_load_json(path, JSON_REJECT_DUPLICATES, NULL, &root));
    int status = read_any(out, root, experiment);
    json_decref(root);
    if (status) return status;
    if (out->ncounts == 0 && !out->probs) return bad(out, "no counts", NULL);
    uint64_t shots = 0;   /* added up exactly: each count is at most 2^53 */
    for (size_t i = 0; i < out->ncounts && shots <= (uint64_t)1 << 53; i++)
        shots += out->counts[i].value > MAX_COUNT ? UINT64_MAX / 2 : (uint64_t)out->counts[i].value;   /* merged */
    if (shots > (uint64_t)1 << 53) return bad(out, "the counts add up to more than 2^53 shots", NULL);
    out->shots = (double)shots;
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
    free(d->experiment);
    free(d->keybuf);
    memset(d, 0, sizeof *d);
}
