/* tally.c - counts of measured outcomes in a hash map (see tally.h).
 *
 * Entries live in one array of 64-bit words, E words each: the outcome's
 * bits packed into W words (bit j in word j / 64), the count, and with
 * clusters the two sums as doubles. An open-addressing table (linear
 * probing, at most half full) holds entry index + 1. The dense array is
 * what travels between ranks and into checkpoints, as it is. */
#include "tally.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "work.h"

#define TALLY_TAG 4711          /* point-to-point tag of tally_merge_to_root */
#define MERGE_PIECE_WORDS (1 << 20)   /* words per message of a merge: 8 MiB */

struct tally {
    int width, words, clusters, stride;   /* stride: 64-bit words per entry */
    uint64_t *entries;
    size_t n, entry_cap;
    uint32_t *slots;            /* entry index + 1; 0: empty */
    size_t slot_cap;            /* a power of two */
    size_t charged;             /* bytes on the ledger */
    uint64_t *key;              /* one packed key: scratch of tally_add */
};

static int words_for(int width) { return width > 0 ? (width + 63) / 64 : 1; }
static int stride_for(int width, int clusters) { return words_for(width) + 1 + (clusters ? 2 : 0); }

/* Charges (or returns) bytes to the ledger, naming the counts in a failure. */
static int charge(tally *t, long long delta, size_t outcomes)
{
    char what[96];
    snprintf(what, sizeof what, "the counts of %zu distinct outcomes", outcomes);
    CALL(tn_mem_charge_for(delta, what));
    t->charged = (size_t)((long long)t->charged + delta);
    return TN_OK;
}

int tally_create(int width, int clusters, tally **out)
{
    *out = NULL;
    tally *t = tn_calloc(1, sizeof *t);
    if (!t) return TN_ERR_MEMORY;
    t->width = width;
    t->words = words_for(width);
    t->clusters = clusters != 0;
    t->stride = stride_for(width, clusters);
    t->key = tn_calloc((size_t)t->words, sizeof *t->key);
    if (!t->key) { free(t); return TN_ERR_MEMORY; }
    *out = t;
    return TN_OK;
}

void tally_destroy(tally **t)
{
    if (!*t) return;
    tn_mem_charge(-(long long)(*t)->charged);
    free((*t)->entries);
    free((*t)->slots);
    free((*t)->key);
    free(*t);
    *t = NULL;
}

size_t tally_size(const tally *t) { return t->n; }

static uint64_t *entry_at(const tally *t, size_t i) { return t->entries + i * (size_t)t->stride; }

static uint64_t hash_key(const uint64_t *key, int words)
{
    uint64_t h = 0x9e3779b97f4a7c15u;
    for (int w = 0; w < words; w++) {   /* splitmix64's finaliser over each word */
        h ^= key[w];
        h = (h ^ (h >> 30)) * 0xbf58476d1ce4e5b9u;
        h = (h ^ (h >> 27)) * 0x94d049bb133111ebu;
        h ^= h >> 31;
    }
    return h;
}

/* The slot of key: where it is, or the empty slot where it would go. */
static int same_key(const uint64_t *a, const uint64_t *b, int words)
{
    for (int w = 0; w < words; w++)
        if (a[w] != b[w]) return 0;
    return 1;
}

static size_t find_slot(const tally *t, const uint64_t *key)
{
    size_t mask = t->slot_cap - 1, s = (size_t)hash_key(key, t->words) & mask;
    while (t->slots[s] && !same_key(entry_at(t, t->slots[s] - 1), key, t->words)) s = (s + 1) & mask;
    return s;
}

