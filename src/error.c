/* error.c - the recorded error message, its trace and the exit-status mapping.
 * See error.h. Single-threaded by design: one error is in flight at a time. */
#include "error.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TRACE_DEPTH 32

static char error_message[1024];
static struct { const char *file, *func; int line; } trace[TRACE_DEPTH];
static int trace_len;

int tn_fail(int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(error_message, sizeof error_message, fmt, ap);
    va_end(ap);
    for (char *c = error_message; *c; c++)   /* one line, always */
        if (*c == '\n' || *c == '\r') *c = ' ';
    trace_len = 0;
    return code;
}

const char *tn_last_message(void) { return error_message; }

void tn_clear_error(void)
{
    error_message[0] = '\0';
    trace_len = 0;
}

const char *tn_strerror(int code)
{
    static const char *names[TN_ERR_COUNT] = {
        [TN_OK] = "success",
        [TN_ERR_INPUT] = "bad input",
        [TN_ERR_USAGE] = "bad usage",
        [TN_ERR_IO] = "cannot read input",
        [TN_ERR_WRITE] = "cannot write output",
        [TN_ERR_MEMORY] = "out of memory",
        [TN_ERR_NUMERIC] = "numerical failure",
        [TN_ERR_INTERNAL] = "internal error",
        [TN_STOPPED] = "stopped at a checkpoint",
    };
    if (code < 0 || code >= TN_ERR_COUNT) return "unknown error";
    return names[code];
}

int tn_exit_status(int code)
{
    switch (code) {
    case TN_OK: return 0;
    case TN_ERR_INPUT:
    case TN_ERR_USAGE:
    case TN_ERR_IO: return 2;
    case TN_STOPPED: return 3;
    default: return 1;
    }
}

void tn_trace_push(const char *file, int line, const char *func)
{
    if (trace_len >= TRACE_DEPTH) return;
    trace[trace_len].file = file;
    trace[trace_len].line = line;
    trace[trace_len].func = func;
    trace_len++;
}

void tn_print_error(int code)
{
    if (error_message[0])
        fprintf(stderr, "tnemu: %s\n", error_message);
    else
        fprintf(stderr, "tnemu: %s\n", tn_strerror(code));
    const char *want_trace = getenv("TNEMU_TRACE");
    if (want_trace && strcmp(want_trace, "1") == 0)
        for (int i = 0; i < trace_len; i++)
            fprintf(stderr, "  from %s() at %s:%d\n", trace[i].func, trace[i].file,
                    trace[i].line);
}

void *tn_malloc(size_t bytes)
{
    void *p = malloc(bytes ? bytes : 1);
    if (!p) tn_fail(TN_ERR_MEMORY, "out of memory allocating %zu bytes", bytes);
    return p;
}

void *tn_calloc(size_t count, size_t size)
{
    void *p = calloc(count ? count : 1, size ? size : 1);
    if (!p) tn_fail(TN_ERR_MEMORY, "out of memory allocating %zu x %zu bytes", count, size);
    return p;
}

void *tn_realloc(void *ptr, size_t bytes)
{
    void *p = realloc(ptr, bytes ? bytes : 1);
    if (!p) tn_fail(TN_ERR_MEMORY, "out of memory reallocating %zu bytes", bytes);
    return p;
}

int tn_grow(void **items, size_t *cap, size_t n, size_t size, size_t first_cap)
{
    if (n < *cap) return TN_OK;
    size_t grown_cap = *cap ? 2 * *cap : first_cap;
    void *grown = tn_realloc(*items, grown_cap * size);
    if (!grown) return TN_ERR_MEMORY;
    *items = grown;
    *cap = grown_cap;
    return TN_OK;
}

int tn_inject(const char *point, int world_rank)
{
    const char *spec = getenv("TNEMU_INJECT");
    if (!spec) return 0;
    char want[96];
    snprintf(want, sizeof want, "%s@%d", point, world_rank);
    size_t len = strlen(want);
    for (const char *p = spec; (p = strstr(p, want)); p += len)
        if ((p == spec || p[-1] == ',' || p[-1] == ':') && (p[len] == '\0' || p[len] == ',' || p[len] == ':'))
            return 1;
    return 0;
}
