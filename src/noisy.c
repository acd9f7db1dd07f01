/* noisy.c - planning and applying the noise of quantum trajectories (see
 * noisy.h): the as-soon-as-possible schedule, idle relaxation, the channels
 * of each gate, 1/f dephasing series (FFTW) and readout confusion.
 * Not for: choosing trajectories or tallying results (run.c). */
#include "noisy.h"

#include <fftw3.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "coherent.h"
#include "error.h"
#include "gates.h"
#include "rng.h"

#define NOISE_STREAM 0x4e4f495345ull      /* channel outcomes: (seed, stream, traj, op * 64 + slot) */
#define READOUT_STREAM 0x52454144ull      /* readout flips: (seed, stream, shot, bit) */
#define DEPHASE_STREAM 0x44455048ull      /* 1/f series: (seed, stream + qubit, traj, k) */
#define MAX_SLOTS 64
#define DEPHASE_MAX_POINTS (1 << 18)

enum step_kind { STEP_CHANNEL, STEP_DEPHASE, STEP_UNITARY };

typedef struct {
    int kind;
    const channel *ch;
    int nq;
    int qubits[CHANNEL_MAX_QUBITS];
    double t_from, t_to;      /* STEP_DEPHASE: the interval whose phase is applied */
    size_t mat;               /* STEP_UNITARY: index of its matrix in mats (draws no random number) */
} noisy_step;

struct noisy_plan {
    const noise_model *model;
    int n;
    size_t nops;
    noisy_step *steps;
    size_t nsteps, steps_cap;
    size_t *pre, *post;       /* op i: pre steps [pre[i], post[i]), post steps [post[i], pre[i + 1]) */
    size_t finish;            /* final steps [finish, nsteps) */
    channel *owned;           /* idle channels */
    size_t nowned, owned_cap;
    double complex (*mats)[16];   /* coherent errors: over-rotations, ZZ phases */
    size_t nmats, mats_cap;
    long zz_steps;
    double *t_zz;             /* per coupler: the time up to which its ZZ phase is applied (while planning) */
    double t_end, fidelity, fidelity_used;
    unsigned char *used;      /* per qubit: touched by an operation of the circuit (not only a barrier) */
    long uncalibrated;
    long uncalibrated_by_gate[GATE_COUNT];
    /* 1/f dephasing */
    double amp, alpha, dt;
    int points;
    double *series;           /* per qubit: accumulated phase at grid points (points + 1 each) */
    double *buf;
    fftw_complex *spec;
    fftw_plan fft;
};

void noisy_plan_destroy(noisy_plan **pp)
{
    noisy_plan *p = *pp;
    if (!p) return;
    for (size_t i = 0; i < p->nowned; i++) channel_free(&p->owned[i]);
    free(p->owned);
    free(p->mats);
    free(p->t_zz);
    free(p->steps);
    free(p->pre);
    free(p->post);
    free(p->series);
    free(p->used);
    if (p->fft) fftw_destroy_plan(p->fft);
    fftw_free(p->buf);
    fftw_free(p->spec);
    free(p);
    *pp = NULL;
}

static int push_step(noisy_plan *p, const noisy_step *s)
{
    if (p->nsteps == p->steps_cap) {
        size_t cap = p->steps_cap ? 2 * p->steps_cap : 256;
        noisy_step *n = realloc(p->steps, cap * sizeof *n);
        if (!n) return tn_fail(TN_ERR_MEMORY, "out of memory: %zu noise steps", cap);
        p->steps = n;
        p->steps_cap = cap;
    }
    p->steps[p->nsteps++] = *s;
    return TN_OK;
}

static int push_channel(noisy_plan *p, const channel *ch, int nq, const int *qubits)
{
    if (ch->is_identity) return TN_OK;
    noisy_step s = {STEP_CHANNEL, ch, nq, {0}, 0, 0, 0};
    memcpy(s.qubits, qubits, (size_t)nq * sizeof(int));
    double f = channel_process_fidelity(ch);
    p->fidelity *= f;
    int on_used = 1;
    for (int j = 0; j < nq; j++) on_used = on_used && p->used[qubits[j]];
    if (on_used) p->fidelity_used *= f;
    return push_step(p, &s);
}

