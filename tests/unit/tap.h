/* tap.h - a small TAP producer for the C test programs (header only).
 *
 * plan(n) (optional: without it done_testing() prints the plan at the end),
 * ok, is_int, is_double, is_complex, skip, diag, todo, done_testing. Every
 * comparison prints both sides as "# got ... want ..." when it fails.
 * Every function returns whether the check passed, so a caller can add a
 * diag() with more detail. done_testing() returns the exit status: nonzero
 * if any check failed or the count differs from the plan.
 * Not for: MPI programs that print on one rank only (reduce verdicts first). */
#ifndef TN_TAP_H
#define TN_TAP_H

#include <complex.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>

#define TAP_UNUSED __attribute__((unused))

static int tap_count, tap_failed, tap_planned = -1;
static const char *tap_todo;   /* non-NULL: the following tests are TODO */

/* Prints the plan "1..n" before the first test. */
static TAP_UNUSED void plan(int n)
{
    tap_planned = n;
    printf("1..%d\n", n);
    fflush(stdout);
}

/* Marks the following tests as TODO (a known bug, reason says which) until
 * todo(NULL): TAP reports them but a failure does not fail the program. */
static TAP_UNUSED void todo(const char *reason) { tap_todo = reason; }

static void tap_line(int pass, const char *fmt, va_list ap)
{
    tap_count++;
    if (!pass && !tap_todo) tap_failed++;
    printf("%sok %d - ", pass ? "" : "not ", tap_count);
    vprintf(fmt, ap);
    if (tap_todo) printf(" # TODO %s", tap_todo);
    printf("\n");
    fflush(stdout);
}

static int ok(int pass, const char *fmt, ...) __attribute__((format(printf, 2, 3))) TAP_UNUSED;
static int ok(int pass, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    tap_line(pass, fmt, ap);
    va_end(ap);
    return pass;
}

static int is_int(long got, long want, const char *fmt, ...) __attribute__((format(printf, 3, 4))) TAP_UNUSED;
static int is_int(long got, long want, const char *fmt, ...)
{
    int pass = got == want;
    va_list ap;
    va_start(ap, fmt);
    tap_line(pass, fmt, ap);
    va_end(ap);
    if (!pass) printf("# got %ld want %ld\n", got, want);
    return pass;
}

/* Passes when |got - want| <= tol (a NaN on either side fails). */
static int is_double(double got, double want, double tol, const char *fmt, ...)
    __attribute__((format(printf, 4, 5))) TAP_UNUSED;
static int is_double(double got, double want, double tol, const char *fmt, ...)
{
    int pass = fabs(got - want) <= tol;
    va_list ap;
    va_start(ap, fmt);
    tap_line(pass, fmt, ap);
    va_end(ap);
    if (!pass) printf("# got %.17g want %.17g (difference %.3g, tolerance %.3g)\n", got, want, fabs(got - want), tol);
    return pass;
}

/* Passes when |got - want| <= tol in the complex plane. */
static int is_complex(double complex got, double complex want, double tol, const char *fmt, ...)
    __attribute__((format(printf, 4, 5))) TAP_UNUSED;
static int is_complex(double complex got, double complex want, double tol, const char *fmt, ...)
{
    int pass = cabs(got - want) <= tol;
    va_list ap;
    va_start(ap, fmt);
    tap_line(pass, fmt, ap);
    va_end(ap);
    if (!pass)
        printf("# got %.17g%+.17gi want %.17g%+.17gi (difference %.3g, tolerance %.3g)\n", creal(got), cimag(got),
               creal(want), cimag(want), cabs(got - want), tol);
    return pass;
}

/* Counts one test as skipped, with the reason. */
static void skip(const char *fmt, ...) __attribute__((format(printf, 1, 2))) TAP_UNUSED;
static void skip(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    tap_count++;
    printf("ok %d # SKIP ", tap_count);
    vprintf(fmt, ap);
    printf("\n");
    fflush(stdout);
    va_end(ap);
}

/* A comment line ("# ..."), e.g. the details of a failure. */
static void diag(const char *fmt, ...) __attribute__((format(printf, 1, 2))) TAP_UNUSED;
static void diag(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    printf("# ");
    vprintf(fmt, ap);
    printf("\n");
    fflush(stdout);
    va_end(ap);
}

/* Prints the plan if none was given; returns the exit status (0 if every
 * test passed and the count matches the plan). */
static TAP_UNUSED int done_testing(void)
{
    if (tap_planned < 0) {
        printf("1..%d\n", tap_count);
    } else if (tap_planned != tap_count) {
        printf("# planned %d tests but ran %d\n", tap_planned, tap_count);
        return 1;
    }
    if (tap_failed) printf("# failed %d of %d tests\n", tap_failed, tap_count);
    fflush(stdout);
    return tap_failed ? 1 : 0;
}

#endif
