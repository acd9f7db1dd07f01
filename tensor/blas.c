/* blas.c - BLAS runs on one thread unless TNEMU_BLAS_THREADS says otherwise,
 * and which OpenBLAS kernels the CPU allows (blas.h). */
#include "blas.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void openblas_set_num_threads(int num_threads);
char *openblas_get_corename(void);

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

/* OpenBLAS's x86-64 kernels, slowest first, with what each needs of the CPU. */
static int kernel_rank(const char *name)
{
    static const char *const order[] = {"Prescott", "Core2", "Penryn", "Dunnington", "Nehalem", "Sandybridge",
                                        "Haswell", "Zen", "SkylakeX", "Cooperlake", "SapphireRapids"};
    for (size_t i = 0; i < sizeof order / sizeof *order; i++)
        if (strcmp(name, order[i]) == 0) return (int)i;
    return -1;   /* not one of these: leave it alone */
}

const char *tn_blas_better_core(void)
{
    const char *keep = getenv("TNEMU_BLAS_CORE");
    if (getenv("OPENBLAS_CORETYPE") || (keep && strcmp(keep, "keep") == 0)) return NULL;
#if defined(__x86_64__) && defined(__GNUC__)
    const char *have = openblas_get_corename();
    if (!have) return NULL;
    const char *want = NULL;
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512bw") &&
        __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512cd"))
        want = "SkylakeX";
    else if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
        want = "Haswell";
    else if (__builtin_cpu_supports("avx"))
        want = "Sandybridge";
    /* only where OpenBLAS fell back to its pre-AVX kernels (it did not know the model); a
     * model it knows keeps its own choice (Zen on an AMD CPU with AVX-512, say) */
    int now = kernel_rank(have);
    return want && now >= 0 && now < kernel_rank("Sandybridge") ? want : NULL;
#else
    return NULL;
#endif
}

void tn_blas_use_fastest(char **argv)
{
    const char *core = tn_blas_better_core();
    if (!core || setenv("OPENBLAS_CORETYPE", core, 1) != 0) return;
    execv("/proc/self/exe", argv);
    unsetenv("OPENBLAS_CORETYPE");   /* could not start again: OpenBLAS's choice stands */
}
