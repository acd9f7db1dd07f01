/* report.c - finds and runs the plotting scripts, and writes report
 * directories all or nothing (report.h). */
#include "report.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "error.h"
#include "result.h"

#define SCRIPT_STDERR_KEPT 8192 /* bytes of a script's stderr kept for its last line */

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

/* Reads fd to its end, keeping the last SCRIPT_STDERR_KEPT bytes in buf. */
static size_t read_tail(int fd, char *buf)
{
    size_t len = 0;
    char chunk[1024];
    ssize_t got;
    while ((got = read(fd, chunk, sizeof chunk)) != 0) {
        if (got < 0) {
            if (errno == EINTR) continue;
            break;
        }
        if (len + (size_t)got > SCRIPT_STDERR_KEPT) {
            size_t drop = len + (size_t)got - SCRIPT_STDERR_KEPT;
            if (drop > len) drop = len;
            memmove(buf, buf + drop, len - drop);
            len -= drop;
        }
        size_t take = (size_t)got > SCRIPT_STDERR_KEPT ? SCRIPT_STDERR_KEPT : (size_t)got;
        memcpy(buf + len, chunk + got - take, take);
        len += take;
    }
    buf[len] = '\0';
    return len;
}

/* The last non-empty line of text (modified in place). */
static const char *last_line(char *text)
{
    size_t len = strlen(text);
    while (len && (text[len - 1] == '\n' || text[len - 1] == '\r' || text[len - 1] == ' ')) text[--len] = '\0';
    char *nl = strrchr(text, '\n');
    return nl ? nl + 1 : text;
}

int report_run_script(const char *name, const char *what, const char *arg1, const char *arg2)
{
    char script[4096];
    if (!report_find_script(name, script, sizeof script))
        return tn_fail(TN_ERR_WRITE, "%s: helper script %s not found in $TNEMU_SCRIPTS, nor in share/tnemu/ or "
                       "scripts/ beside the executable's folder (make install puts it in PREFIX/share/tnemu)",
                       what, name);
    const char *python = getenv("TNEMU_PYTHON") ? getenv("TNEMU_PYTHON") : "/usr/bin/python3";
    int fds[2];
    if (pipe(fds) != 0) return tn_fail(TN_ERR_WRITE, "%s: cannot start %s: %s", what, python, strerror(errno));
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        close(fds[0]);
        close(fds[1]);
        return tn_fail(TN_ERR_WRITE, "%s: cannot start %s: %s", what, python, strerror(errno));
    }
    if (pid == 0) {
        dup2(fds[1], STDERR_FILENO);
        close(fds[0]);
        close(fds[1]);
        execl(python, python, script, arg1, arg2, (char *)NULL);
        fprintf(stderr, "cannot run %s: %s\n", python, strerror(errno));
        _exit(127);
    }
    close(fds[1]);
    char *err = tn_malloc(SCRIPT_STDERR_KEPT + 1);
    if (err) read_tail(fds[0], err);
    else { char sink[1024]; while (read(fds[0], sink, sizeof sink) > 0) {} }
    close(fds[0]);
    int ws = 0;
    while (waitpid(pid, &ws, 0) < 0 && errno == EINTR) {}
    int status = TN_OK;
    if (!WIFEXITED(ws) || WEXITSTATUS(ws) != 0) {
        const char *trace = getenv("TNEMU_TRACE");
        if (err && trace && strcmp(trace, "1") == 0) fputs(err, stderr);
        const char *reason = err ? last_line(err) : "";
        /* the script says why, and only it knows whether matplotlib was missing */
        if (*reason)
            status = tn_fail(TN_ERR_INTERNAL, "%s: %s failed: %s", what, name, reason);
        else if (WIFEXITED(ws))
            status = tn_fail(TN_ERR_INTERNAL, "%s: %s failed with exit status %d", what, name, WEXITSTATUS(ws));
        else
            status = tn_fail(TN_ERR_INTERNAL, "%s: %s was killed by signal %d", what, name, WTERMSIG(ws));
    }
    free(err);
    return status;
}

/* ---- report directories, all or nothing ------------------------------------ */

int report_check_dir(const char *dir, const char *what)
{
    struct stat st;
    if (stat(dir, &st) == 0 && !S_ISDIR(st.st_mode))
        return tn_fail(TN_ERR_USAGE, "%s: %s exists and is not a directory", what, dir);
    return TN_OK;
}

/* Removes the files in dir, then dir (one level: a staging directory). */
static void remove_staging(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    char path[8800];
    while (d && (e = readdir(d))) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        unlink(path);
    }
    if (d) closedir(d);
    rmdir(dir);
}

/* Moves the staged files (not hidden temporaries) into an existing dir. */
static int publish_into(const char *stage, const char *dir, const char *what)
{
    DIR *d = opendir(stage);
    if (!d) return tn_fail(TN_ERR_WRITE, "%s: cannot read %s: %s", what, stage, strerror(errno));
    struct dirent *e;
    char from[8800], to[8800];
    int status = TN_OK;
    while (status == TN_OK && (e = readdir(d))) {
        if (e->d_name[0] == '.') continue;
        snprintf(from, sizeof from, "%s/%s", stage, e->d_name);
        snprintf(to, sizeof to, "%s/%s", dir, e->d_name);
        if (rename(from, to) != 0)
            status = tn_fail(TN_ERR_WRITE, "%s: cannot write %s: %s", what, to, strerror(errno));
    }
    closedir(d);
    return status;
}

int report_write_dir(const char *dir, const char *json_name, const char *json_text, const char *script,
                     const char *what)
{
    CALL(report_check_dir(dir, what));
    char clean[4096], stage[4200], json_path[4400];
    snprintf(clean, sizeof clean, "%s", dir);
    for (size_t len = strlen(clean); len > 1 && clean[len - 1] == '/';) clean[--len] = '\0';
    snprintf(stage, sizeof stage, "%s.tmp.XXXXXX", clean);
    if (!mkdtemp(stage)) return tn_fail(TN_ERR_WRITE, "%s: cannot create a directory beside %s: %s", what, clean,
                                        strerror(errno));
    mode_t mask = umask(0);
    umask(mask);
    chmod(stage, 0777 & ~mask);
    snprintf(json_path, sizeof json_path, "%s/%s", stage, json_name);
    int status = result_write_text(json_path, json_text);
    if (status == TN_OK) status = report_run_script(script, what, json_path, stage);
    if (status == TN_OK) {
        struct stat st;
        if (stat(clean, &st) != 0) {
            if (rename(stage, clean) != 0)
                status = tn_fail(TN_ERR_WRITE, "%s: cannot create %s: %s", what, clean, strerror(errno));
        } else {
            status = publish_into(stage, clean, what);
        }
    }
    remove_staging(stage);   /* what is left of it: nothing after a rename */
    return status;
}
