/* trace.c - the gate trace of a run (see trace.h; the format is in
 * docs/scaling.md, "Trace format").
 *
 * Each rank keeps its lines as text in one growing buffer, each line starting
 * with the kind and the sequence number; trace_write merges the ranks' lines
 * by sequence number on group rank 0. A line that cannot be stored (out of
 * memory) marks the trace broken, and trace_write then fails instead of
 * writing a trace with holes. */
#include "trace.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "error.h"
#include "outfile.h"

struct tn_trace {
    tn_group *grp;
    long seq;
    char *text;
    size_t len, cap;
    int broken;
};

#define TAG_TRACE 9101

int trace_create(tn_group *grp, tn_trace **out)
{
    tn_trace *t = tn_calloc(1, sizeof *t);
    if (!t) return TN_ERR_MEMORY;
    t->grp = grp;
    *out = t;
    return TN_OK;
}

void trace_destroy(tn_trace **pt)
{
    if (!pt || !*pt) return;
    free((*pt)->text);
    free(*pt);
    *pt = NULL;
}

static int leader(const tn_trace *t) { return !t->grp || t->grp->rank == 0; }

/* Appends one formatted line. */
static void add_line(tn_trace *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void add_line(tn_trace *t, const char *fmt, ...)
{
    if (t->broken) return;
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(t->text ? t->text + t->len : NULL, t->cap - t->len, fmt, ap);
        va_end(ap);
        if (n < 0) { t->broken = 1; return; }
        if (t->len + (size_t)n + 1 < t->cap) { t->len += (size_t)n; return; }
        size_t cap = 2 * t->cap + (size_t)n + 4096;
        char *p = realloc(t->text, cap);
        if (!p) { t->broken = 1; return; }
        t->text = p;
        t->cap = cap;
    }
}

void trace_gate(tn_trace *t, int k, int layer_begins)
{
    if (!t) return;
    long seq = ++t->seq;
    if (leader(t)) add_line(t, "g %ld %d %d\n", seq, k, layer_begins ? 1 : 0);
}

void trace_one(tn_trace *t, int site)
{
    if (!t) return;
    long seq = ++t->seq;
    if (leader(t)) add_line(t, "o %ld %d\n", seq, site);
}

long trace_tick(tn_trace *t) { return t ? ++t->seq : 0; }

void trace_window(tn_trace *t, long seq, int first, int k, const int *before, const int *after, double seconds)
{
    if (!t) return;
    char dims[2 * 12 * 12];
    size_t len = 0;
    for (int pass = 0; pass < 2; pass++)
        for (int j = 0; j <= k && len + 13 < sizeof dims; j++)
            len += (size_t)snprintf(dims + len, sizeof dims - len, " %d", (pass ? after : before)[j]);
    add_line(t, "w %ld %d %d %d%s %.9f\n", seq, t->grp ? t->grp->rank : 0, first, k, dims, seconds);
}

void trace_rebalance(tn_trace *t, int nranks, const int *lo)
{
    if (!t) return;
    long seq = ++t->seq;
    if (!leader(t)) return;
    add_line(t, "r %ld", seq);
    for (int r = 0; r <= nranks; r++) add_line(t, " %d", lo[r]);
    add_line(t, "\n");
}

/* ---- writing ------------------------------------------------------------ */

typedef struct {
    const char *line;
    long seq;
    size_t len;
} trace_line;

static int by_seq(const void *a, const void *b)
{
    const trace_line *x = a, *y = b;
    return (x->seq > y->seq) - (x->seq < y->seq);
}

/* Splits buf into lines (kept in place) appended to *lines. */
static int split_lines(const char *buf, size_t len, trace_line **lines, size_t *count, size_t *cap)
{
    for (size_t i = 0; i < len;) {
        const char *end = memchr(buf + i, '\n', len - i);
        size_t n = end ? (size_t)(end - (buf + i)) + 1 : len - i;
        if (*count == *cap) {
            size_t c = 2 * *cap + 1024;
            trace_line *p = realloc(*lines, c * sizeof *p);
            if (!p) return tn_fail(TN_ERR_MEMORY, "out of memory: the trace's lines");
            *lines = p;
            *cap = c;
        }
        (*lines)[*count] = (trace_line){buf + i, strtol(buf + i + 2, NULL, 10), n};
        (*count)++;
        i += n;
    }
    return TN_OK;
}

