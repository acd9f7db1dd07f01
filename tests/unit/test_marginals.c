/* test_marginals.c - wide counts for `tnemu compare`: reading keys past 64
 * bits (bitstrings and 0x.. numbers, src/counts.c), the sets of bits of
 * --groups / --block-size / --zstrings and their errors, and marginal and
 * parity distributions (src/marginals.c) against a plain reference that
 * reads each key character by character. Fixed seeds. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "counts.h"
#include "error.h"
#include "marginals.h"
#include "rng.h"
#include "tap.h"

#define WIDE 130   /* past two 64-bit words */

static char tmpdir[] = "/tmp/test_marginals.XXXXXX";

static const char *write_tmp(const char *name, const char *text)
{
    static char path[256];
    snprintf(path, sizeof path, "%s/%s", tmpdir, name);
    FILE *f = fopen(path, "w");
    fputs(text, f);
    fclose(f);
    return path;
}

static int set_is(const bit_set *s, int n, const int *bits)
{
    if (s->nbits != n) return 0;
    for (int i = 0; i < n; i++)
        if (s->bits[i] != bits[i]) return 0;
    return 1;
}

static void test_parse(void)
{
    bit_sets s;
    int status = bit_sets_parse("option --groups", "0-1,2+5, 7", 8, 16, &s);
    ok(status == TN_OK && s.n == 3 && set_is(&s.sets[0], 2, (int[]){0, 1}) && set_is(&s.sets[1], 2, (int[]){2, 5}) &&
           set_is(&s.sets[2], 1, (int[]){7}),
       "'0-1,2+5, 7': {0,1}, {2,5}, {7}");
    char text[64];
    bit_set_text(&s.sets[1], text, sizeof text);
    ok(strcmp(text, "2+5") == 0, "set {2,5} is written back as 2+5 (%s)", text);
    bit_sets_free(&s);
    struct { const char *spec, *want; } bad[] = {
        {"0-8", "bit 8 in '0-8' is out of range for 8-bit counts (valid: 0..7)"},
        {"3-1", "the range '3-1' is empty"},
        {"0+1+0", "bit 0 is twice in the set '0+1+0'"},
        {"0-1,,2", "'' is not a set of bits"},
        {"a", "'a' is not a set of bits"},
        {"1-", "'1-' is not a set of bits"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        status = bit_sets_parse("option --groups", bad[i].spec, 8, 16, &s);
        const char *msg = tn_last_message();
        ok(status == TN_ERR_USAGE && msg && strstr(msg, "option --groups: ") && strstr(msg, bad[i].want),
           "'%s' refused: %s", bad[i].spec, msg ? msg : "(no message)");
    }
    status = bit_sets_parse("option --groups", "0-16", 40, 16, &s);
    ok(status == TN_ERR_USAGE && strstr(tn_last_message(), "more than 16 bits"), "a set of 17 bits refused (at most 16)");
    status = bit_sets_parse("option --zstrings", "0-39", 40, 0, &s);
    ok(status == TN_OK && s.n == 1 && s.sets[0].nbits == 40, "a Z string of all 40 bits (no limit on its size)");
    bit_sets_free(&s);
    const char *file = write_tmp("g.json", "{\"groups\": [[3, 1], \"4-6\"]}");
    status = bit_sets_parse("option --groups", file, 8, 16, &s);
    ok(status == TN_OK && s.n == 2 && set_is(&s.sets[0], 2, (int[]){3, 1}) && set_is(&s.sets[1], 3, (int[]){4, 5, 6}),
       "a JSON file of groups: [3, 1] keeps its order, \"4-6\" is a range");
    bit_sets_free(&s);
    file = write_tmp("bad.json", "[[0], [9]]");
    status = bit_sets_parse("option --groups", file, 8, 16, &s);
    ok(status == TN_ERR_INPUT && strstr(tn_last_message(), "bad.json: set 1: bit 9"), "a JSON group out of range names the file and set");
    status = bit_sets_blocks(5, 2, &s);
    ok(status == TN_OK && s.n == 3 && set_is(&s.sets[2], 1, (int[]){4}), "blocks of 2 over 5 bits: {0,1} {2,3} {4}");
    bit_sets_free(&s);
    status = bit_sets_default_z(3, &s);
    ok(status == TN_OK && s.n == 6 && set_is(&s.sets[5], 3, (int[]){0, 1, 2}), "default Z strings of 3 bits: 3 + 2 + 1");
    bit_sets_free(&s);
}

/* A random WIDE-bit distribution of 300 outcomes, written as bitstrings and as hexadecimal keys. */
static void random_files(char ***keys_out, long **counts_out, int n)
{
    rng_stream rng;
    rng_init(&rng, 77, 1);
    char **keys = calloc((size_t)n, sizeof *keys);
    long *counts = calloc((size_t)n, sizeof *counts);
    size_t cap = (size_t)n * (WIDE + 64) + 64;
    char *bits = malloc(cap), *hex = malloc(cap);
    size_t lb = (size_t)sprintf(bits, "{"), lh = (size_t)sprintf(hex, "{\"counts\": {");
    for (int i = 0; i < n; i++) {
        keys[i] = malloc(WIDE + 1);
        for (int j = 0; j < WIDE; j++) keys[i][j] = rng_uniform(&rng) < (j % 7 == 0 ? 0.1 : 0.5) ? '1' : '0';
        keys[i][WIDE] = '\0';
        keys[i][0] = '1';   /* bit 129 set: a 33-digit hexadecimal key */
        for (int b = 0; b < 9; b++) keys[i][WIDE - 1 - b] = (char)('0' + (i >> b & 1));
        counts[i] = 1 + (long)(rng_uniform(&rng) * 20);
        lb += (size_t)sprintf(bits + lb, "%s\"%s\": %ld", i ? ", " : "", keys[i], counts[i]);
        char h[64];
        int nh = 0;
        for (int k = (WIDE + 3) / 4 - 1; k >= 0; k--) {
            int v = 0;
            for (int b = 3; b >= 0; b--) {
                int bit = 4 * k + b;
                v = v << 1 | (bit < WIDE && keys[i][WIDE - 1 - bit] == '1');
            }
            h[nh++] = "0123456789abcdef"[v];
        }
        h[nh] = '\0';
        lh += (size_t)sprintf(hex + lh, "%s\"0x%s\": %ld", i ? ", " : "", h, counts[i]);
    }
    sprintf(bits + lb, "}");
    sprintf(hex + lh, "}}");
    write_tmp("bits.json", bits);
    write_tmp("hex.json", hex);
    free(bits);
    free(hex);
    *keys_out = keys;
    *counts_out = counts;
}

static void test_wide_read_and_marginals(void)
{
    enum { N = 300 };
    char **keys;
    long *counts;
    random_files(&keys, &counts, N);
    char path[256];
    dist a, b;
    snprintf(path, sizeof path, "%s/bits.json", tmpdir);
    int sa = dist_read(path, 0, NULL, &a);
    snprintf(path, sizeof path, "%s/hex.json", tmpdir);
    int sb = dist_read(path, WIDE, NULL, &b);
    ok(sa == TN_OK && a.width == WIDE && a.ncounts == N, "130-bit bitstring keys read (%d bits, %zu outcomes)", a.width,
       a.ncounts);
    int same = sb == TN_OK && b.ncounts == a.ncounts;
    for (size_t i = 0; same && i < a.ncounts; i++)
        same = strcmp(a.counts[i].key, b.counts[i].key) == 0 && a.counts[i].value == b.counts[i].value;
    ok(same, "the same outcomes as 33-digit hexadecimal keys");
    dist c;
    snprintf(path, sizeof path, "%s/hex.json", tmpdir);
    int sc = dist_read(path, WIDE - 1, NULL, &c);
    ok(sc == TN_ERR_INPUT && strstr(tn_last_message(), "has a bit above the 129 classical bits"),
       "hexadecimal keys with bit 129 set refused at 129 bits");
    dist_free(&c);

    bit_set group = {3, (int[]){128, 0, 64}};
    dist m;
    int status = dist_marginal(&a, &group, &m);
    int good = status == TN_OK && m.width == 3 && m.shots == a.shots;
    for (int v = 0; good && v < 8; v++) {
        double want = 0;   /* the plain reference: read the three characters of every key */
        for (int i = 0; i < N; i++)
            if ((keys[i][WIDE - 1 - 128] == '1') == (v & 1) && (keys[i][WIDE - 1 - 0] == '1') == (v >> 1 & 1) &&
                (keys[i][WIDE - 1 - 64] == '1') == (v >> 2 & 1))
                want += (double)counts[i];
        double got = 0;
        char key[4] = {(char)('0' + (v >> 2 & 1)), (char)('0' + (v >> 1 & 1)), (char)('0' + (v & 1)), 0};
        for (size_t i = 0; i < m.ncounts; i++)
            if (strcmp(m.counts[i].key, key) == 0) got = m.counts[i].value;
        good = is_double(got, want, 0, "marginal on bits (128, 0, 64) of outcome %s", key);
    }
    ok(good, "the marginal on bits 128, 0, 64 equals the plain sum (group bit 0 rightmost)");
    dist_free(&m);

    bit_set all = {WIDE, calloc(WIDE, sizeof(int))};
    for (int j = 0; j < WIDE; j++) all.bits[j] = j;
    status = dist_parity(&a, &all, &m);
    double odd = 0;
    for (int i = 0; i < N; i++) {
        int p = 0;
        for (int j = 0; j < WIDE; j++) p ^= keys[i][j] == '1';
        odd += p ? (double)counts[i] : 0;
    }
    double got_odd = 0;
    for (size_t i = 0; status == TN_OK && i < m.ncounts; i++)
        if (strcmp(m.counts[i].key, "1") == 0) got_odd = m.counts[i].value;
    ok(status == TN_OK && m.width == 1 && got_odd == odd, "the parity of all 130 bits: %g odd shots, %g by hand",
       got_odd, odd);
    dist_free(&m);
    free(all.bits);
    dist_free(&a);
    dist_free(&b);
    for (int i = 0; i < N; i++) free(keys[i]);
    free(keys);
    free(counts);
}

int main(void)
{
    if (!mkdtemp(tmpdir)) { printf("Bail out! no temporary directory\n"); return 1; }
    test_parse();
    test_wide_read_and_marginals();
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    if (system(cmd) != 0) diag("could not remove %s", tmpdir);
    return done_testing();
}