/* A coherent error: the k-qubit unitary e on qubits, in every trajectory. */
static int push_unitary(noisy_plan *p, const double complex *e, int k, const int *qubits)
{
    if (p->nmats == p->mats_cap) {
        size_t cap = p->mats_cap ? 2 * p->mats_cap : 64;
        double complex (*n)[16] = realloc(p->mats, cap * sizeof *n);
        if (!n) return tn_fail(TN_ERR_MEMORY, "out of memory: %zu coherent errors", cap);
        p->mats = n;
        p->mats_cap = cap;
    }
    memcpy(p->mats[p->nmats], e, (size_t)(1 << (2 * k)) * sizeof *e);
    noisy_step s = {STEP_UNITARY, NULL, k, {0}, 0, 0, p->nmats++};
    memcpy(s.qubits, qubits, (size_t)k * sizeof(int));
    double f = coherent_fidelity(e, 1 << k);
    p->fidelity *= f;
    int on_used = 1;
    for (int j = 0; j < k; j++) on_used = on_used && p->used[qubits[j]];
    if (on_used) p->fidelity_used *= f;
    return push_step(p, &s);
}

/* The over-rotation of gate op by its rule (coherent.h). */
static int push_overrotation(noisy_plan *p, const circuit *c, const circ_op *op, const noise_rule *rule)
{
    if (!rule || rule->overrotation == 0 || op->kind != OP_GATE) return TN_OK;
    double complex e[16];
    if (coherent_overrotation(op, rule->overrotation, e) != 0)
        return tn_fail(TN_ERR_INPUT, "%s: %s: \"overrotation\" is not defined for %s at %s:%d:%d (only for %s)",
                       p->model->source, rule->where, noise_gate_name(op), c->source, op->line, op->col,
                       coherent_overrotation_gates());
    return push_unitary(p, e, op->nqubits, op->qubits);
}

/* The static ZZ phase each coupler of op's qubits (all couplers: op NULL)
 * accrued from the time it was last applied up to time `upto`. */
static int push_zz(noisy_plan *p, const circ_op *op, double upto)
{
    const noise_model *m = p->model;
    for (int i = 0; i < m->ncouplers; i++) {
        const noise_coupler *cp = &m->couplers[i];
        int touched = !op;
        for (int j = 0; op && j < op->nqubits; j++) touched |= op->qubits[j] == cp->a || op->qubits[j] == cp->b;
        if (!touched || cp->zz == 0 || cp->a >= p->n || cp->b >= p->n || !(upto > p->t_zz[i])) continue;
        double complex e[16];
        coherent_zz(2 * M_PI * cp->zz * (upto - p->t_zz[i]), e);
        p->t_zz[i] = upto;
        int qs[2] = {cp->a, cp->b};
        p->zz_steps++;
        CALL(push_unitary(p, e, 2, qs));
    }
    return TN_OK;
}

/* Thermal relaxation of qubit q while it waits `idle` seconds (only when the
 * model relaxes idle qubits, unless `asked`: a delay the circuit asks for). */
static int push_relax(noisy_plan *p, int q, double idle, int asked)
{
    const noise_model *m = p->model;
    const noise_qubit *nq = noise_qubit_params(m, q);
    if ((!m->idle && !asked) || idle <= 0 || nq->t1 <= 0 || nq->t2 <= 0 || m->scale <= 0) return TN_OK;
    /* steps point into owned[], so it never moves: noisy_plan_create sizes it */
    if (p->nowned == p->owned_cap) return tn_fail(TN_ERR_INTERNAL, "internal error: idle channel table full");
    char where[64];
    snprintf(where, sizeof where, "idle qubit %d", q);
    channel *ch = &p->owned[p->nowned];
    CALL(channel_thermal(nq->t1 / m->scale, nq->t2 / m->scale, idle, where, ch));
    p->nowned++;
    return push_channel(p, ch, 1, &q);
}

static int push_idle(noisy_plan *p, int q, double idle) { return push_relax(p, q, idle, 0); }

static int push_dephase(noisy_plan *p, int q, double from, double to)
{
    if (p->amp <= 0 || to <= from) return TN_OK;
    noisy_step s = {STEP_DEPHASE, NULL, 1, {q}, from, to, 0};
    return push_step(p, &s);
}

