/* channel.c - constructors and fidelities of quantum channels (see channel.h).
 * Not for: applying them to a state (mps_gates.c, noisy.c). */
#include "channel.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"

void channel_free(channel *ch)
{
    free(ch->probs);
    free(ch->ops);
    memset(ch, 0, sizeof *ch);
}

int channel_copy(const channel *src, channel *dst)
{
    *dst = *src;
    dst->probs = NULL;
    dst->ops = NULL;
    size_t dim = (size_t)1 << src->nqubits;
    if (src->probs) {
        dst->probs = tn_malloc((size_t)src->nops * sizeof(double));
        if (!dst->probs) return TN_ERR_MEMORY;
        memcpy(dst->probs, src->probs, (size_t)src->nops * sizeof(double));
    }
    if (src->ops) {
        size_t bytes = (size_t)src->nops * dim * dim * sizeof(double complex);
        dst->ops = tn_malloc(bytes);
        if (!dst->ops) { channel_free(dst); return TN_ERR_MEMORY; }
        memcpy(dst->ops, src->ops, bytes);
    }
    return TN_OK;
}

void channel_pauli_matrix(int a, double complex *m)
{
    static const double complex p[4][4] = {{1, 0, 0, 1}, {0, 1, 1, 0}, {0, -I, I, 0}, {1, 0, 0, -1}};
    memcpy(m, p[a & 3], sizeof p[0]);
}

static int check_probability(double p, double max, const char *where, const char *what)
{
    if (!(p >= 0 && p <= max))
        return tn_fail(TN_ERR_INPUT, "%s: %s %g is out of range [0, %g]", where, what, p, max);
    return TN_OK;
}

static int check_width(int k, const char *where)
{
    if (k < 1 || k > CHANNEL_MAX_QUBITS)
        return tn_fail(TN_ERR_INPUT, "%s: a channel on %d qubits is out of range [1, %d]", where, k,
                       CHANNEL_MAX_QUBITS);
    return TN_OK;
}

int channel_pauli(int k, const double *probs, const char *where, channel *ch)
{
    memset(ch, 0, sizeof *ch);
    CALL(check_width(k, where));
    int n = 1 << (2 * k);
    double sum = 0;
    for (int i = 0; i < n; i++) {
        CALL(check_probability(probs[i], 1, where, "Pauli probability"));
        sum += probs[i];
    }
    if (fabs(sum - 1) > 1e-10)
        return tn_fail(TN_ERR_INPUT, "%s: Pauli probabilities sum to %.12g, not 1", where, sum);
    ch->probs = tn_malloc((size_t)n * sizeof(double));
    if (!ch->probs) return TN_ERR_MEMORY;
    memcpy(ch->probs, probs, (size_t)n * sizeof(double));
    ch->kind = CHANNEL_PAULI;
    ch->nqubits = k;
    ch->nops = n;
    ch->is_identity = probs[0] >= 1;
    return TN_OK;
}

int channel_depolarizing(int k, double p, const char *where, channel *ch)
{
    memset(ch, 0, sizeof *ch);
    CALL(check_width(k, where));
    int n = 1 << (2 * k);
    CALL(check_probability(p, (double)n / (n - 1), where, "depolarizing parameter"));
    double probs[1 << (2 * CHANNEL_MAX_QUBITS)];
    for (int i = 0; i < n; i++) probs[i] = p / n;
    probs[0] = 1 - p * (n - 1) / n;
    return channel_pauli(k, probs, where, ch);
}

int channel_phase_damping(double lambda, const char *where, channel *ch)
{
    memset(ch, 0, sizeof *ch);
    CALL(check_probability(lambda, 1, where, "phase damping lambda"));
    double pz = (1 - sqrt(1 - lambda)) / 2;   /* (1-2pz) = sqrt(1-lambda) */
    double probs[4] = {1 - pz, 0, 0, pz};
    return channel_pauli(1, probs, where, ch);
}

/* Stores nops 2x2 Kraus operators as a one-qubit Kraus channel. */
static int kraus1(int nops, const double complex (*k)[4], channel *ch)
{
    ch->ops = tn_malloc((size_t)nops * 4 * sizeof(double complex));
    if (!ch->ops) return TN_ERR_MEMORY;
    memcpy(ch->ops, k, (size_t)nops * 4 * sizeof(double complex));
    ch->kind = CHANNEL_KRAUS;
    ch->nqubits = 1;
    ch->nops = nops;
    return TN_OK;
}

int channel_amplitude_damping(double gamma, const char *where, channel *ch)
{
    memset(ch, 0, sizeof *ch);
    CALL(check_probability(gamma, 1, where, "amplitude damping gamma"));
    const double complex k[2][4] = {{1, 0, 0, sqrt(1 - gamma)}, {0, sqrt(gamma), 0, 0}};
    CALL(kraus1(2, k, ch));
    ch->is_identity = gamma == 0;
    return TN_OK;
}

