/* progress.c - progress lines on stderr, with the work of gates modelled from
 * the bonds they touch (progress.h). */
#include "progress.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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
    if (!(s >= 0) || s > 1e8) { snprintf(out, size, "?"); return; }
    long t = (long)(s + 0.5);
    if (t >= 3600) snprintf(out, size, "%ldh%02ldm", t / 3600, t / 60 % 60);
    else if (t >= 60) snprintf(out, size, "%ldm%02lds", t / 60, t % 60);
    else snprintf(out, size, "%lds", t);
}

void progress_format(char *out, size_t size, const char *what, long done, long total, double pct, int max_bond,
                     double fidelity, double elapsed, double eta, const char *ending)
{
    char el[32], left[48], line[512];
    format_seconds(elapsed, el, sizeof el);
    if (ending) snprintf(left, sizeof left, "%s", ending);
    else {
        format_seconds(eta, left + 4, sizeof left - 4);
        memcpy(left, "ETA ", 4);
    }
    /* the full line, then shorter ones until one fits */
    snprintf(line, sizeof line, "tnemu: %s %ld/%ld %.1f%%, bond %d, fidelity %.6f, %s, %s", what, done, total, pct,
             max_bond, fidelity, el, left);
    if (strlen(line) > PROGRESS_COLUMNS)   /* no elapsed time, a shorter fidelity */
        snprintf(line, sizeof line, "tnemu: %s %ld/%ld %.1f%%, bond %d, fidelity %.4f, %s", what, done, total, pct,
                 max_bond, fidelity, left);
    if (strlen(line) > PROGRESS_COLUMNS)
        snprintf(line, sizeof line, "tnemu: %s %ld/%ld %.1f%%, bond %d, %s", what, done, total, pct, max_bond, left);
    if (strlen(line) > PROGRESS_COLUMNS) snprintf(line, sizeof line, "tnemu: %ld/%ld %.1f%%, %s", done, total, pct, left);
    line[PROGRESS_COLUMNS] = '\0';   /* cannot happen with sane numbers; still never wider */
    snprintf(out, size, "%s", line);
}

/* Writes one line: in place on a terminal (blanking what the last one left), else a line of its own. */
static void emit(progress *p, const char *line, int final)
{
    int len = (int)strlen(line);
    if (p->tty) fprintf(stderr, "\r%s%*s%s", line, p->last_len > len ? p->last_len - len : 0, "", final ? "\n" : "");
    else fprintf(stderr, "%s\n", line);
    fflush(stderr);
    p->last_len = len;
    p->shown++;
}

static void start_common(progress *p, int rank, double every, const char *what)
{
    memset(p, 0, sizeof *p);
    p->on = rank == 0 && every > 0;
    p->tty = isatty(2);
    p->every = p->tty ? 0.5 : every;
    p->start = p->last = clock_now();
    p->what = what;
    p->max_bond = 1;
    p->fidelity = 1;
}

void progress_start(progress *p, int rank, double every, long total, const char *what)
{
    start_common(p, rank, every, what);
    p->total = total;
    p->on = p->on && total > 0;
}

/* ---- the work model of gates ------------------------------------------------ */

/* Bond b of the model (b = -1 and b = n-1 are the ends of the chain: 1). */
static double bond(const double *bd, int n, int b) { return b < 0 || b >= n - 1 ? 1 : bd[b]; }

/* The largest bond b can have: 2^min(sites left, sites right), and --chi. */
static double bond_cap(const progress *p, int b)
{
    int n = p->c->nqubits, sites = b + 1 < n - 1 - b ? b + 1 : n - 1 - b;
    double cap = ldexp(1.0, sites > 1000 ? 1000 : sites);
    return p->max_chi > 0 && p->max_chi < cap ? p->max_chi : cap;
}

/* The sites op spans now: lo..hi. */
static void op_span(const mps *m, const circ_op *op, int *lo, int *hi)
{
    *lo = *hi = mps_site_of(m, op->qubits[0]);
    for (int k = 1; k < op->nqubits; k++) {
        int s = mps_site_of(m, op->qubits[k]);
        if (s < *lo) *lo = s;
        if (s > *hi) *hi = s;
    }
}

