/* options.c - the engine options shared by run, qnn and adapters (see
 * options.h): one parser, one set of ranges and messages.
 * Not for: a command's own options or its dispatch (cli.c, qnn.c, ...). */
#include "options.h"

#include <errno.h>
#include <math.h>
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "error.h"
#include "result.h"
#include "work.h"

#define TN_STR_(x) #x
#define TN_STR(x) TN_STR_(x)

const char *const options_engine_usage =
    "  --chi N            largest bond dimension kept (0 = no limit; 0..1048576; default 0)\n"
    "  --cutoff X         largest discarded weight per decomposition (0 <= X < 1; default 0)\n"
    "  --shots N          samples per circuit (0..1000000000)\n"
    "  --seed S           random seed (0..18446744073709551615)\n"
    "  --order SPEC       qubit-to-site order: identity, auto or a file listing qubits by site\n"
    "  --scalapack-min N  decompositions with at least N rows on a ScaLAPACK grid (0 = never; default "
    TN_STR(OPTIONS_DEFAULT_SCALAPACK_MIN) ")\n"
    "  --canonical FORM   vidal (default) or center (see tnemu run --help)\n"
    "  --groups G         split the MPI ranks into G groups (1..ranks)\n"
    "  --max-memory B     stop cleanly before this rank's memory would exceed B bytes (K, M, G, T)\n"
    "  --progress S       progress on stderr every S seconds (0..1e7; 0 = none)\n"
    "  -q, --quiet        no summary on stderr\n";

const char *const options_noise_usage =
    "  --noise FILE       noise model (IBM, Origin or tnemu noise JSON; see tnemu run --help)\n"
    "  --noise-format F   ibm, origin or tnemu (instead of detecting it)\n"
    "  --noise-scale L    multiply every error rate by L (0..1000)\n"
    "  --t2 KIND          ramsey or echo (Origin calibrations)\n"
    "  --trajectories T   quantum trajectories per circuit (1..100000000)\n"
    "  --dephasing-1f A,ALPHA  1/f^ALPHA frequency noise of RMS A Hz on every qubit\n"
    "  --allow-faulty     use gates and qubits the calibration marks unusable\n"
    "  --allow-uncalibrated  run gates the calibration lacks without noise\n";

int cli_parse_long(const char *option, const char *value, long min, long max, long *out)
{
    char *end;
    errno = 0;
    long v = value ? strtol(value, &end, 10) : 0;
    if (!value || !*value || *end || errno || v < min || v > max)
        return tn_fail(TN_ERR_USAGE, "option %s: '%s' is not an integer in [%ld, %ld]", option,
                       value ? value : "(missing)", min, max);
    *out = v;
    return TN_OK;
}

int cli_parse_double(const char *option, const char *value, double min, double max, double *out)
{
    char *end;
    errno = 0;
    double v = value ? strtod(value, &end) : 0;
    if (!value || !*value || *end || errno || !isfinite(v) || v < min || v > max)
        return tn_fail(TN_ERR_USAGE, "option %s: '%s' is not a number in [%g, %g]", option,
                       value ? value : "(missing)", min, max);
    *out = v;
    return TN_OK;
}

static int parse_seed(const char *value, uint64_t *out)
{
    char *end;
    errno = 0;
    unsigned long long v = value ? strtoull(value, &end, 10) : 0;
    if (!value || !*value || *end || errno || value[0] == '-')
        return tn_fail(TN_ERR_USAGE, "option --seed: '%s' is not an integer in [0, 18446744073709551615]",
                       value ? value : "(missing)");
    *out = v;
    return TN_OK;
}

int options_value(int argc, char **argv, int *i, const char **value)
{
    if (*i + 1 >= argc) return tn_fail(TN_ERR_USAGE, "option %s needs a value", argv[*i]);
    *value = argv[++*i];
    return TN_OK;
}

