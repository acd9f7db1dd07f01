/* compare_cmd.c - the `tnemu compare` command: options, the input files, and
 * which analyses (compare.c) run on them: the whole distribution when it has
 * at most COMPARE_FULL_MAX_BITS bits, the marginal of every bit past that,
 * the marginals of --groups / --block-size, the Z strings of --zstrings
 * (marginals.c); then the metrics JSON, the summary and the report.
 *
 * Marginal tests: each group's (or, wide and without groups, each bit's)
 * Pearson chi-square gives a p-value (a bootstrap p-value cannot go below
 * 1/(B+1), and 64 groups x 1/1001 could never reject at 5%); the marginal
 * verdict is the Bonferroni
 * combination min(1, G min p), valid however the groups depend on each
 * other. Each analysis draws its bootstrap from its own streams (the seed
 * mixed with what and which it is), so adding a group changes no other
 * group's numbers. */
#include "compare.h"

#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "counts.h"
#include "error.h"
#include "marginals.h"
#include "outfile.h"
#include "report.h"
#include "result.h"

#define DEFAULT_BOOTSTRAP 1000
#define SEED_BITS 1u        /* what an analysis is, mixed into its seed */
#define SEED_GROUPS 2u
#define SEED_ZSTRINGS 3u

static const char *compare_usage =
    "usage: tnemu compare EMULATED.json HARDWARE.json [OPTIONS]\n"
    "\n"
    "  EMULATED.json      a `tnemu run` result (noisy for the verdict; --probabilities for exact\n"
    "                     distributions and cross-entropy)\n"
    "  HARDWARE.json      counts: Qiskit ({\"counts\": ...} or a Result), Origin Quantum task results\n"
    "                     (\"counts\" with 0x.. keys, or \"probCount\"), or plain {\"0101\": 12, ...};\n"
    "                     counts are whole numbers in [0, 2^53]; keys of any width (1..65536 bits)\n"
    "  --experiment E     the experiment of HARDWARE.json to compare when it holds several (a Qiskit\n"
    "                     Result of several circuits, an Origin result of several tasks): its name\n"
    "                     (header.name, taskName) or its 0-based index (all digits)\n"
    "  --ideal FILE       a noiseless `tnemu run` result of the same circuit\n"
    "  --clbits N         classical bits of hexadecimal keys (1..65536; default: the emulation's)\n"
    "  --groups SPEC      also compare the marginal distribution of each group of bits: groups\n"
    "                     separated by ',', bits and ranges joined by '+' (\"0-1,2-3\", \"0+5,1-4\"),\n"
    "                     or a JSON file ([[0, 1], [2, 3]]); 1..16 bits a group; groups may overlap\n"
    "  --block-size K     groups of K consecutive bits: 0..K-1, K..2K-1, ... (1..16; the last one\n"
    "                     shorter when K does not divide the width)\n"
    "  --zstrings SPEC    Z strings whose expectations to report, as --groups writes sets (\"0+1,0-127\")\n"
    "                     (default: every bit, neighbouring pairs, all bits)\n"
    "  --bootstrap B      bootstrap replicates for intervals and the test (0..100000; default 1000)\n"
    "  --seed S           seed of the bootstrap (0..18446744073709551615; default 1)\n"
    "  --report DIR       write DIR/metrics.json and PNG plots (needs /usr/bin/python3 with matplotlib;\n"
    "                     at most 64 bits); all or nothing: a failing plot leaves DIR as it was (exit 1),\n"
    "                     -o is written\n"
    "  -o, --output FILE  write the metrics JSON to FILE (default: stdout)\n"
    "  -q, --quiet        no summary on stderr\n"
    "\n"
    "Keys are classical bits c[n-1]..c[0]. Hellinger fidelity is Qiskit's (1 - h^2)^2 = (sum\n"
    "sqrt(p q))^2. Intervals are 95%: for TVD and Hellinger, the measured value -+ the samples'\n"
    "sampling distance (measured distances between samples are biased upward; this interval is\n"
    "for the distance between the distributions behind them); for XEB, heavy outputs, marginals\n"
    "and Z strings, bootstrap percentiles; none for KL. Both sides' sampling errors are in them (a\n"
    "noisy emulation is redrawn as the shots its trajectories are worth). The verdict tests the\n"
    "total variation distance against its bootstrap distribution under the emulated distribution\n"
    "(p >= 0.05: consistent).\n"
    "Counts of more than 64 bits: the whole-distribution metrics are not computed (nearly every\n"
    "outcome is seen once; they would measure the shots, not the device). Compared instead: each\n"
    "bit's marginal, each group's marginal (--groups, --block-size) with its own TVD, Hellinger,\n"
    "KL, test and intervals, and the Z strings; the verdict combines the groups' tests (or the\n"
    "bits', without groups) by Bonferroni.\n";