/* Checks the op against the model: qubits described, usable, calibrated. */
static int check_op(noisy_plan *p, const circuit *c, const circ_op *op, const noise_rule *rule,
                    const noisy_options *opt)
{
    const noise_model *m = p->model;
    for (int j = 0; j < op->nqubits; j++) {
        int q = op->qubits[j];
        if (m->nqubits && q >= m->nqubits)
            return tn_fail(TN_ERR_INPUT, "%s:%d:%d: error: qubit %d is not in the noise model %s, which describes "
                           "qubits 0 to %d", c->source, op->line, op->col, q, m->source, m->nqubits - 1);
        if (noise_qubit_params(m, q)->faulty && !opt->allow_faulty)
            return tn_fail(TN_ERR_INPUT, "%s:%d:%d: error: qubit %d is marked unusable in %s; pass --allow-faulty "
                           "to run it anyway", c->source, op->line, op->col, q, m->source);
    }
    if (op->kind != OP_GATE) return TN_OK;
    if (op->gate == GATE_DELAY) {
        if (!noise_delay_known(m, op))
            return tn_fail(TN_ERR_INPUT, "%s:%d:%d: error: delay(%.17g dt) needs the device's sample time dt, which %s "
                           "does not give (IBM: \"dt\" in the conf_*.json beside the props); write the delay in "
                           "s, ms, us or ns", c->source, op->line, op->col, op->params[0], m->source);
        return TN_OK;
    }
    if (!rule && m->strict) {
        if (!opt->allow_uncalibrated) {
            char qs[64] = "";
            for (int j = 0; j < op->nqubits && strlen(qs) < 48; j++)
                snprintf(qs + strlen(qs), sizeof qs - strlen(qs), "%s%d", j ? "," : "", op->qubits[j]);
            return tn_fail(TN_ERR_INPUT, "%s:%d:%d: error: %s on qubit%s %s has no calibration in %s (transpile to "
                           "the device's gates and couplers, or pass --allow-uncalibrated to run it without noise)",
                           c->source, op->line, op->col, noise_gate_name(op), op->nqubits > 1 ? "s" : "", qs,
                           m->source);
        }
        p->uncalibrated++;
        p->uncalibrated_by_gate[op->gate]++;
    }
    if (rule && rule->faulty && !opt->allow_faulty)
        return tn_fail(TN_ERR_INPUT, "%s:%d:%d: error: %s is marked unusable in %s (gate_error 1); pass "
                       "--allow-faulty to run it anyway", c->source, op->line, op->col, rule->where, m->source);
    return TN_OK;
}

/* The channels of rule after op. */
static int push_rule(noisy_plan *p, const circ_op *op, const noise_rule *rule)
{
    for (int a = 0; rule && a < rule->napply; a++) {
        const noise_apply *ap = &rule->apply[a];
        if (ap->each) {
            for (int j = 0; j < op->nqubits; j++) CALL(push_channel(p, &ap->ch, 1, &op->qubits[j]));
            continue;
        }
        int qs[CHANNEL_MAX_QUBITS];
        for (int j = 0; j < ap->ch.nqubits; j++) {
            if (ap->pos[j] >= op->nqubits)
                return tn_fail(TN_ERR_INPUT, "%s: %s: a channel on gate position %d, but %s acts on %d qubit%s",
                               p->model->source, rule->where, ap->pos[j], noise_gate_name(op), op->nqubits,
                               op->nqubits > 1 ? "s" : "");
            qs[j] = op->qubits[ap->pos[j]];
        }
        CALL(push_channel(p, &ap->ch, ap->ch.nqubits, qs));
    }
    return TN_OK;
}

/* Is op a terminal measurement (nothing touches its qubit afterwards)? */
static int *terminal_flags(const circuit *c)
{
    int *last = tn_malloc((size_t)c->nqubits * sizeof(int) + 1);
    int *terminal = tn_calloc(c->nops + 1, sizeof(int));
    if (!last || !terminal) { free(last); free(terminal); return NULL; }
    for (int q = 0; q < c->nqubits; q++) last[q] = -1;
    for (size_t i = 0; i < c->nops; i++)
        if (c->ops[i].kind != OP_BARRIER)
            for (int j = 0; j < c->ops[i].nqubits; j++) last[c->ops[i].qubits[j]] = (int)i;
    for (size_t i = 0; i < c->nops; i++)
        terminal[i] = c->ops[i].kind == OP_MEASURE && last[c->ops[i].qubits[0]] == (int)i && c->ops[i].cond_reg < 0;
    free(last);
    return terminal;
}

