/* progress.c - progress lines on stderr (progress.h). */
#include "progress.h"

#include <stdio.h>
#include <time.h>
#include <unistd.h>

static double clock_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static void format_seconds(double s, char *out, size_t size)
{
    if (s < 0 || s > 1e8) { snprintf(out, size, "?"); return; }
    long t = (long)(s + 0.5);
    if (t >= 3600) snprintf(out, size, "%ldh%02ldm", t / 3600, t / 60 % 60);
    else if (t >= 60) snprintf(out, size, "%ldm%02lds", t / 60, t % 60);
    else snprintf(out, size, "%lds", t);
}

void progress_start(progress *p, int rank, double every, long total, const char *what)
{
    p->on = rank == 0 && every > 0 && total > 0;
    p->tty = isatty(2);
    p->every = p->tty ? 0.5 : every;
    p->start = p->last = clock_now();
    p->total = total;
    p->what = what;
}

void progress_update(progress *p, long done, int max_bond, double fidelity)
{
    if (!p->on) return;
    double now = clock_now();
    if (now - p->last < p->every) return;
    p->last = now;
    double elapsed = now - p->start;
    char el[32], eta[32];
    format_seconds(elapsed, el, sizeof el);
    format_seconds(done > 0 ? elapsed / (double)done * (double)(p->total - done) : -1, eta, sizeof eta);
    fprintf(stderr, "%stnemu: %ld/%ld %s (%.1f%%), max bond %d, fidelity estimate %.6f, %s elapsed, ETA %s%s",
            p->tty ? "\r" : "", done, p->total, p->what, 100.0 * (double)done / (double)p->total, max_bond, fidelity,
            el, eta, p->tty ? "   " : "\n");
    fflush(stderr);
}

void progress_end(progress *p)
{
    if (p->on && p->tty && p->last > p->start) fputc('\n', stderr);
}