typedef struct {
    const char *emulated, *hardware, *ideal, *report, *output, *experiment;
    const char *groups, *zstrings;
    long clbits, bootstrap, block_size;
    uint64_t seed;
    int quiet, help;
} compare_request;

static int parse_u64(const char *option, const char *value, uint64_t *out)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(value, &end, 10);
    if (!*value || *end || errno || value[0] == '-')
        return tn_fail(TN_ERR_USAGE, "option %s: '%s' is not an integer in [0, 18446744073709551615]", option, value);
    *out = v;
    return TN_OK;
}

static int parse_compare_args(int argc, char **argv, compare_request *rq)
{
    memset(rq, 0, sizeof *rq);
    rq->bootstrap = DEFAULT_BOOTSTRAP;
    rq->seed = 1;
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) { rq->help = 1; return TN_OK; }
        if (strcmp(a, "-q") == 0 || strcmp(a, "--quiet") == 0) { rq->quiet = 1; continue; }
        if (a[0] != '-' || !a[1]) {
            if (!rq->emulated) rq->emulated = a;
            else if (!rq->hardware) rq->hardware = a;
            else return tn_fail(TN_ERR_USAGE, "tnemu compare takes two files; '%s' is a third", a);
            continue;
        }
        if (i + 1 >= argc) return tn_fail(TN_ERR_USAGE, "option %s needs a value", a);
        const char *v = argv[++i];
        if (strcmp(a, "--ideal") == 0) rq->ideal = v;
        else if (strcmp(a, "--experiment") == 0) rq->experiment = v;
        else if (strcmp(a, "--report") == 0) rq->report = v;
        else if (strcmp(a, "-o") == 0 || strcmp(a, "--output") == 0) rq->output = v;
        else if (strcmp(a, "--groups") == 0) rq->groups = v;
        else if (strcmp(a, "--zstrings") == 0) rq->zstrings = v;
        else if (strcmp(a, "--clbits") == 0) CALL(cli_parse_long(a, v, 1, COUNTS_MAX_WIDTH, &rq->clbits));
        else if (strcmp(a, "--block-size") == 0) CALL(cli_parse_long(a, v, 1, MARGINAL_MAX_BITS, &rq->block_size));
        else if (strcmp(a, "--bootstrap") == 0) CALL(cli_parse_long(a, v, 0, 100000, &rq->bootstrap));
        else if (strcmp(a, "--seed") == 0) CALL(parse_u64(a, v, &rq->seed));
        else return tn_fail(TN_ERR_USAGE, "unknown option '%s' for 'tnemu compare' (see tnemu compare --help)", a);
        if (!*v) return tn_fail(TN_ERR_USAGE, "option %s: expected a value", a);
    }
    if (rq->help) return TN_OK;
    if (rq->groups && rq->block_size)
        return tn_fail(TN_ERR_USAGE, "options --groups and --block-size both name groups: give one");
    if (!rq->hardware)
        return tn_fail(TN_ERR_USAGE, "tnemu compare needs EMULATED.json and HARDWARE.json (see tnemu compare --help)");
    return TN_OK;
}

/* Reads the three files; every width must agree. */
static int read_inputs(const compare_request *rq, dist *emu, dist *hw, dist *ideal)
{
    CALL(dist_read(rq->emulated, (int)rq->clbits, NULL, emu));
    CALL(dist_read(rq->hardware, emu->width, rq->experiment, hw));
    if (hw->width != emu->width)
        return tn_fail(TN_ERR_INPUT, "%s has %d-bit outcomes but %s has %d", hw->path, hw->width, emu->path,
                       emu->width);
    if (rq->ideal) {
        CALL(dist_read(rq->ideal, emu->width, NULL, ideal));
        if (ideal->width != emu->width)
            return tn_fail(TN_ERR_INPUT, "%s has %d-bit outcomes but %s has %d", ideal->path, ideal->width,
                           emu->path, emu->width);
    }
    return TN_OK;
}

/* The seed of analysis `index` of kind `what`: splitmix64 of both, mixed
 * with the user's seed, so every analysis has streams of its own. */
