/* cli.h - the command line: subcommands, option parsing and validation.
 *
 * Every bad option or value fails with TN_ERR_USAGE and a one-line message
 * naming the option, the value and the valid range.
 * Not for: the work itself (run.c, result.c). */
#ifndef TN_CLI_H
#define TN_CLI_H

/* Runs `tnemu ARGS...`; returns the process exit status (0, 1 or 2). */
int cli_main(int argc, char **argv);

/* Parses an integer option value in [min, max]. */
int cli_parse_long(const char *option, const char *value, long min, long max, long *out);

/* Parses a floating-point option value in [min, max]. */
int cli_parse_double(const char *option, const char *value, double min, double max, double *out);

#endif
