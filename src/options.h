/* options.h - the engine options every emulating command shares (run, qnn,
 * adapters, and batch tasks through run): truncation, shots, seed, order,
 * canonical form, groups, noise, memory and progress. One parser, so the
 * same option means and checks the same everywhere.
 *
 * Every bad value fails with TN_ERR_USAGE and a one-line message naming the
 * option, the value and the valid range.
 * Not for: options of one command (its circuit, output, checkpoints: cli.c,
 * qnn.c, adapters.c, batch.c), subcommand dispatch (cli.c). */
#ifndef TN_OPTIONS_H
#define TN_OPTIONS_H

#include "noise.h"
#include "run.h"

#define OPTIONS_MAX_CHI 1048576
#define OPTIONS_MAX_SHOTS 1000000000L
/* Below this many rows LAPACK on one rank beat pzheevd on the group grid in
 * our measurements (BENCHMARKS.md, "ScaLAPACK threshold"). */
#define OPTIONS_DEFAULT_SCALAPACK_MIN 1024

/* Everything `tnemu run` was asked to do; qnn and adapters fill its engine
 * part (options_parse_engine) and use their own fields beside it. */
typedef struct {
    run_options run;
    const char *circuit_path, *output, *format;
    int quiet, help, seed_given, progress_given;
    long groups;                /* 0: chosen from the work */
    long team_size;             /* --team-size (tnemu run only, engine.h); 0 or 1: no teams */
    const char *noise_path, *noise_format;
    double noise_scale;
    noise_t2 t2;                /* --t2 (Origin calibrations); NOISE_T2_DEFAULT: not given */
    double max_memory;          /* --max-memory bytes per rank; 0: none */
    const char **list_storage;
    int shots_given, noise_scale_given;   /* --shots, --noise-scale given (commands with defaults of their own) */
} run_request;

/* The engine options' help lines, for a command's --help. */
extern const char *const options_engine_usage;
extern const char *const options_noise_usage;

/* Clears rq and sets the engine defaults (shots -1, ScaLAPACK threshold,
 * progress every 60 s, identity order, noise scale 1). */
void options_defaults(run_request *rq);

/* If argv[*i] is an engine option, parses it (and its value, advancing *i)
 * into rq and sets *taken to 1; otherwise sets *taken to 0 and leaves *i.
 * Returns TN_OK or TN_ERR_USAGE. Not collective. */
int options_parse_engine(int argc, char **argv, int *i, run_request *rq, int *taken);

/* Checks the engine options together after parsing: noise-only options need
 * a noise model (noise_elsewhere: the command has one from elsewhere, e.g. a
 * spec), --quiet silences progress, and a seed from the clock if none was
 * given. `command` names the command in messages. Returns TN_OK or TN_ERR_USAGE. */
int options_finish(run_request *rq, const char *command, int noise_elsewhere);

/* Copies the engine options a command's own circuit runs take from rq into
 * opt: truncation, canonical form, noise switches, progress, and the order,
 * ScaLAPACK threshold and trajectories when they were given. */
void options_apply(const run_request *rq, run_options *opt);

/* --max-memory: sets this rank's memory limit (no-op when not given). */
void options_limit_memory(const run_request *rq);

/* The value of option argv[*i] (advancing *i), or a usage error. */
int options_value(int argc, char **argv, int *i, const char **value);

/* Parses an integer option value in [min, max]. */
int cli_parse_long(const char *option, const char *value, long min, long max, long *out);

/* Parses a floating-point option value in [min, max]. */
int cli_parse_double(const char *option, const char *value, double min, double max, double *out);

#endif
