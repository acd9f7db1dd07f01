/* blas.c - BLAS runs on one thread unless TNEMU_BLAS_THREADS says otherwise (blas.h). */
#include "blas.h"

#include <stdlib.h>

void openblas_set_num_threads(int num_threads);

int tn_blas_threads_init(void)
{
    static int threads;
    if (threads) return threads;
    const char *env = getenv("TNEMU_BLAS_THREADS");
    long v = 1;
    if (env) {
        char *end;
        v = strtol(env, &end, 10);
        if (end == env || *end != '\0' || v < 1 || v > 1024) {
            openblas_set_num_threads(1);
            return 0;
        }
    }
    threads = (int)v;
    openblas_set_num_threads(threads);
    return threads;
}