static int schedule_ops(noisy_plan *p, const circuit *c, const noisy_options *opt, double *t_free, double *t_kick)
{
    int *terminal = terminal_flags(c);
    double *t_align = tn_calloc((size_t)c->nqubits + 1, sizeof(double));   /* no operation starts before (barriers) */
    if (!terminal || !t_align) { free(terminal); free(t_align); return TN_ERR_MEMORY; }
    int status = TN_OK;
    for (size_t i = 0; i < c->nops && status == TN_OK; i++) {
        const circ_op *op = &c->ops[i];
        const noise_rule *rule = op->kind == OP_GATE ? noise_lookup(p->model, op) : NULL;
        status = check_op(p, c, op, rule, opt);
        double start = 0;
        for (int j = 0; j < op->nqubits; j++) start = fmax(start, fmax(t_free[op->qubits[j]], t_align[op->qubits[j]]));
        p->pre[i] = p->nsteps;
        if (op->kind == OP_BARRIER) {
            /* a barrier aligns its qubits but carries no noise: a static run
             * never applies a barrier's steps, so the wait it causes is
             * relaxed before each qubit's next operation (or at the end) */
            for (int j = 0; j < op->nqubits; j++) t_align[op->qubits[j]] = start;
            p->post[i] = p->nsteps;
            continue;
        }
        if (status == TN_OK && !terminal[i]) status = push_zz(p, op, start);
        if (!terminal[i]) {
            for (int j = 0; j < op->nqubits && status == TN_OK; j++) {
                int q = op->qubits[j];
                status = push_idle(p, q, start - t_free[q]);
                if (status == TN_OK && op->kind == OP_GATE) status = push_dephase(p, q, t_kick[q], start);
                if (op->kind == OP_GATE) t_kick[q] = start;
            }
        }
        p->post[i] = p->nsteps;
        double end = start + (terminal[i] ? 0 : noise_duration(p->model, op, rule));
        if (status == TN_OK) status = push_overrotation(p, c, op, rule);
        if (status == TN_OK && !terminal[i]) status = push_zz(p, op, end);
        if (status == TN_OK && op->kind == OP_GATE) status = push_rule(p, op, rule);
        if (status == TN_OK && op->kind == OP_GATE && op->gate == GATE_DELAY)   /* the wait it asks for */
            status = push_relax(p, op->qubits[0], end - start, 1);
        for (int j = 0; j < op->nqubits && !terminal[i]; j++) t_free[op->qubits[j]] = end;
    }
    free(terminal);
    free(t_align);
    return status;
}

static int plan_dephasing(noisy_plan *p, const circuit *c, const noisy_options *opt)
{
    if (!(opt->dephasing_amp > 0) || p->t_end <= 0) return TN_OK;
    double dt = p->t_end;
    for (size_t i = 0; i < c->nops; i++) {
        double d = noise_duration(p->model, &c->ops[i], c->ops[i].kind == OP_GATE ? noise_lookup(p->model, &c->ops[i]) : NULL);
        if (d > 0 && d < dt) dt = d;
    }
    int points = 64;
    while (points < DEPHASE_MAX_POINTS && points * dt < 2 * p->t_end) points *= 2;
    p->points = points;
    p->dt = 2 * p->t_end / points;   /* the series spans twice the schedule: no wrap-around correlation */
    p->series = tn_calloc((size_t)c->nqubits * (points + 1), sizeof(double));
    p->buf = fftw_alloc_real((size_t)points);
    p->spec = fftw_alloc_complex((size_t)points / 2 + 1);
    if (!p->series || !p->buf || !p->spec) return tn_fail(TN_ERR_MEMORY, "out of memory: 1/f dephasing series");
    p->fft = fftw_plan_dft_c2r_1d(points, p->spec, p->buf, FFTW_ESTIMATE);
    return p->fft ? TN_OK : tn_fail(TN_ERR_INTERNAL, "internal error: FFTW could not plan a %d-point transform", points);
}