static uint64_t analysis_seed(uint64_t seed, unsigned what, size_t index)
{
    uint64_t z = seed + 0x9e3779b97f4a7c15ull * ((((uint64_t)what << 40) ^ (uint64_t)index) + 1);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

/* ---- marginal analyses ---------------------------------------------------------- */

/* What marginal analyses make of the data, beside the whole distribution. */
typedef struct {
    bit_sets groups, zsets;
    int per_bit;               /* wide: each bit's marginal analysed */
    json_t *inputs;            /* from the first analysis, when there is no whole one */
    double *group_p, *bit_p;   /* p-values of the tests against the emulation */
    double *group_tvd;
} marginal_work;

/* The marginal (or, parity, the parity) of set in every source, in m[],
 * and its analysis (whose table points into m: free m after it). */
static int analyse_set(const compare_request *rq, const dist *const d[COMPARE_NSRC], const bit_set *set, int parity,
                       uint64_t seed, dist m[COMPARE_NSRC], compare_analysis **out)
{
    const dist *md[COMPARE_NSRC] = {0};
    memset(m, 0, COMPARE_NSRC * sizeof *m);
    for (int s = 0; s < COMPARE_NSRC; s++) {
        if (!d[s]) continue;
        CALL(parity ? dist_parity(d[s], set, &m[s]) : dist_marginal(d[s], set, &m[s]));
        md[s] = &m[s];
    }
    return compare_analyse(md, rq->bootstrap, seed, out);
}

static void free_set(dist m[COMPARE_NSRC], compare_analysis **a)
{
    compare_analysis_free(a);
    for (int s = 0; s < COMPARE_NSRC; s++) dist_free(&m[s]);
}

/* The inputs object, from the first marginal analysis of wide counts. A
 * noisy source of several shots per trajectory gets a note: its design
 * effect comes from whole outcomes, nearly all seen once, where the shots
 * of one trajectory do not show their correlation within a marginal. */
static void keep_inputs(marginal_work *w, const compare_analysis *a, const dist *const d[COMPARE_NSRC])
{
    if (w->inputs) return;
    w->inputs = compare_inputs_json(a, d);
    for (int s = COMPARE_EMU; s < COMPARE_NSRC; s++) {
        if (!d[s] || !d[s]->noisy || !(d[s]->trajectories > 0) || !(d[s]->shots > d[s]->trajectories)) continue;
        json_t *in = json_object_get(w->inputs, s == COMPARE_EMU ? "emulated" : "ideal");
        json_object_set_new(in, "note", json_string("several shots per trajectory: their correlation within a "
                                                    "marginal is not seen in outcomes that are nearly all distinct, "
                                                    "so the marginals' intervals may understate this emulation's "
                                                    "error; run one shot per trajectory (--trajectories equal to "
                                                    "--shots) for intervals that hold it"));
    }
}

/* marginals_p1 of wide counts: each bit's own analysis. */
static int bits_json(const compare_request *rq, const dist *const d[COMPARE_NSRC], marginal_work *w, json_t *root)
{
    int width = d[COMPARE_EMU]->width;
    json_t *marg = json_array();
    json_object_set_new(root, "marginals_p1", marg);
    if (!(w->bit_p = tn_malloc(((size_t)width + 1) * sizeof(double)))) return TN_ERR_MEMORY;
    for (int j = 0; j < width; j++) {
        int bit = j;
        bit_set set = {1, &bit};
        compare_analysis *a = NULL;
        dist m[COMPARE_NSRC];
        int status = analyse_set(rq, d, &set, 0, analysis_seed(rq->seed, SEED_BITS, (size_t)j), m, &a);
        if (status) { free_set(m, &a); return status; }
        keep_inputs(w, a, d);
        json_t *o = json_pack("{s:i}", "bit", j);
        for (int s = 0; s < COMPARE_NSRC; s++) {
            json_t *p1 = compare_p1_json(a, s);
            if (p1) json_object_set_new(o, s == COMPARE_HW ? "hardware" : s == COMPARE_EMU ? "emulated" : "ideal", p1);
        }
        w->bit_p[j] = compare_chi2_p(a, COMPARE_EMU);
        json_object_set_new(o, "p_value_vs_emulated", isnan(w->bit_p[j]) ? json_null() : json_real(w->bit_p[j]));
        json_array_append_new(marg, o);
        free_set(m, &a);
    }
    return TN_OK;
}

static int groups_json(const compare_request *rq, const dist *const d[COMPARE_NSRC], marginal_work *w, json_t *root)
{
    json_t *list = json_array();
    json_object_set_new(root, "groups", list);
    size_t n = (size_t)w->groups.n;
    w->group_p = tn_malloc((n + 1) * sizeof(double));
    w->group_tvd = tn_malloc((n + 1) * sizeof(double));
    if (!w->group_p || !w->group_tvd) return TN_ERR_MEMORY;
    for (size_t g = 0; g < n; g++) {
        const bit_set *set = &w->groups.sets[g];
        compare_analysis *a = NULL;
        dist m[COMPARE_NSRC];
        int status = analyse_set(rq, d, set, 0, analysis_seed(rq->seed, SEED_GROUPS, g), m, &a);
        if (status) { free_set(m, &a); return status; }
        keep_inputs(w, a, d);
        json_t *o = compare_group_json(a), *bits = json_array();
        for (int i = 0; i < set->nbits; i++) json_array_append_new(bits, json_integer(set->bits[i]));
        char text[256];
        bit_set_text(set, text, sizeof text);
        json_object_set_new(o, "group", json_string(text));
        json_object_set_new(o, "bits", bits);
        json_array_append_new(list, o);
        w->group_p[g] = compare_chi2_p(a, COMPARE_EMU);
        w->group_tvd[g] = compare_tvd(a, COMPARE_EMU);
        free_set(m, &a);
    }
    return TN_OK;
}

static int zstrings_json(const compare_request *rq, const dist *const d[COMPARE_NSRC], marginal_work *w, json_t *root)
{
    json_t *zs = json_array();
    json_object_set_new(root, "z_expectations", zs);
    for (int k = 0; k < w->zsets.n; k++) {
        compare_analysis *a = NULL;
        dist m[COMPARE_NSRC];
        int status = analyse_set(rq, d, &w->zsets.sets[k], 1, analysis_seed(rq->seed, SEED_ZSTRINGS, (size_t)k), m, &a);
        if (status) { free_set(m, &a); return status; }
        keep_inputs(w, a, d);
        char name[1024];
        bit_set_zname(&w->zsets.sets[k], name, sizeof name);
        json_t *o = json_pack("{s:s}", "string", name);
        for (int s = 0; s < COMPARE_NSRC; s++) {
            json_t *z = compare_z_json(a, s);
            if (z) json_object_set_new(o, s == COMPARE_HW ? "hardware" : s == COMPARE_EMU ? "emulated" : "ideal", z);
        }
        json_array_append_new(zs, o);
        free_set(m, &a);
    }
    return TN_OK;
}

/* The Bonferroni combination of the p-values p[0..n) that are defined
 * (*tests of them; NaN: a marginal of one outcome, no test). */
static void bonferroni(const double *p, size_t n, double *smallest, size_t *at, size_t *tests, double *combined)
{
    *smallest = NAN;
    *at = 0;
    *tests = 0;
    for (size_t i = 0; i < n; i++) {
        if (isnan(p[i])) continue;
        ++*tests;
        if (isnan(*smallest) || p[i] < *smallest) { *smallest = p[i]; *at = i; }
    }
    *combined = isnan(*smallest) ? NAN : fmin(1, (double)*tests * *smallest);
}

/* The marginal test: over the groups if any, else over the bits (wide). */
static json_t *marginal_test_json(const marginal_work *w, int width, const dist *emu, char *verdict, size_t size)
{
    int over_groups = w->groups.n > 0;
    size_t n = over_groups ? (size_t)w->groups.n : (size_t)width;
    const double *p = over_groups ? w->group_p : w->bit_p;
    double smallest, combined;
    size_t at, tests;
    bonferroni(p, n, &smallest, &at, &tests, &combined);
    char where[256] = "";
    if (!isnan(smallest)) {
        if (over_groups) bit_set_text(&w->groups.sets[at], where, sizeof where);
        else snprintf(where, sizeof where, "%zu", at);
    }
    json_t *o = json_pack("{s:s, s:I, s:s}", "over", over_groups ? "groups" : "bits", "tests", (json_int_t)tests, "statistic",
                          "Pearson chi-square of each marginal (chi_square of each group; "
                          "marginals_p1[*].p_value_vs_emulated of each bit); Bonferroni: min(1, tests x smallest p)");
    json_object_set_new(o, "smallest_p_value", isnan(smallest) ? json_null() : json_real(smallest));
    json_object_set_new(o, "smallest_at", json_string(where));
    json_object_set_new(o, "p_value_vs_emulated", isnan(combined) ? json_null() : json_real(combined));
    json_object_set_new(o, "consistent_with_emulated", isnan(combined) ? json_null() : json_boolean(combined >= 0.05));
    if (isnan(combined))
        snprintf(verdict, size, "no verdict: no marginal has two outcomes to test");
    else
        snprintf(verdict, size, "the hardware's %s marginals are %s with %s at 95%% (%zu tests, smallest p = %.3g at "
                 "%s %s, Bonferroni p = %.3g)", over_groups ? "group" : "bit",
                 combined >= 0.05 ? "consistent" : "NOT consistent",
                 emu->noisy ? "the noisy emulation" : "the emulation (noiseless)", tests, smallest,
                 over_groups ? "group" : "bit", where, combined);
    return o;
}

/* Which sets the request names, once the width is known. */
static int choose_sets(const compare_request *rq, int width, int full, marginal_work *w)
{
    if (rq->groups) CALL(bit_sets_parse("option --groups", rq->groups, width, MARGINAL_MAX_BITS, &w->groups));
    if (rq->block_size) {
        if (rq->block_size > width)
            return tn_fail(TN_ERR_USAGE, "option --block-size: %ld is more than the %d bits of the counts (valid: "
                           "1..%d)", rq->block_size, width, width < MARGINAL_MAX_BITS ? width : MARGINAL_MAX_BITS);
        CALL(bit_sets_blocks(width, (int)rq->block_size, &w->groups));
    }
    if (rq->zstrings) CALL(bit_sets_parse("option --zstrings", rq->zstrings, width, 0, &w->zsets));
    else if (!full) CALL(bit_sets_default_z(width, &w->zsets));
    w->per_bit = !full;
    return TN_OK;
}

/* ---- the command ------------------------------------------------------------------ */

static json_t *header_json(const compare_request *rq, int width, int argc, char **argv)
{
    json_t *root = json_object(), *cmd = json_array();
    for (int i = 0; i < argc; i++) json_array_append_new(cmd, json_string(argv[i]));
    json_object_set_new(root, "tool", json_string("tnemu compare"));
    json_object_set_new(root, "command", cmd);
    json_object_set_new(root, "bits", json_integer(width));
    json_object_set_new(root, "bit_order", json_string("clbits c[n-1]..c[0]"));
    json_object_set_new(root, "kl_smoothing",
                        json_string("KL(first || second); counts get 0.5 added to every outcome of the table "
                                    "(Jeffreys); exact probabilities are mixed with the uniform over the table "
                                    "with weight 1e-6"));
    char seed[32];
    snprintf(seed, sizeof seed, "%llu", (unsigned long long)rq->seed);
    json_object_set_new(root, "bootstrap", json_pack("{s:I, s:s, s:o}", "replicates", (json_int_t)rq->bootstrap,
                                                     "seed", seed, "intervals", compare_intervals_json()));
    return root;
}

static void print_marginal_summary(const marginal_work *w, const dist *const d[COMPARE_NSRC], int full)
{
    if (!full)
        fprintf(stderr, "tnemu compare: %d bits (whole-distribution metrics need at most %d); hardware %s (%s, %.0f "
                "shots); emulated %s (%s)\n", d[COMPARE_EMU]->width, COMPARE_FULL_MAX_BITS, d[COMPARE_HW]->path,
                d[COMPARE_HW]->format, d[COMPARE_HW]->shots, d[COMPARE_EMU]->path,
                d[COMPARE_EMU]->noisy ? "noisy" : "noiseless");
    if (w->groups.n > 0) {
        double sum = 0, worst = -1;
        int at = 0;
        for (int g = 0; g < w->groups.n; g++) {
            sum += w->group_tvd[g];
            if (w->group_tvd[g] > worst) { worst = w->group_tvd[g]; at = g; }
        }
        char text[256];
        bit_set_text(&w->groups.sets[at], text, sizeof text);
        fprintf(stderr, "  %d groups: TVD hardware vs emulated: mean %.4f, largest %.4f (bits %s)\n", w->groups.n,
                sum / w->groups.n, worst, text);
    }
    if (w->per_bit) fprintf(stderr, "  %d bits: each bit's marginal compared\n", d[COMPARE_EMU]->width);
    if (w->zsets.n > 0) fprintf(stderr, "  Z strings: %d\n", w->zsets.n);
}

/* Every analysis the request asks for, into root; the verdict into verdict. */
static int compare_build(const compare_request *rq, const dist *const d[COMPARE_NSRC], json_t *root,
                         marginal_work *w, compare_analysis **full, char *verdict, size_t size)
{
    int width = d[COMPARE_EMU]->width, is_full = width <= COMPARE_FULL_MAX_BITS;
    CALL(choose_sets(rq, width, is_full, w));
    if (is_full) {
        CALL(compare_analyse(d, rq->bootstrap, rq->seed, full));
        json_object_set_new(root, "inputs", compare_inputs_json(*full, d));
        compare_full_json(*full, root, !rq->zstrings);
        compare_verdict(*full, d[COMPARE_EMU], verdict, size);
    } else {
        json_object_set_new(root, "full_distribution",
                            json_pack("{s:b, s:s}", "computed", 0, "reason", "more than 64 bits: nearly every outcome is "
                                      "seen once, so TVD, Hellinger, KL, XEB and heavy outputs over whole outcomes "
                                      "would measure the shots, not the device; compared instead: each bit's "
                                      "marginal, the groups' marginals and the Z strings"));
        CALL(bits_json(rq, d, w, root));
    }
    if (w->groups.n > 0) CALL(groups_json(rq, d, w, root));
    if (w->zsets.n > 0) CALL(zstrings_json(rq, d, w, root));
    if (!is_full) json_object_set_new(root, "inputs", json_incref(w->inputs));
    if (w->groups.n > 0 || !is_full) {
        char marginal[512];
        json_t *test = marginal_test_json(w, width, d[COMPARE_EMU], marginal, sizeof marginal);
        json_object_set_new(test, "verdict", json_string(marginal));
        json_object_set_new(root, "marginal_consistency", test);
        if (!is_full) snprintf(verdict, size, "%s", marginal);
    }
    json_object_set_new(root, "verdict", json_string(verdict));
    return TN_OK;
}

/* The metrics go out first (-o or stdout), then the summary, then the
 * report: a failing plot (exit 1) still leaves the metrics written. */
static int compare_run(const compare_request *rq, const dist *const d[COMPARE_NSRC], int argc, char **argv)
{
    marginal_work w;
    memset(&w, 0, sizeof w);
    compare_analysis *full = NULL;
    char verdict[1024];
    json_t *root = header_json(rq, d[COMPARE_EMU]->width, argc, argv);
    int status = compare_build(rq, d, root, &w, &full, verdict, sizeof verdict);
    char *text = status == TN_OK ? json_dumps(root, JSON_INDENT(1) | JSON_REAL_PRECISION(17)) : NULL;
    if (status == TN_OK && !text) status = tn_fail(TN_ERR_MEMORY, "out of memory writing the metrics");
    if (status == TN_OK) status = rq->output ? result_write_text(rq->output, text) : outfile_stdout(text);
    if (status == TN_OK && !rq->quiet) {
        if (full) compare_print_full(full, d);
        print_marginal_summary(&w, d, full != NULL);
        fprintf(stderr, "verdict: %s\n", verdict);
    }
    if (status == TN_OK && rq->report)
        status = report_write_dir(rq->report, "metrics.json", text, "compare-plot.py", "option --report");
    free(text);
    json_decref(root);
    json_decref(w.inputs);
    compare_analysis_free(&full);
    bit_sets_free(&w.groups);
    bit_sets_free(&w.zsets);
    free(w.group_p); free(w.group_tvd); free(w.bit_p);
    return status;
}

int compare_command(int argc, char **argv)
{
    compare_request rq;
    CALL(parse_compare_args(argc, argv, &rq));
    if (rq.help) { fputs(compare_usage, stdout); return TN_OK; }
    if (rq.report) CALL(report_check_dir(rq.report, "option --report"));
    dist emu = {0}, hw = {0}, ideal = {0};
    int status = read_inputs(&rq, &emu, &hw, &ideal);
    if (status == TN_OK && rq.report && emu.width > COMPARE_FULL_MAX_BITS)
        status = tn_fail(TN_ERR_USAGE, "option --report: the plots show whole distributions, of at most %d bits; "
                         "these counts have %d (use -o for the metrics)", COMPARE_FULL_MAX_BITS, emu.width);
    const dist *d[COMPARE_NSRC] = {&hw, &emu, rq.ideal ? &ideal : NULL};
    if (status == TN_OK) status = compare_run(&rq, d, argc, argv);
    dist_free(&emu);
    dist_free(&hw);
    dist_free(&ideal);
    return status;
}
