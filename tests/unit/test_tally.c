/* test_tally.c - the outcome tally (src/tally.c) against plain references.
 *
 * Run under mpirun -n 1..3 (tests/tally.t). Keys of 1 to 130 bits counted
 * by the tally equal a sort-and-count of their bitstrings; trajectory
 * clusters keep sum c^2 and sum c n_t; a checkpoint round trip and a copy
 * change nothing; the ledger refuses growth past --max-memory with a message
 * naming the counts and gets every byte back; every rank's tally merged on
 * rank 0, in pieces, equals one tally of all their shots. Verdicts are
 * reduced to rank 0, which alone prints TAP. */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "rng.h"
#include "tally.h"
#include "work.h"

static int rank, tests, failures;

/* Reduces a local verdict (1 = pass) over the world and prints it on rank 0. */
static void check(int ok_local, const char *what)
{
    int ok_all;
    MPI_Allreduce(&ok_local, &ok_all, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD);
    tests++;
    if (!ok_all) failures++;
    if (rank == 0) printf("%sok %d - %s\n", ok_all ? "" : "not ", tests, what);
    fflush(stdout);
}

/* Shot s of stream (seed, stream): width random bits with few distinct
 * outcomes when `pool` > 0 (the outcome is one of pool patterns). */
static void draw(uint64_t seed, uint64_t stream, long s, int width, int pool, unsigned char *bits)
{
    rng_stream r;
    rng_init_sub(&r, seed, stream, (uint32_t)(pool > 0 ? (uint32_t)(rng_uniform_at(seed, stream, (uint32_t)s, 0) * pool) : (uint32_t)s));
    for (int j = 0; j < width; j++) bits[j] = (unsigned char)(rng_next_u32(&r) & 1);
}

static void bitstring(const unsigned char *bits, int width, char *key)
{
    for (int j = 0; j < width; j++) key[width - 1 - j] = (char)('0' + bits[j]);
    key[width] = '\0';
}