int noisy_plan_create(const noise_model *model, const circuit *c, const noisy_options *opt, noisy_plan **out)
{
    *out = NULL;
    noisy_plan *p = tn_calloc(1, sizeof *p);
    double *t_free = tn_calloc((size_t)c->nqubits + 1, sizeof(double));
    double *t_kick = tn_calloc((size_t)c->nqubits + 1, sizeof(double));
    if (p) {
        p->pre = tn_calloc(c->nops + 1, sizeof(size_t));
        p->post = tn_calloc(c->nops + 1, sizeof(size_t));
        p->owned_cap = c->nops * 3 + (size_t)c->nqubits + 1;   /* at most 3 qubits idle per op, plus the end */
        p->owned = tn_calloc(p->owned_cap, sizeof(channel));
    }
    if (!p || !t_free || !t_kick || !p->pre || !p->post || !p->owned) {
        free(t_free); free(t_kick); noisy_plan_destroy(&p);
        return TN_ERR_MEMORY;
    }
    p->model = model;
    p->n = c->nqubits;
    p->nops = c->nops;
    p->fidelity = 1;
    p->fidelity_used = 1;
    p->used = tn_calloc((size_t)c->nqubits + 1, 1);
    p->t_zz = tn_calloc((size_t)model->ncouplers + 1, sizeof(double));
    if (!p->used || !p->t_zz) { free(t_free); free(t_kick); noisy_plan_destroy(&p); return TN_ERR_MEMORY; }
    for (size_t i = 0; i < c->nops; i++)
        if (c->ops[i].kind != OP_BARRIER)
            for (int j = 0; j < c->ops[i].nqubits; j++) p->used[c->ops[i].qubits[j]] = 1;
    p->amp = opt->dephasing_amp * sqrt(model->scale);
    p->alpha = opt->dephasing_alpha;
    for (size_t i = 0; i < c->nops; i++)   /* idle channels: at most one per qubit per op */
        if (c->ops[i].nqubits > 3) p->owned_cap += (size_t)c->ops[i].nqubits;
    if (p->owned_cap > c->nops * 3 + (size_t)c->nqubits + 1) {
        channel *o = realloc(p->owned, p->owned_cap * sizeof *o);
        if (!o) { free(t_free); free(t_kick); noisy_plan_destroy(&p); return TN_ERR_MEMORY; }
        p->owned = o;
    }
    int status = schedule_ops(p, c, opt, t_free, t_kick);
    for (int q = 0; q < c->nqubits; q++) p->t_end = fmax(p->t_end, t_free[q]);
    p->pre[c->nops] = p->nsteps;
    p->finish = p->nsteps;
    if (status == TN_OK) status = push_zz(p, NULL, p->t_end);
    for (int q = 0; q < c->nqubits && status == TN_OK; q++) {
        status = push_idle(p, q, p->t_end - t_free[q]);
        if (status == TN_OK) status = push_dephase(p, q, t_kick[q], p->t_end);
    }
    if (status == TN_OK) status = plan_dephasing(p, c, opt);
    free(t_free);
    free(t_kick);
    if (status != TN_OK) { noisy_plan_destroy(&p); return status; }
    *out = p;
    return TN_OK;
}

/* ---- trajectories -------------------------------------------------------- */

static double gaussian(uint64_t seed, uint64_t stream, uint32_t traj, uint32_t k, double *second)
{
    double u1 = rng_uniform_at(seed, stream, traj, 2 * k), u2 = rng_uniform_at(seed, stream, traj, 2 * k + 1);
    double r = sqrt(-2 * log1p(-u1));   /* u1 in [0,1): 1 - u1 in (0, 1] */
    *second = r * sin(2 * M_PI * u2);
    return r * cos(2 * M_PI * u2);
}

int noisy_begin(noisy_plan *p, uint64_t seed, long traj)
{
    if (!p->fft) return TN_OK;
    int n = p->points, half = n / 2;
    double norm = 0;
    for (int k = 1; k < half; k++) norm += pow(k, -p->alpha);
    for (int q = 0; q < p->n; q++) {
        p->spec[0] = 0;
        p->spec[half] = 0;
        for (int k = 1; k < half; k++) {
            double im, re = gaussian(seed, DEPHASE_STREAM + (uint64_t)q, (uint32_t)traj, (uint32_t)k, &im);
            double a = p->amp * sqrt(pow(k, -p->alpha) / (2 * norm));   /* Var(x_j) = 2 sum a_k^2 = amp^2 */
            p->spec[k] = a * (re + I * im) / sqrt(2.0);
        }
        fftw_execute(p->fft);
        double *phase = p->series + (size_t)q * (n + 1), acc = 0;
        phase[0] = 0;
        for (int j = 0; j < n; j++) {
            acc += 2 * M_PI * p->buf[j] * p->dt;
            phase[j + 1] = acc;
        }
    }
    return TN_OK;
}