/* The work of a k-qubit gate spanning sites lo..hi with the bonds bd: every
 * pair of neighbouring sites it spans (the gate itself, and the swaps that
 * bring its qubits together) costs chi_l chi_r (chi_l + chi_m + chi_r); a
 * one-qubit gate chi_l chi_r. Then the bonds it crosses double, up to their
 * caps (a CX or CZ doubles a bond at most; a general two-qubit gate can
 * quadruple it, so this is on the low side for those). */
static double model_gate(const progress *p, double *bd, int k, int lo, int hi)
{
    int n = p->c->nqubits;
    double w = lo == hi ? bond(bd, n, lo - 1) * bond(bd, n, lo) : 0;
    for (int s = lo; s < hi; s++) {
        double l = bond(bd, n, s - 1), mid = bond(bd, n, s), r = bond(bd, n, s + 1);
        w += l * r * (l + mid + r);
    }
    if (k > 2) w *= ldexp(1.0, k - 2);   /* a block of k qubits carries 2^k values per site pair */
    for (int s = lo; s < hi; s++) {
        double cap = bond_cap(p, s);
        bd[s] = 2 * bd[s] < cap ? 2 * bd[s] : cap;
    }
    return w;
}

/* The model's bonds lo-1..hi (all of them: lo = 0, hi = n-1) take this rank's real values where it has them. */
static void sync_bonds(progress *p, const mps *m, int lo, int hi)
{
    for (int b = lo - 1; b <= hi; b++) {
        if (b < 0 || b >= p->c->nqubits - 1) continue;
        int v = mps_local_bond(m, b);
        if (v > 0) p->bonds[b] = v;
    }
}

void progress_start_gates(progress *p, int rank, double every, const circuit *c, size_t from, size_t to,
                          int max_chi, const char *what)
{
    start_common(p, rank, every, what);
    for (size_t i = from; i < to; i++) p->total += c->ops[i].kind == OP_GATE;
    p->on = p->on && p->total > 0;
    if (!p->on) return;
    p->c = c;
    p->from = from;
    p->to = to;
    p->max_chi = max_chi;
    int n = c->nqubits;
    p->applied = calloc(to - from, 1);
    p->bonds = malloc((size_t)(n > 1 ? n : 2) * 2 * sizeof(double));   /* the model, then a scratch copy */
    if (!p->applied || !p->bonds) { progress_end(p, NULL); return; }
    for (int b = 0; b < 2 * (n > 1 ? n : 2); b++) p->bonds[b] = 1;
}

void progress_gates_resumed(progress *p, const mps *m, const size_t *done, size_t ndone)
{
    if (!p->on || !p->applied) return;
    int n = p->c->nqubits, lo, hi;
    double *product = p->bonds + (n > 1 ? n : 2);   /* the model from |0...0> */
    for (size_t j = 0; j < ndone; j++) {
        if (done[j] < p->from || done[j] >= p->to) continue;
        const circ_op *op = &p->c->ops[done[j]];
        p->applied[done[j] - p->from] = 1;
        if (op->kind != OP_GATE) continue;
        op_span(m, op, &lo, &hi);
        p->work_before += model_gate(p, product, op->nqubits, lo, hi);
        p->done++;
    }
    sync_bonds(p, m, 0, n - 1);
}

void progress_gate(progress *p, const mps *m, size_t i)
{
    if (!p->on || !p->applied || i < p->from || i >= p->to) return;
    const circ_op *op = &p->c->ops[i];
    p->applied[i - p->from] = 1;
    if (op->kind != OP_GATE) return;
    int lo, hi;
    op_span(m, op, &lo, &hi);
    sync_bonds(p, m, lo, hi);
    p->work_pending += model_gate(p, p->bonds, op->nqubits, lo, hi);
    p->pending++;
}