static int compare_strings(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* The tally of `shots` draws against qsort-and-count of their bitstrings. */
static int matches_reference(int width, int pool, long shots)
{
    tally *t;
    if (tally_create(width, 0, &t)) return 0;
    unsigned char *bits = malloc((size_t)width);
    char **keys = malloc((size_t)shots * sizeof *keys), *key = malloc((size_t)width + 1);
    int good = 1;
    for (long s = 0; s < shots; s++) {
        draw(7, (uint64_t)width, s, width, pool, bits);
        keys[s] = malloc((size_t)width + 1);
        bitstring(bits, width, keys[s]);
        good &= tally_add(t, bits, 1) == TN_OK;
    }
    qsort(keys, (size_t)shots, sizeof *keys, compare_strings);
    tally_sort(t);
    size_t e = 0;
    for (long s = 0; s < shots && good;) {
        long f = s;
        while (f < shots && strcmp(keys[f], keys[s]) == 0) f++;
        tally_key(t, e, key);
        good &= e < tally_size(t) && strcmp(key, keys[s]) == 0 && tally_count(t, e) == f - s;
        e++;
        s = f;
    }
    good &= e == tally_size(t);
    for (long s = 0; s < shots; s++) free(keys[s]);
    free(keys); free(key); free(bits);
    tally_destroy(&t);
    return good;
}

/* Whether a and b hold the same entries (both sorted here). */
static int same_tally(tally *a, tally *b, int width)
{
    if (tally_size(a) != tally_size(b)) return 0;
    tally_sort(a);
    tally_sort(b);
    char *ka = malloc((size_t)width + 1), *kb = malloc((size_t)width + 1);
    int good = 1;
    for (size_t i = 0; i < tally_size(a) && good; i++) {
        double a2, an, b2, bn;
        tally_key(a, i, ka);
        tally_key(b, i, kb);
        tally_cluster_sums(a, i, &a2, &an);
        tally_cluster_sums(b, i, &b2, &bn);
        good = strcmp(ka, kb) == 0 && tally_count(a, i) == tally_count(b, i) && a2 == b2 && an == bn;
    }
    free(ka); free(kb);
    return good;
}

/* Trajectory t of a rank: its shots drawn, counted, folded into `into`. */
static int add_trajectory(tally *into, int width, int pool, uint64_t stream, long first, long shots)
{
    tally *part;
    unsigned char *bits = malloc((size_t)width);
    int status = tally_create(width, 0, &part);
    for (long s = first; s < first + shots && status == TN_OK; s++) {
        draw(9, stream, s, width, pool, bits);
        status = tally_add(part, bits, 1);
    }
    if (status == TN_OK) status = tally_fold(into, part, shots);
    tally_destroy(&part);
    free(bits);
    return status;
}

static void test_widths(void)
{
    int widths[] = {1, 2, 63, 64, 65, 130};
    for (size_t i = 0; i < sizeof widths / sizeof *widths; i++) {
        char what[96];
        snprintf(what, sizeof what, "%d-bit keys: the counts of a sort of their bitstrings", widths[i]);
        check(matches_reference(widths[i], widths[i] > 8 ? 300 : 0, 20000), what);
    }
    check(matches_reference(130, 0, 50000), "50,000 distinct 130-bit keys (the table grows and rehashes)");
}

static void test_clusters(void)
{
    tally *t;
    int good = tally_create(3, 1, &t) == TN_OK;
    unsigned char a[3] = {1, 0, 0}, b[3] = {0, 1, 1};
    /* trajectory 1: a x2, b x1 (n = 3); trajectory 2: a x4 (n = 4) */
    good &= tally_add_cluster(t, a, 2, 3) == TN_OK && tally_add_cluster(t, b, 1, 3) == TN_OK;
    good &= tally_add_cluster(t, a, 4, 4) == TN_OK;
    tally_sort(t);   /* "001" (a) before "110" (b) */
    double c2, cn;
    tally_cluster_sums(t, 0, &c2, &cn);
    good &= tally_size(t) == 2 && tally_count(t, 0) == 6 && c2 == 4 + 16 && cn == 2 * 3 + 4 * 4;
    tally_cluster_sums(t, 1, &c2, &cn);
    good &= tally_count(t, 1) == 1 && c2 == 1 && cn == 3;
    tally_destroy(&t);
    check(good, "clusters: count, sum c^2 and sum c n_t per outcome");

    tally *folded, *copy = NULL, *back = NULL;
    good = tally_create(130, 1, &folded) == TN_OK;
    for (long tr = 0; tr < 20 && good; tr++) good = add_trajectory(folded, 130, 40, 1, tr * 500, 500) == TN_OK;
    good &= tally_copy(folded, &copy) == TN_OK && tally_create(130, 1, &back) == TN_OK;
    size_t len = tally_bytes(folded);
    char *buf = malloc(len + 3);
    tally_write(folded, buf + 3);   /* anywhere in a payload: not aligned */
    good &= tally_read(back, buf + 3, len, "test") == TN_OK;
    good &= same_tally(folded, copy, 130) && same_tally(folded, back, 130);
    good &= tally_read(back, buf + 3, len - 1, "test") == TN_ERR_INPUT && strstr(tn_last_message(), "whole entries");
    free(buf);
    tally_destroy(&folded); tally_destroy(&copy); tally_destroy(&back);
    check(good, "a copy and a checkpoint round trip give the same entries; a torn payload is refused");
}

static void test_ledger(void)
{
    size_t before = tn_mem_in_use();
    tn_mem_set_limit(before + 64 * 1024, 0);
    tally *t;
    int status = tally_create(64, 0, &t);
    unsigned char bits[64];
    for (long s = 0; s < 100000 && status == TN_OK; s++) {
        draw(3, 0, s, 64, 0, bits);
        status = tally_add(t, bits, 1);
    }
    int good = status == TN_ERR_MEMORY && strstr(tn_last_message(), "option --max-memory") &&
               strstr(tn_last_message(), "distinct outcomes") && tally_size(t) > 100;
    tally_destroy(&t);
    tn_mem_set_limit(0, 0);
    good &= tn_mem_in_use() == before;
    check(good, "the ledger stops the counts at --max-memory, names them, and gets every byte back");
}

/* Every rank's trajectories folded on the rank, merged on rank 0, equal all
 * of them folded in one tally (200,000 distinct 130-bit keys per rank:
 * more than one piece per message). */
static void test_merge(int size)
{
    const int width = 130;
    const long per_rank = 200000;
    tally *mine, *all = NULL;
    int good = tally_create(width, 1, &mine) == TN_OK;
    for (long tr = 0; tr < 4 && good; tr++)
        good = add_trajectory(mine, width, 0, (uint64_t)rank, tr * (per_rank / 4), per_rank / 4) == TN_OK;
    if (rank == 0) {
        good &= tally_create(width, 1, &all) == TN_OK;
        for (int r = 0; r < size && good; r++)
            for (long tr = 0; tr < 4 && good; tr++)
                good = add_trajectory(all, width, 0, (uint64_t)r, tr * (per_rank / 4), per_rank / 4) == TN_OK;
    }
    good &= tally_merge_to_root(mine, width, 1, MPI_COMM_WORLD) == TN_OK;
    if (rank == 0) good &= tally_size(mine) == (size_t)size * per_rank && same_tally(mine, all, width);
    tally_destroy(&mine);
    tally_destroy(&all);
    check(good, "every rank's tally merged on rank 0 equals one tally of all their shots");

    /* a rank with nothing to send (NULL) and some ranks with few outcomes */
    good = tally_create(2, 0, &mine) == TN_OK;
    unsigned char bits[2] = {(unsigned char)(rank & 1), 1};
    if (good) good = tally_add(mine, bits, rank + 1) == TN_OK;
    tally *send = rank == 1 ? NULL : mine;
    good &= tally_merge_to_root(rank == 0 ? mine : send, 2, 0, MPI_COMM_WORLD) == TN_OK;
    if (rank == 0) {
        long want_even = 0, want_odd = 0;
        for (int r = 0; r < size; r++)
            if (r != 1) *(r & 1 ? &want_odd : &want_even) += r + 1;
        tally_sort(mine);   /* "10" (bit 0 = 0) before "11" */
        size_t k = 0;
        if (want_even) good &= tally_count(mine, k++) == want_even;
        if (want_odd) good &= tally_count(mine, k++) == want_odd;
        good &= tally_size(mine) == k;
    }
    tally_destroy(&mine);
    check(good, "a rank that sends nothing and ranks with one outcome each");
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    int size;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    test_widths();
    test_clusters();
    test_ledger();
    test_merge(size);
    if (rank == 0) printf("1..%d\n", tests);
    MPI_Finalize();
    return failures ? 1 : 0;
}