int channel_thermal(double t1, double t2, double time, const char *where, channel *ch)
{
    memset(ch, 0, sizeof *ch);
    if (!(t1 > 0) || !isfinite(t1)) return tn_fail(TN_ERR_INPUT, "%s: T1 %g is not a positive time", where, t1);
    if (!(t2 > 0) || !isfinite(t2)) return tn_fail(TN_ERR_INPUT, "%s: T2 %g is not a positive time", where, t2);
    if (t2 > 2 * t1 * (1 + 1e-12))
        return tn_fail(TN_ERR_INPUT, "%s: T2 %g exceeds 2 T1 = %g (no physical channel has it)", where, t2, 2 * t1);
    if (!(time >= 0) || !isfinite(time))
        return tn_fail(TN_ERR_INPUT, "%s: duration %g is not a time >= 0", where, time);
    double gamma = 1 - exp(-time / t1);
    /* amplitude damping leaves coherence sqrt(1-gamma) = exp(-t/2T1); pure
     * dephasing makes up the rest to exp(-t/T2): Z with probability pz */
    double extra = exp(-time / t2) / sqrt(1 - gamma);
    if (extra > 1) extra = 1;
    double pz = (1 - extra) / 2, a = sqrt(1 - pz), b = sqrt(pz), s = sqrt(1 - gamma), g = sqrt(gamma);
    const double complex k[4][4] = {{a, 0, 0, a * s}, {0, a * g, 0, 0}, {b, 0, 0, -b * s}, {0, b * g, 0, 0}};
    CALL(kraus1(4, k, ch));
    ch->is_identity = time == 0;
    return TN_OK;
}

/* out = a^dagger b for d x d row-major matrices. */
static void adjoint_times(int d, const double complex *a, const double complex *b, double complex *out)
{
    for (int i = 0; i < d; i++)
        for (int j = 0; j < d; j++) {
            double complex s = 0;
            for (int r = 0; r < d; r++) s += conj(a[(size_t)r * d + i]) * b[(size_t)r * d + j];
            out[(size_t)i * d + j] = s;
        }
}

/* If K^dagger K = c I, returns c; else -1. */
static double unitary_weight(int d, const double complex *k, double complex *tmp)
{
    adjoint_times(d, k, k, tmp);
    double c = creal(tmp[0]);
    for (int i = 0; i < d; i++)
        for (int j = 0; j < d; j++)
            if (cabs(tmp[(size_t)i * d + j] - (i == j ? c : 0)) > 1e-12) return -1;
    return c;
}

int channel_kraus(int k, int nops, const double complex *ops, const char *where, channel *ch)
{
    memset(ch, 0, sizeof *ch);
    CALL(check_width(k, where));
    if (nops < 1) return tn_fail(TN_ERR_INPUT, "%s: a Kraus channel needs at least one operator", where);
    int d = 1 << k;
    size_t dd = (size_t)d * d;
    double complex *sum = tn_calloc(dd, sizeof *sum), *tmp = tn_malloc(dd * sizeof *tmp);
    ch->ops = tn_malloc((size_t)nops * dd * sizeof(double complex));
    ch->probs = tn_malloc((size_t)nops * sizeof(double));
    if (!sum || !tmp || !ch->ops || !ch->probs) {
        free(sum); free(tmp); channel_free(ch);
        return TN_ERR_MEMORY;
    }
    int status = TN_OK, mixed = 1;
    for (int i = 0; i < nops && status == TN_OK; i++) {
        const double complex *op = ops + (size_t)i * dd;
        for (size_t e = 0; e < dd; e++)
            if (!isfinite(creal(op[e])) || !isfinite(cimag(op[e])))
                status = tn_fail(TN_ERR_INPUT, "%s: Kraus operator %d has a non-finite entry", where, i);
        adjoint_times(d, op, op, tmp);
        for (size_t e = 0; e < dd; e++) sum[e] += tmp[e];
        double c = unitary_weight(d, op, tmp);
        if (c < 0) mixed = 0;
        ch->probs[i] = c;
    }
    double worst = 0;
    for (int i = 0; i < d; i++)
        for (int j = 0; j < d; j++) {
            double dev = cabs(sum[(size_t)i * d + j] - (i == j ? 1 : 0));
            if (dev > worst) worst = dev;
        }
    if (status == TN_OK && !(worst <= CHANNEL_CPTP_TOL))
        status = tn_fail(TN_ERR_INPUT, "%s: the Kraus operators are not trace preserving: "
                         "sum K^dagger K differs from I by %.3g (tolerance %g)", where, worst, CHANNEL_CPTP_TOL);
    free(sum);
    free(tmp);
    if (status != TN_OK) { channel_free(ch); return status; }
    memcpy(ch->ops, ops, (size_t)nops * dd * sizeof(double complex));
    ch->nqubits = k;
    ch->nops = nops;
    if (mixed) {
        ch->kind = CHANNEL_MIXED_UNITARY;
        for (int i = 0; i < nops; i++) {
            double scale = ch->probs[i] > 0 ? 1 / sqrt(ch->probs[i]) : 0;
            for (size_t e = 0; e < dd; e++) ch->ops[(size_t)i * dd + e] *= scale;
        }
    } else {
        ch->kind = CHANNEL_KRAUS;
        free(ch->probs);
        ch->probs = NULL;
    }
    return TN_OK;
}