/* Makes room for one more entry: a longer array, a table at most half full. */
static int make_room(tally *t)
{
    if (t->n == UINT32_MAX - 1)
        return tn_fail(TN_ERR_MEMORY, "more than %u distinct outcomes: the counts cannot hold them", UINT32_MAX - 1);
    if (t->n == t->entry_cap) {
        size_t cap = t->entry_cap ? 2 * t->entry_cap : 16, bytes = cap * (size_t)t->stride * 8;
        CALL(charge(t, (long long)(bytes - t->entry_cap * (size_t)t->stride * 8), t->n + 1));
        uint64_t *grown = realloc(t->entries, bytes);
        if (!grown) {
            charge(t, -(long long)(bytes - t->entry_cap * (size_t)t->stride * 8), 0);
            return tn_fail(TN_ERR_MEMORY, "out of memory: the counts of %zu distinct outcomes", t->n + 1);
        }
        t->entries = grown;
        t->entry_cap = cap;
    }
    if (2 * (t->n + 1) <= t->slot_cap) return TN_OK;
    size_t cap = t->slot_cap ? 2 * t->slot_cap : 64;
    CALL(charge(t, (long long)((cap - t->slot_cap) * sizeof *t->slots), t->n + 1));
    uint32_t *slots = calloc(cap, sizeof *slots);
    if (!slots) {
        charge(t, -(long long)((cap - t->slot_cap) * sizeof *t->slots), 0);
        return tn_fail(TN_ERR_MEMORY, "out of memory: the counts of %zu distinct outcomes", t->n + 1);
    }
    free(t->slots);
    t->slots = slots;
    t->slot_cap = cap;
    for (size_t i = 0; i < t->n; i++) t->slots[find_slot(t, entry_at(t, i))] = (uint32_t)(i + 1);
    return TN_OK;
}

/* Adds count and the two sums to the entry of the packed key. */
static int add_packed(tally *t, const uint64_t *key, long count, double c2, double cn)
{
    if (2 * (t->n + 1) > t->slot_cap || t->n == t->entry_cap) CALL(make_room(t));
    size_t s = find_slot(t, key);
    uint64_t *e;
    if (t->slots[s]) {
        e = entry_at(t, t->slots[s] - 1);
    } else {
        e = entry_at(t, t->n);
        memset(e, 0, (size_t)t->stride * 8);
        memcpy(e, key, (size_t)t->words * 8);
        t->slots[s] = (uint32_t)++t->n;
    }
    e[t->words] += (uint64_t)count;
    if (t->clusters) {
        double sums[2];
        memcpy(sums, e + t->words + 1, sizeof sums);
        sums[0] += c2;
        sums[1] += cn;
        memcpy(e + t->words + 1, sums, sizeof sums);
    }
    return TN_OK;
}

/* Packs width 0/1 bytes into words; returns key. */
static uint64_t *pack(const tally *t, const unsigned char *bits, uint64_t *key)
{
    for (int w = 0; w < t->words; w++) {
        int lo = 64 * w, hi = t->width < lo + 64 ? t->width : lo + 64;
        uint64_t v = 0;
        for (int j = hi - 1; j >= lo; j--) v = v << 1 | (bits[j] & 1);
        key[w] = v;
    }
    return key;
}

static int add_bits(tally *t, const unsigned char *bits, long count, double c2, double cn)
{
    return add_packed(t, pack(t, bits, t->key), count, c2, cn);
}

int tally_add(tally *t, const unsigned char *bits, long count)
{
    return add_bits(t, bits, count, 0, 0);
}

int tally_add_cluster(tally *t, const unsigned char *bits, long c, long n_t)
{
    return add_bits(t, bits, c, (double)c * (double)c, (double)c * (double)n_t);
}

int tally_fold(tally *into, const tally *part, long n_t)
{
    for (size_t i = 0; i < part->n; i++) {
        const uint64_t *e = entry_at(part, i);
        double c = (double)(int64_t)e[part->words];
        CALL(add_packed(into, e, (long)e[part->words], c * c, c * (double)n_t));
    }
    return TN_OK;
}

/* Adds k entries laid out as in a tally of the same width and clusters. */
static int add_entries(tally *t, const uint64_t *entries, size_t k)
{
    for (size_t i = 0; i < k; i++) {
        const uint64_t *e = entries + i * (size_t)t->stride;
        double sums[2] = {0, 0};
        if (t->clusters) memcpy(sums, e + t->words + 1, sizeof sums);
        CALL(add_packed(t, e, (long)e[t->words], sums[0], sums[1]));
    }
    return TN_OK;
}

int tally_copy(const tally *t, tally **out)
{
    CALL(tally_create(t->width, t->clusters, out));
    int status = add_entries(*out, t->entries, t->n);
    if (status) tally_destroy(out);
    return status;
}

/* Orders packed keys as their bitstrings: the highest word first. */
static int compare_entries(const void *a, const void *b, void *words)
{
    const uint64_t *x = a, *y = b;
    for (int w = *(const int *)words - 1; w >= 0; w--)
        if (x[w] != y[w]) return x[w] < y[w] ? -1 : 1;
    return 0;
}

