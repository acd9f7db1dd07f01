/* exact.h - sums of doubles whose bits do not depend on the order of the terms.
 *
 * Floating-point addition is not associative: a total accumulated on one
 * rank, or on two ranks and then combined, differs in its last digits. The
 * running totals tnemu reports (discarded weight, log of the fidelity
 * estimate, means over shots) are therefore kept in fixed point: each term
 * is rounded once to a multiple of 2^-TN_EXACT_FRAC_BITS and the multiples
 * are added as 128-bit integers, which is exact and associative. Any
 * partition of the terms over ranks, threads or checkpoints gives the same
 * bits. Resolution 2^-80 (8.3e-25) per term; totals up to 2^46 (7e13) in
 * magnitude; terms beyond are clamped (a log-fidelity of -7e13 is zero).
 * Not for: sums whose terms need relative precision below 1e-24. */
#ifndef TN_EXACT_H
#define TN_EXACT_H

#include <math.h>

#define TN_EXACT_FRAC_BITS 80
#define TN_EXACT_MAX_TERM 7.0e13

typedef struct {
    __int128 units;   /* the total in units of 2^-TN_EXACT_FRAC_BITS */
} tn_exact;

static inline tn_exact tn_exact_zero(void)
{
    tn_exact s = {0};
    return s;
}

/* Adds x (rounded to the nearest unit; NaN counts as 0, +-inf as the clamp). */
static inline void tn_exact_add(tn_exact *s, double x)
{
    if (x != x) return;
    if (x > TN_EXACT_MAX_TERM) x = TN_EXACT_MAX_TERM;
    if (x < -TN_EXACT_MAX_TERM) x = -TN_EXACT_MAX_TERM;
    s->units += (__int128)nearbyint(ldexp(x, TN_EXACT_FRAC_BITS));
}

static inline void tn_exact_merge(tn_exact *s, tn_exact other) { s->units += other.units; }

/* The total, correctly rounded to a double. */
static inline double tn_exact_value(tn_exact s) { return ldexp((double)s.units, -TN_EXACT_FRAC_BITS); }

#endif