/* --max-memory BYTES with an optional K, M, G or T suffix (powers of 1024). */
static int parse_bytes(const char *option, const char *v, double *out)
{
    char *end;
    errno = 0;
    double x = strtod(v, &end);
    double unit = 1;
    if (end != v && *end) {
        const char *units = "KMGT";
        const char *u = strchr(units, *end == 'k' ? 'K' : *end);
        if (u && *u && (end[1] == '\0' || ((end[1] == 'B' || end[1] == 'i') && (end[2] == '\0' || (end[2] == 'B' && !end[3])))))
            unit = (double)(1ull << (10 * (1 + (u - units))));
        else
            x = -1;
    }
    x *= unit;
    if (end == v || errno || !(x >= (1 << 20)) || x > 1e18)
        return tn_fail(TN_ERR_USAGE, "option %s: '%s' is not a size in [1M, 1e18] bytes (suffixes K, M, G, T)", option, v);
    *out = x;
    return TN_OK;
}

/* --dephasing-1f A,ALPHA */
static int parse_dephasing(const char *v, noisy_options *no)
{
    char *end;
    double a = strtod(v, &end), alpha = -1;
    if (end != v && *end == ',') {
        const char *b = end + 1;
        alpha = strtod(b, &end);
        if (end == b || *end) alpha = -1;
    }
    if (!(a >= 0 && a <= 1e12) || !(alpha > 0 && alpha <= 3))
        return tn_fail(TN_ERR_USAGE, "option --dephasing-1f: '%s' is not AMPLITUDE,ALPHA with 0 <= AMPLITUDE "
                       "<= 1e12 (Hz) and 0 < ALPHA <= 3", v);
    no->dephasing_amp = a;
    no->dephasing_alpha = alpha;
    return TN_OK;
}

void options_defaults(run_request *rq)
{
    memset(rq, 0, sizeof *rq);
    rq->run.shots = -1;
    rq->run.scalapack_min = OPTIONS_DEFAULT_SCALAPACK_MIN;
    rq->run.progress_every = 60;
    rq->run.order = "identity";
    rq->noise_scale = 1;
}

/* The engine options without a value. */
static int parse_engine_flag(const char *opt, run_request *rq, int *taken)
{
    *taken = 1;
    if (strcmp(opt, "--help") == 0 || strcmp(opt, "-h") == 0) rq->help = 1;
    else if (strcmp(opt, "-q") == 0 || strcmp(opt, "--quiet") == 0) rq->quiet = 1;
    else if (strcmp(opt, "--allow-faulty") == 0) rq->run.noisy.allow_faulty = 1;
    else if (strcmp(opt, "--allow-uncalibrated") == 0) rq->run.noisy.allow_uncalibrated = 1;
    else *taken = 0;
    return TN_OK;
}

