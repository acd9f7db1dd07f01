/* tap.h - a small TAP producer for the C test programs (header only).
 * plan_tests / ok / is_int / is_double / is_complex / skip / done_testing:
 * each comparison prints both sides on failure. */
#ifndef TN_TAP_H
#define TN_TAP_H

#include <complex.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>

static int tap_count, tap_failed;

static void tap_line(int pass, const char *fmt, va_list ap)
{
    tap_count++;
    if (!pass) tap_failed++;
    printf("%sok %d - ", pass ? "" : "not ", tap_count);
    vprintf(fmt, ap);
    printf("\n");
    fflush(stdout);
}

static int ok(int pass, const char *fmt, ...) __attribute__((format(printf, 2, 3), unused));
static int ok(int pass, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    tap_line(pass, fmt, ap);
    va_end(ap);
    return pass;
}

static int is_int(long got, long want, const char *fmt, ...) __attribute__((format(printf, 3, 4), unused));
static int is_int(long got, long want, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    tap_line(got == want, fmt, ap);
    va_end(ap);
    if (got != want) printf("# got %ld want %ld\n", got, want);
    return got == want;
}

static int is_double(double got, double want, double tol, const char *fmt, ...)
    __attribute__((format(printf, 4, 5), unused));
static int is_double(double got, double want, double tol, const char *fmt, ...)
{
    int pass = fabs(got - want) <= tol;
    va_list ap;
    va_start(ap, fmt);
    tap_line(pass, fmt, ap);
    va_end(ap);
    if (!pass) printf("# got %.17g want %.17g (tolerance %g)\n", got, want, tol);
    return pass;
}

static int is_complex(double complex got, double complex want, double tol, const char *fmt, ...)
    __attribute__((format(printf, 4, 5), unused));
static int is_complex(double complex got, double complex want, double tol, const char *fmt, ...)
{
    int pass = cabs(got - want) <= tol;
    va_list ap;
    va_start(ap, fmt);
    tap_line(pass, fmt, ap);
    va_end(ap);
    if (!pass) printf("# got %.17g%+.17gi want %.17g%+.17gi\n", creal(got), cimag(got), creal(want), cimag(want));
    return pass;
}

static void skip(const char *fmt, ...) __attribute__((format(printf, 1, 2), unused));
static void skip(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    tap_count++;
    printf("ok %d # SKIP ", tap_count);
    vprintf(fmt, ap);
    printf("\n");
    va_end(ap);
}

static void diag(const char *fmt, ...) __attribute__((format(printf, 1, 2), unused));
static void diag(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    printf("# ");
    vprintf(fmt, ap);
    printf("\n");
    va_end(ap);
}

/* Prints the plan at the end; returns the exit status. */
static int done_testing(void)
{
    printf("1..%d\n", tap_count);
    return tap_failed ? 1 : 0;
}

#endif
