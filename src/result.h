/* result.h - the result JSON of `tnemu run` (one object; see DESIGN.md).
 *
 * Written through outfile.h: to a temporary file beside a regular destination
 * and renamed, so a killed run never leaves half a result; a device or FIFO
 * is written in place. Not for: reading results (compare.c). */
#ifndef TN_RESULT_H
#define TN_RESULT_H

#include <stdint.h>

#include "circuit.h"
#include "run.h"

typedef struct {
    int argc;
    char **argv;               /* the exact command line */
    const char *circuit_path;
    uint64_t seed;
    const run_options *options;
    double t_parse, t_total;
    int ranks, groups;
    const double *rank_stats;  /* per rank: group, compute s, wait s, bytes sent, peak rss, peak state
                                  [, team, eigensolves joined on its grid, layer threads, gates run on them] */
    int stats_per_rank;
    int team_size;             /* --team-size (0: 1) */
} result_context;

/* The result of c as a JSON object (the caller owns it); NULL when out of memory. */
#include <jansson.h>
json_t *result_build(const circuit *c, const run_result *res, const result_context *ctx);

/* Writes the result of c as JSON to path ("-" or NULL: stdout). */
int result_write(const char *path, const circuit *c, const run_result *res, const result_context *ctx);

/* Writes text plus a newline to path (outfile_write_text: atomic for a
 * regular file, in place for a device or FIFO); TN_ERR_WRITE on failure. */
int result_write_text(const char *path, const char *text);

/* Prints a short readable summary of the run to stderr. */
void result_print_summary(const circuit *c, const run_result *res, const result_context *ctx);

/* Peak resident memory of this process, in bytes. */
size_t result_peak_rss(void);

#endif