/* The accumulated phase of qubit q at time t (linear between grid points). */
static double phase_at(const noisy_plan *p, int q, double t)
{
    double x = t / p->dt;
    int j = (int)floor(x);
    if (j < 0) return 0;
    if (j >= p->points) j = p->points - 1;
    const double *ph = p->series + (size_t)q * (p->points + 1);
    return ph[j] + (x - j) * (ph[j + 1] - ph[j]);
}

static int is_identity_matrix(const double complex *u, int dim)
{
    for (int r = 0; r < dim; r++)
        for (int c = 0; c < dim; c++)
            if (cabs(u[r * dim + c] - (r == c ? u[0] : 0)) > 1e-14) return 0;
    return fabs(cabs(u[0]) - 1) < 1e-14;
}

static int pick(const double *probs, int n, double u)
{
    double acc = 0;
    for (int i = 0; i < n; i++) {
        acc += probs[i];
        if (u < acc) return i;
    }
    int last = n - 1;
    while (last > 0 && probs[last] == 0) last--;
    return last;
}

static int apply_step(const noisy_plan *p, const noisy_step *s, mps *m, double u)
{
    if (s->kind == STEP_UNITARY) return mps_apply_gate(m, p->mats[s->mat], s->nq, s->qubits);
    if (s->kind == STEP_DEPHASE) {
        double phi = phase_at(p, s->qubits[0], s->t_to) - phase_at(p, s->qubits[0], s->t_from);
        double complex rz[4] = {cexp(-I * phi / 2), 0, 0, cexp(I * phi / 2)};
        return mps_apply_gate(m, rz, 1, s->qubits);
    }
    const channel *ch = s->ch;
    int k = ch->nqubits, dim = 1 << k, chosen;
    if (ch->kind == CHANNEL_PAULI) {
        int idx = pick(ch->probs, ch->nops, u);
        for (int j = 0; j < k; j++) {
            int letter = (idx >> (2 * (k - 1 - j))) & 3;
            if (!letter) continue;
            double complex pm[4];
            channel_pauli_matrix(letter, pm);
            CALL(mps_apply_gate(m, pm, 1, &s->qubits[j]));
        }
        return TN_OK;
    }
    if (ch->kind == CHANNEL_MIXED_UNITARY) {
        int idx = pick(ch->probs, ch->nops, u);
        const double complex *op = ch->ops + (size_t)idx * dim * dim;
        return is_identity_matrix(op, dim) ? TN_OK : mps_apply_gate(m, op, k, s->qubits);
    }
    return mps_apply_kraus(m, ch->nops, ch->ops, k, s->qubits, u, &chosen);
}

static int apply_range(const noisy_plan *p, mps *m, size_t from, size_t to, uint64_t seed, long traj, uint32_t slot_base)
{
    uint32_t slot = 0;   /* coherent steps draw nothing: the other steps keep their slots */
    for (size_t s = from; s < to; s++) {
        double u = p->steps[s].kind == STEP_UNITARY ? 0 : rng_uniform_at(seed, NOISE_STREAM, (uint32_t)traj, slot_base + slot++);
        CALL(apply_step(p, &p->steps[s], m, u));
    }
    return TN_OK;
}

int noisy_apply(const noisy_plan *p, mps *m, size_t i, int pre, uint64_t seed, long traj)
{
    size_t from = pre ? p->pre[i] : p->post[i], to = pre ? p->post[i] : p->pre[i + 1], drawn = 0;
    for (size_t s = from; s < to; s++) drawn += p->steps[s].kind != STEP_UNITARY;
    if (drawn > MAX_SLOTS / 2)
        return tn_fail(TN_ERR_INTERNAL, "internal error: %zu noise steps around one operation", drawn);
    return apply_range(p, m, from, to, seed, traj, (uint32_t)(i * MAX_SLOTS + (pre ? 0 : MAX_SLOTS / 2)));
}