int channel_kraus_ops(const channel *ch, double complex **ops, int *nops)
{
    int k = ch->nqubits, d = 1 << k;
    size_t dd = (size_t)d * d;
    *nops = ch->nops;
    *ops = tn_calloc((size_t)ch->nops * dd, sizeof(double complex));
    if (!*ops) return TN_ERR_MEMORY;
    for (int i = 0; i < ch->nops; i++) {
        double complex *out = *ops + (size_t)i * dd;
        if (ch->kind == CHANNEL_KRAUS) {
            memcpy(out, ch->ops + (size_t)i * dd, dd * sizeof *out);
        } else if (ch->kind == CHANNEL_MIXED_UNITARY) {
            for (size_t e = 0; e < dd; e++) out[e] = sqrt(ch->probs[i]) * ch->ops[(size_t)i * dd + e];
        } else {                           /* tensor product of the string's letters */
            out[0] = sqrt(ch->probs[i]);
            int dim = 1;
            for (int j = 0; j < k; j++) {
                double complex p[4], next[64];
                channel_pauli_matrix((i >> (2 * (k - 1 - j))) & 3, p);
                for (int r = 0; r < dim; r++)
                    for (int c = 0; c < dim; c++)
                        for (int a = 0; a < 2; a++)
                            for (int b = 0; b < 2; b++)
                                next[(size_t)(2 * r + a) * 2 * dim + 2 * c + b] = out[(size_t)r * dim + c] * p[2 * a + b];
                dim *= 2;
                memcpy(out, next, (size_t)dim * dim * sizeof *out);
            }
        }
    }
    return TN_OK;
}

int channel_mix_identity(channel *ch, double lambda, const char *where)
{
    CALL(check_probability(lambda, 1, where, "noise scale for a general channel"));
    if (ch->kind == CHANNEL_PAULI) {
        for (int i = 1; i < ch->nops; i++) ch->probs[i] *= lambda;
        double rest = 0;
        for (int i = 1; i < ch->nops; i++) rest += ch->probs[i];
        ch->probs[0] = 1 - rest;
        ch->is_identity = rest == 0;
        return TN_OK;
    }
    double complex *ops;
    int nops, k = ch->nqubits, d = 1 << k;
    size_t dd = (size_t)d * d;
    CALL(channel_kraus_ops(ch, &ops, &nops));
    double complex *all = tn_calloc((size_t)(nops + 1) * dd, sizeof *all);
    if (!all) { free(ops); return TN_ERR_MEMORY; }
    for (int i = 0; i < d; i++) all[(size_t)i * d + i] = sqrt(1 - lambda);
    for (size_t e = 0; e < (size_t)nops * dd; e++) all[dd + e] = sqrt(lambda) * ops[e];
    channel mixed;
    int status = channel_kraus(k, nops + 1, all, where, &mixed);
    free(ops);
    free(all);
    if (status != TN_OK) return status;
    mixed.is_identity = lambda == 0;
    channel_free(ch);
    *ch = mixed;
    return TN_OK;
}

double channel_process_fidelity(const channel *ch)
{
    if (ch->kind == CHANNEL_PAULI) return ch->probs[0];
    int d = 1 << ch->nqubits;
    size_t dd = (size_t)d * d;
    double sum = 0;
    for (int i = 0; i < ch->nops; i++) {
        double complex tr = 0;
        for (int j = 0; j < d; j++) tr += ch->ops[(size_t)i * dd + (size_t)j * d + j];
        double w = ch->kind == CHANNEL_MIXED_UNITARY ? ch->probs[i] : 1;
        sum += w * creal(tr * conj(tr));
    }
    return sum / ((double)d * d);
}

double channel_average_fidelity(const channel *ch)
{
    double d = (double)(1 << ch->nqubits);
    return (d * channel_process_fidelity(ch) + 1) / (d + 1);
}