/* The predicted work of the gates not yet applied, from the bonds now, with the qubits' sites now. */
static double work_left(progress *p, const mps *m)
{
    int n = p->c->nqubits, lo, hi;
    double *bd = p->bonds + (n > 1 ? n : 2), w = 0;
    sync_bonds(p, m, 0, n - 1);
    memcpy(bd, p->bonds, (size_t)(n > 1 ? n - 1 : 1) * sizeof *bd);
    for (size_t i = p->from; i < p->to; i++) {
        const circ_op *op = &p->c->ops[i];
        if (p->applied[i - p->from] || op->kind != OP_GATE) continue;
        op_span(m, op, &lo, &hi);
        w += model_gate(p, bd, op->nqubits, lo, hi);
    }
    return w;
}

/* The work left, recomputed only when that costs under a tenth of the time
 * since the last computation (it walks every gate left); in between, the
 * last prediction less the work done since. */
static double work_left_cached(progress *p, const mps *m)
{
    double now = clock_now();
    if (p->predicted_at > 0 && now - p->predicted_at < 10 * p->predict_seconds)
        return fmax(p->predicted_left - (p->work_done - p->predicted_done), 0);
    p->predicted_left = work_left(p, m);
    p->predicted_done = p->work_done;
    p->predict_seconds = clock_now() - now;
    p->predicted_at = now;
    return p->predicted_left;
}

double progress_fraction(progress *p, const mps *m)
{
    if (!p->applied) return 0;
    if (p->done >= p->total) return 1;
    double done = p->work_before + p->work_done, left = work_left(p, m);
    return done + left > 0 ? done / (done + left) : 0;
}

/* A gates line: counts, the share of the work, ETA from the rate of work in this process. */
static void gates_line(progress *p, const mps *m, double now, const char *ending)
{
    double left = p->done >= p->total ? 0 : work_left_cached(p, m);
    double done = p->work_before + p->work_done, elapsed = now - p->start;
    double pct = done + left > 0 ? 100 * done / (done + left) : 0;
    if (p->done < p->total && pct > 99.9) pct = 99.9;   /* 100% means every gate */
    if (p->done >= p->total) pct = 100;
    if (pct < p->shown_pct) pct = p->shown_pct;        /* a new prediction never moves the bar back */
    p->shown_pct = pct;
    if (m) {
        p->max_bond = mps_local_max_bond(m);
        p->fidelity = mps_local_fidelity(m);
    }
    double eta = p->work_done > 0 ? elapsed * left / p->work_done : -1;
    char line[PROGRESS_COLUMNS + 1];
    progress_format(line, sizeof line, p->what, p->done, p->total, pct, p->max_bond, p->fidelity, elapsed, eta, ending);
    emit(p, line, ending != NULL);
}

void progress_gate_done(progress *p, const mps *m)
{
    if (!p->on || !p->applied) return;
    p->work_done += p->work_pending;
    p->done += p->pending;
    p->work_pending = 0;
    p->pending = 0;
    double now = clock_now();
    if (now - p->last < p->every) return;
    p->last = now;
    gates_line(p, m, now, NULL);
}

/* ---- equal steps -------------------------------------------------------------- */

void progress_update(progress *p, long done, int max_bond, double fidelity)
{
    if (!p->on) return;
    p->done = done;
    p->max_bond = max_bond;
    p->fidelity = fidelity;
    double now = clock_now();
    if (now - p->last < p->every) return;
    p->last = now;
    double elapsed = now - p->start;
    char line[PROGRESS_COLUMNS + 1];
    progress_format(line, sizeof line, p->what, done, p->total, 100.0 * (double)done / (double)p->total, max_bond,
                    fidelity, elapsed, done > 0 ? elapsed / (double)done * (double)(p->total - done) : -1, NULL);
    emit(p, line, 0);
}

void progress_end(progress *p, const mps *m)
{
    if (p->on && p->shown) {
        const char *ending = p->done >= p->total ? "done" : "stopped";
        double now = clock_now();
        if (p->applied) gates_line(p, m, now, ending);
        else {
            char line[PROGRESS_COLUMNS + 1];
            progress_format(line, sizeof line, p->what, p->done, p->total, 100.0 * (double)p->done / (double)p->total,
                            p->max_bond, p->fidelity, now - p->start, 0, ending);
            emit(p, line, 1);
        }
    }
    free(p->applied);
    free(p->bonds);
    p->applied = NULL;
    p->bonds = NULL;
    p->on = 0;
}