int noisy_finish(const noisy_plan *p, mps *m, uint64_t seed, long traj)
{
    return apply_range(p, m, p->finish, p->nsteps, seed, traj, 0xF0000000u);
}

static size_t step_from(const noisy_plan *p, size_t i, int pre)
{
    return i >= p->nops ? p->finish : pre ? p->pre[i] : p->post[i];
}

size_t noisy_step_count(const noisy_plan *p, size_t i, int pre)
{
    size_t to = i >= p->nops ? p->nsteps : pre ? p->post[i] : p->pre[i + 1];
    return to - step_from(p, i, pre);
}

void noisy_step_get(const noisy_plan *p, size_t i, int pre, size_t j, noisy_step_view *out)
{
    const noisy_step *s = &p->steps[step_from(p, i, pre) + j];
    memset(out, 0, sizeof *out);
    out->kind = s->kind == STEP_UNITARY ? NOISY_STEP_UNITARY : s->kind == STEP_DEPHASE ? NOISY_STEP_RANDOM
                                                                                     : NOISY_STEP_CHANNEL;
    out->ch = s->kind == STEP_CHANNEL ? s->ch : NULL;
    out->matrix = s->kind == STEP_UNITARY ? p->mats[s->mat] : NULL;
    out->nq = s->nq;
    memcpy(out->qubits, s->qubits, sizeof out->qubits);
}

void noisy_readout(const noisy_plan *p, unsigned char *record, int width, const int *qubit_of_bit, uint64_t seed,
                   long shot)
{
    for (int j = 0; j < width; j++) {
        int q = qubit_of_bit[j];
        if (q < 0) continue;
        const noise_qubit *nq = noise_qubit_params(p->model, q);
        double flip = record[j] ? nq->p0_given1 : nq->p1_given0;
        if (flip > 0 && rng_uniform_at(seed, READOUT_STREAM, (uint32_t)shot, (uint32_t)j) < flip) record[j] ^= 1;
    }
}

void noisy_readout_probs(const noisy_plan *p, double *probs, int width, const int *qubit_of_bit)
{
    size_t size = (size_t)1 << width;
    for (int j = 0; j < width; j++) {
        int q = qubit_of_bit[j];
        if (q < 0) continue;
        const noise_qubit *nq = noise_qubit_params(p->model, q);
        double e10 = nq->p1_given0, e01 = nq->p0_given1;   /* read 1 from 0, read 0 from 1 */
        if (e10 <= 0 && e01 <= 0) continue;
        size_t bit = (size_t)1 << j;
        for (size_t i = 0; i < size; i++) {
            if (i & bit) continue;
            double p0 = probs[i], p1 = probs[i | bit];
            probs[i] = (1 - e10) * p0 + e01 * p1;
            probs[i | bit] = e10 * p0 + (1 - e01) * p1;
        }
    }
}

double noisy_phase(const noisy_plan *p, int q, double t)
{
    return p->series && q >= 0 && q < p->n ? phase_at(p, q, t) : 0;
}

double noisy_duration(const noisy_plan *p) { return p->t_end; }
double noisy_model_fidelity(const noisy_plan *p) { return p->fidelity_used; }
double noisy_model_fidelity_all_qubits(const noisy_plan *p) { return p->fidelity; }

void noisy_warn_uncalibrated(const noisy_plan *p, FILE *out)
{
    for (int g = 0; g < GATE_COUNT; g++)
        if (p->uncalibrated_by_gate[g])
            fprintf(out, "tnemu: warning: %ld %s gate%s ran without noise (no calibration)\n",
                    p->uncalibrated_by_gate[g], gate_get_info(g)->name, p->uncalibrated_by_gate[g] > 1 ? "s" : "");
}
long noisy_uncalibrated(const noisy_plan *p) { return p->uncalibrated; }

long noisy_channel_count(const noisy_plan *p)
{
    long n = 0;
    for (size_t s = 0; s < p->nsteps; s++) n += p->steps[s].kind == STEP_CHANNEL;
    return n;
}

int noisy_needs_circuit_order(const noisy_plan *p) { return p->zz_steps > 0; }
