/* report.c - finds and runs the plotting scripts (report.h). */
#include "report.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "error.h"

int report_find_script(const char *name, char *out, size_t size)
{
    const char *env = getenv("TNEMU_SCRIPTS");
    if (env) { snprintf(out, size, "%s/%s", env, name); return access(out, R_OK) == 0; }
    char exe[4096];
    ssize_t len = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (len <= 0) return 0;
    exe[len] = '\0';
    char *slash = strrchr(exe, '/');
    if (slash) *slash = '\0';
    /* installed: PREFIX/bin/tnemu -> PREFIX/share/tnemu (make install), first, so
     * that no stray PREFIX/scripts is taken; a checkout: bin/ or build/ -> scripts/,
     * build/tests/ -> scripts/ */
    const char *tries[] = {"%s/../share/tnemu/%s", "%s/../scripts/%s", "%s/../../scripts/%s"};
    for (size_t i = 0; i < sizeof tries / sizeof *tries; i++) {
        snprintf(out, size, tries[i], exe, name);
        if (access(out, R_OK) == 0) return 1;
    }
    return 0;
}

int report_run_script(const char *name, const char *what, const char *arg1, const char *arg2)
{
    char script[4096];
    if (!report_find_script(name, script, sizeof script))
        return tn_fail(TN_ERR_WRITE, "%s: helper script %s not found in $TNEMU_SCRIPTS, nor in share/tnemu/ or "
                       "scripts/ beside the executable's folder (make install puts it in PREFIX/share/tnemu)",
                       what, name);
    const char *python = getenv("TNEMU_PYTHON") ? getenv("TNEMU_PYTHON") : "/usr/bin/python3";
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) return tn_fail(TN_ERR_WRITE, "%s: cannot start %s: %s", what, python, strerror(errno));
    if (pid == 0) {
        execl(python, python, script, arg1, arg2, (char *)NULL);
        fprintf(stderr, "tnemu: %s: cannot run %s: %s\n", what, python, strerror(errno));
        _exit(127);
    }
    int ws = 0;
    while (waitpid(pid, &ws, 0) < 0 && errno == EINTR) {}
    if (!WIFEXITED(ws) || WEXITSTATUS(ws) != 0)
        return tn_fail(TN_ERR_WRITE, "%s: the plot script %s failed (needs %s with matplotlib: "
                       "apt-get install python3-matplotlib)", what, script, python);
    return TN_OK;
}