/* On group rank 0: writes the merged, ordered lines. */
static int write_merged(char **bufs, const size_t *lens, int nbufs, const char *path, const trace_info *info)
{
    trace_line *lines = NULL;
    size_t count = 0, cap = 0;
    int status = TN_OK;
    for (int r = 0; r < nbufs && status == TN_OK; r++) status = split_lines(bufs[r], lens[r], &lines, &count, &cap);
    if (status) { free(lines); return status; }
    qsort(lines, count, sizeof *lines, by_seq);   /* the per-rank lines (seq 0) first, in any order */
    json_t *h = json_pack("{s:s, s:i, s:i, s:f, s:i, s:i, s:s}", "circuit", info->circuit ? info->circuit : "",
                          "qubits", info->qubits, "chi", info->chi, "cutoff", info->cutoff, "ranks", nbufs,
                          "threads", info->threads, "form", info->vidal ? "vidal" : "center");
    if (h && info->team_size > 1) {
        json_object_set_new(h, "team_size", json_integer(info->team_size));
        json_object_set_new(h, "scalapack_min", json_integer(info->scalapack_min));
    }
    char *header = h ? json_dumps(h, JSON_COMPACT) : NULL;
    json_decref(h);
    if (!header) { free(lines); return tn_fail(TN_ERR_MEMORY, "out of memory: the trace's header"); }
    outfile o;
    status = outfile_open(&o, path, "option --trace");
    if (status) { free(lines); free(header); return status; }
    int ok = fprintf(o.f, "tnemu-trace 1\n%s\n", header) > 0;
    free(header);
    for (size_t i = 0; i < count && ok; i++) ok = fwrite(lines[i].line, 1, lines[i].len, o.f) == lines[i].len;
    if (ok) ok = fprintf(o.f, "end\n") > 0;
    free(lines);
    return outfile_commit(&o, ok);
}

int trace_write(tn_trace *t, const char *path, const trace_info *info, double gate_seconds, size_t gate_bytes)
{
    tn_group *g = t->grp;
    int rank = g ? g->rank : 0, size = g ? g->size : 1;
    /* sequence number 0: the per-rank lines sort first */
    add_line(t, "p 0 %d %.6f %zu\n", rank, gate_seconds, gate_bytes);
    long broken = t->broken;
    if (g && g->size > 1) {
        if (rank != 0) {
            long head[2] = {broken, (long)t->len};
            CALL(group_send(g, 0, TAG_TRACE, head, sizeof head));
            return broken ? TN_OK : group_send(g, 0, TAG_TRACE, t->text, t->len);
        }
    }
    char **bufs = tn_calloc((size_t)size, sizeof *bufs);
    size_t *lens = tn_calloc((size_t)size, sizeof *lens);
    int status = bufs && lens ? TN_OK : TN_ERR_MEMORY;
    if (status == TN_OK) { bufs[0] = t->text; lens[0] = t->len; }
    for (int r = 1; r < size && status == TN_OK; r++) {
        long head[2];
        status = group_recv(g, r, TAG_TRACE, head, sizeof head);
        if (status) break;
        broken |= head[0];
        if (head[0]) continue;
        lens[r] = (size_t)head[1];
        bufs[r] = tn_malloc(lens[r] + 1);
        if (!bufs[r]) { status = TN_ERR_MEMORY; break; }
        status = group_recv(g, r, TAG_TRACE, bufs[r], lens[r]);
    }
    if (status && g) group_fail(g, status);   /* the other ranks may still be sending */
    if (status == TN_OK && broken) status = tn_fail(TN_ERR_MEMORY, "option --trace: out of memory while recording");
    if (status == TN_OK && (!g || g->group == 0)) status = write_merged(bufs, lens, size, path, info);
    for (int r = 1; r < size && bufs; r++) free(bufs[r]);
    free(bufs);
    free(lens);
    return status;
}