/* The engine options with a value v. */
static int parse_engine_valued(const char *opt, const char *v, run_request *rq, int *taken)
{
    long n;
    *taken = 1;
    if (strcmp(opt, "--chi") == 0) {
        CALL(cli_parse_long(opt, v, 0, OPTIONS_MAX_CHI, &n));
        rq->run.trunc.max_chi = (int)n;
    } else if (strcmp(opt, "--cutoff") == 0) {
        CALL(cli_parse_double(opt, v, 0, 0.999999, &rq->run.trunc.cutoff));
    } else if (strcmp(opt, "--shots") == 0) {
        CALL(cli_parse_long(opt, v, 0, OPTIONS_MAX_SHOTS, &rq->run.shots));
        rq->shots_given = 1;
    } else if (strcmp(opt, "--seed") == 0) {
        CALL(parse_seed(v, &rq->run.seed));
        rq->seed_given = 1;
    } else if (strcmp(opt, "--scalapack-min") == 0) {
        CALL(cli_parse_long(opt, v, 0, OPTIONS_MAX_CHI, &n));
        rq->run.scalapack_min = (int)n;
    } else if (strcmp(opt, "--canonical") == 0) {
        if (strcmp(v, "vidal") != 0 && strcmp(v, "center") != 0)
            return tn_fail(TN_ERR_USAGE, "option --canonical: '%s' is not vidal or center", v);
        rq->run.center_form = strcmp(v, "center") == 0;
    } else if (strcmp(opt, "--groups") == 0) {
        int ranks = 1;
        MPI_Comm_size(MPI_COMM_WORLD, &ranks);
        CALL(cli_parse_long(opt, v, 1, ranks, &rq->groups));
    } else if (strcmp(opt, "--order") == 0) {
        if (!*v) return tn_fail(TN_ERR_USAGE, "option --order: expected identity, auto or a file name");
        rq->run.order = v;
    } else if (strcmp(opt, "--noise") == 0) {
        if (!*v) return tn_fail(TN_ERR_USAGE, "option --noise: expected a file name");
        rq->noise_path = v;
    } else if (strcmp(opt, "--noise-format") == 0) {
        if (strcmp(v, "ibm") && strcmp(v, "origin") && strcmp(v, "tnemu"))
            return tn_fail(TN_ERR_USAGE, "option --noise-format: '%s' is not one of: ibm, origin, tnemu", v);
        rq->noise_format = v;
    } else if (strcmp(opt, "--noise-scale") == 0) {
        CALL(cli_parse_double(opt, v, 0, 1000, &rq->noise_scale));
        rq->noise_scale_given = 1;
    } else if (strcmp(opt, "--t2") == 0) {
        CALL(noise_parse_t2("option --t2", v, &rq->t2));
    } else if (strcmp(opt, "--trajectories") == 0) {
        CALL(cli_parse_long(opt, v, 1, 100000000, &rq->run.trajectories));
    } else if (strcmp(opt, "--max-memory") == 0) {
        CALL(parse_bytes(opt, v, &rq->max_memory));
    } else if (strcmp(opt, "--progress") == 0) {
        CALL(cli_parse_double(opt, v, 0, 1e7, &rq->run.progress_every));
        rq->progress_given = 1;
    } else if (strcmp(opt, "--dephasing-1f") == 0) {
        CALL(parse_dephasing(v, &rq->run.noisy));
    } else {
        *taken = 0;
    }
    return TN_OK;
}

static const char *const valued_engine_options[] = {
    "--chi", "--cutoff", "--shots", "--seed", "--scalapack-min", "--canonical", "--groups", "--order", "--noise",
    "--noise-format", "--noise-scale", "--t2", "--trajectories", "--max-memory", "--progress", "--dephasing-1f", NULL};

int options_parse_engine(int argc, char **argv, int *i, run_request *rq, int *taken)
{
    const char *opt = argv[*i], *v = NULL;
    CALL(parse_engine_flag(opt, rq, taken));
    if (*taken) return TN_OK;
    int valued = 0;
    for (int k = 0; valued_engine_options[k]; k++) valued |= strcmp(opt, valued_engine_options[k]) == 0;
    if (!valued) return TN_OK;
    CALL(options_value(argc, argv, i, &v));
    return parse_engine_valued(opt, v, rq, taken);
}

int options_finish(run_request *rq, const char *command, int noise_elsewhere)
{
    if (!rq->noise_path && !noise_elsewhere &&
        (rq->noise_format || rq->run.trajectories || rq->run.noisy.dephasing_amp > 0 || rq->run.noisy.allow_faulty ||
         rq->run.noisy.allow_uncalibrated || rq->t2))
        return tn_fail(TN_ERR_USAGE, "%s: options --noise-format, --trajectories, --dephasing-1f, --t2 and --allow-* need "
                       "--noise FILE", command);
    if (rq->quiet && !rq->progress_given) rq->run.progress_every = 0;
    if (!rq->seed_given) rq->run.seed = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32);
    return TN_OK;
}

void options_apply(const run_request *rq, run_options *opt)
{
    opt->trunc = rq->run.trunc;
    opt->center_form = rq->run.center_form;
    opt->noisy = rq->run.noisy;
    opt->progress_every = rq->run.progress_every;
    if (rq->run.scalapack_min != OPTIONS_DEFAULT_SCALAPACK_MIN) opt->scalapack_min = rq->run.scalapack_min;
    if (strcmp(rq->run.order, "identity") != 0) opt->order = rq->run.order;
    if (rq->run.trajectories > 0) opt->trajectories = rq->run.trajectories;
}

void options_limit_memory(const run_request *rq)
{
    if (rq->max_memory > 0) tn_mem_set_limit((size_t)rq->max_memory, result_peak_rss());
}
