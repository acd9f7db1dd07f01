/* input.c - whole input files, byte-order marks, JSON and its keys (see input.h). */
#include "input.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "error.h"

#define INPUT_FIRST_CHUNK 65536

const char *input_name(const char *path) { return strcmp(path, "-") == 0 ? "<stdin>" : path; }

/* Opens path, or takes standard input for "-" if allowed. */
static FILE *open_input(const char *path, int allow_stdin)
{
    int from_stdin = allow_stdin && strcmp(path, "-") == 0;
    FILE *f = from_stdin ? stdin : fopen(path, "rb");
    if (!f) return NULL;
    struct stat st;
    if (fstat(fileno(f), &st) == 0 && S_ISDIR(st.st_mode)) {
        if (!from_stdin) fclose(f);
        errno = EISDIR;
        return NULL;
    }
    return f;
}

FILE *input_open(const char *path) { return open_input(path, 0); }

/* Its size is not asked: pipes and terminals have none. */
int input_read_stream(FILE *f, const char *name, char **text, size_t *len)
{
    char *buf = NULL;
    size_t used = 0, cap = 0;
    for (;;) {
        if (cap - used < INPUT_FIRST_CHUNK / 2) {
            size_t grown_cap = cap ? 2 * cap : INPUT_FIRST_CHUNK;
            char *grown = grown_cap > cap ? tn_realloc(buf, grown_cap + 1) : NULL;
            if (!grown) { free(buf); return TN_ERR_MEMORY; }
            buf = grown;
            cap = grown_cap;
        }
        size_t got = fread(buf + used, 1, cap - used, f);
        used += got;
        if (got == 0) break;
    }
    if (ferror(f)) {
        int err = errno;
        free(buf);
        if (err == EISDIR) return tn_fail(TN_ERR_INPUT, "%s: %s", name, strerror(err));
        return tn_fail(TN_ERR_IO, "cannot read %s: %s", name, strerror(err));
    }
    buf[used] = '\0';
    *text = buf;
    *len = used;
    return TN_OK;
}

/* Reads PATH whole; an open failure reads "PREFIXcannot open PATH: why", or
 * with quoted set "PREFIXcannot read 'PATH': why" (the JSON readers' words). */
static int read_file(const char *path, const char *prefix, int quoted, int allow_stdin, char **text, size_t *len)
{
    *text = NULL;
    *len = 0;
    FILE *f = open_input(path, allow_stdin);
    if (!f && errno == EISDIR) return tn_fail(TN_ERR_INPUT, "%s%s: %s", prefix, path, strerror(EISDIR));
    if (!f && quoted) return tn_fail(TN_ERR_IO, "%scannot read '%s': %s", prefix, path, strerror(errno));
    if (!f) return tn_fail(TN_ERR_IO, "%scannot open %s: %s", prefix, path, strerror(errno));
    int status = input_read_stream(f, allow_stdin ? input_name(path) : path, text, len);
    if (f != stdin) fclose(f);
    return status;
}

int input_read_file(const char *path, char **text, size_t *len)
{
    return read_file(path, "", 0, 1, text, len);
}

size_t input_bom_length(const char *text, size_t len)
{
    return len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0 ? 3 : 0;
}

int input_load_json(const char *path, size_t flags, const char *what, json_t **root)
{
    *root = NULL;
    char *text, prefix[128] = "";
    size_t len;
    if (what) snprintf(prefix, sizeof prefix, "%s: ", what);
    CALL(read_file(path, prefix, 1, 0, &text, &len));
    size_t bom = input_bom_length(text, len);
    json_error_t err;
    *root = json_loadb(text + bom, len - bom, flags, &err);
    free(text);
    if (!*root) return tn_fail(TN_ERR_INPUT, "%s:%d:%d: error: %s", path, err.line, err.column, err.text);
    return TN_OK;
}

static int is_valid(const char *key, const char *const *valid)
{
    for (; *valid; valid++)
        if (strcmp(key, *valid) == 0) return 1;
    return 0;
}

int input_check_keys(const char *path, const char *where, const json_t *obj, const char *const *valid)
{
    if (!json_is_object(obj)) return TN_OK;
    const char *key;
    json_t *value;
    json_object_foreach((json_t *)obj, key, value) {
        if (is_valid(key, valid)) continue;
        char list[512] = "";
        for (const char *const *v = valid; *v; v++)
            snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s", v == valid ? "" : ", ", *v);
        const char *sep = where && *where ? ": " : "";
        return tn_fail(TN_ERR_INPUT, "%s: %s%sunknown key \"%.80s\" (valid: %s)", path, where ? where : "",
                       sep, key, list);
    }
    return TN_OK;
}

/* Reads a number at p (digits, '.', exponent); returns its length. */
int input_scan_number(const char *p, const char *end, int *is_real)
{
    const char *q = p;
    *is_real = 0;
    while (q < end && isdigit((unsigned char)*q)) q++;
    if (q < end && *q == '.') {
        *is_real = 1;
        q++;
        while (q < end && isdigit((unsigned char)*q)) q++;
    }
    if (q < end && (*q == 'e' || *q == 'E')) {
        const char *r = q + 1;
        if (r < end && (*r == '+' || *r == '-')) r++;
        if (r < end && isdigit((unsigned char)*r)) {
            *is_real = 1;
            q = r;
            while (q < end && isdigit((unsigned char)*q)) q++;
        }
    }
    return (int)(q - p);
}