void tally_sort(tally *t)
{
    if (t->n < 2) return;
    qsort_r(t->entries, t->n, (size_t)t->stride * 8, compare_entries, &t->words);
    memset(t->slots, 0, t->slot_cap * sizeof *t->slots);
    for (size_t i = 0; i < t->n; i++) t->slots[find_slot(t, entry_at(t, i))] = (uint32_t)(i + 1);
}

long tally_count(const tally *t, size_t i) { return (long)entry_at(t, i)[t->words]; }

void tally_key(const tally *t, size_t i, char *key)
{
    const uint64_t *e = entry_at(t, i);
    for (int j = 0; j < t->width; j++) key[t->width - 1 - j] = (char)('0' + (e[j >> 6] >> (j & 63) & 1));
    key[t->width] = '\0';
}

void tally_cluster_sums(const tally *t, size_t i, double *sum_c2, double *sum_cn)
{
    double sums[2] = {0, 0};
    if (t->clusters) memcpy(sums, entry_at(t, i) + t->words + 1, sizeof sums);
    *sum_c2 = sums[0];
    *sum_cn = sums[1];
}

int tally_merge_to_root(tally *t, int width, int clusters, MPI_Comm comm)
{
    int rank = 0, size = 1;
    MPI_Comm_rank(comm, &rank);
    MPI_Comm_size(comm, &size);
    if (size == 1) return TN_OK;
    size_t stride = (size_t)stride_for(width, clusters), piece = MERGE_PIECE_WORDS / stride;
    unsigned long long mine = t ? t->n : 0, *all = rank == 0 ? tn_calloc((size_t)size, sizeof *all) : NULL;
    uint64_t *buf = rank == 0 ? tn_malloc(piece * stride * 8) : NULL;
    int status = rank != 0 || (all && buf) ? TN_OK : TN_ERR_MEMORY;
    if (rank == 0 && status == TN_OK) status = tn_mem_charge_for((long long)(piece * stride * 8), "merging the counts");
    int go = status;
    MPI_Bcast(&go, 1, MPI_INT, 0, comm);   /* the root can receive: nobody sends into a failed root */
    if (go != TN_OK) {
        free(all);
        free(buf);
        return rank == 0 ? status : tn_fail(TN_ERR_MEMORY, "rank 0 could not merge the counts");
    }
    MPI_Gather(&mine, 1, MPI_UNSIGNED_LONG_LONG, all, 1, MPI_UNSIGNED_LONG_LONG, 0, comm);
    for (int r = 1; r < size; r++) {   /* one rank after another: the root holds one piece at a time */
        unsigned long long total = rank == 0 ? all[r] : mine;
        if (rank != 0 && rank != r) continue;
        for (size_t done = 0; done < total;) {
            size_t k = total - done < piece ? (size_t)(total - done) : piece;
            if (rank == r) {
                MPI_Send(t->entries + done * stride, (int)(k * stride), MPI_UINT64_T, 0, TALLY_TAG, comm);
            } else {
                MPI_Recv(buf, (int)(k * stride), MPI_UINT64_T, r, TALLY_TAG, comm, MPI_STATUS_IGNORE);
                if (status == TN_OK) status = add_entries(t, buf, k);   /* after a failure: drain, add nothing */
            }
            done += k;
        }
    }
    if (rank == 0) tn_mem_charge(-(long long)(piece * stride * 8));
    free(all);
    free(buf);
    return status;
}

size_t tally_bytes(const tally *t) { return t->n * (size_t)t->stride * 8; }

void tally_write(const tally *t, void *bytes)
{
    if (t->n) memcpy(bytes, t->entries, tally_bytes(t));
}

int tally_read(tally *t, const void *bytes, size_t len, const char *what)
{
    size_t entry = (size_t)t->stride * 8, per = 4096 / entry ? 4096 / entry : 1;
    if (len % entry)
        return tn_fail(TN_ERR_INPUT, "%s: %zu bytes of counts are not whole entries of %zu bytes", what, len, entry);
    uint64_t *piece = tn_malloc(per * entry);   /* aligned copies: bytes may sit anywhere in a payload */
    if (!piece) return TN_ERR_MEMORY;
    int status = TN_OK;
    for (size_t i = 0; i < len / entry && status == TN_OK; i += per) {
        size_t k = len / entry - i < per ? len / entry - i : per;
        memcpy(piece, (const char *)bytes + i * entry, k * entry);
        status = add_entries(t, piece, k);
    }
    free(piece);
    return status;
}
