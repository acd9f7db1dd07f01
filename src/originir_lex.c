/* originir_lex.c - the OriginIR lexer: the text cut into tokens with line
 * and column, end-of-line tokens (OriginIR is line-oriented), comments
 * skipped (see originir_lex.h). Not for: statements (originir.c). */
#include "originir_lex.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "input.h"

int originir_vfail(const char *file, int line, int col, const char *fmt, va_list ap)
{
    char what[512];
    vsnprintf(what, sizeof what, fmt, ap);
    return tn_fail(TN_ERR_INPUT, "%s:%d:%d: error: %s", file, line, col, what);
}

int originir_fail_at(const char *file, int line, int col, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int status = originir_vfail(file, line, col, fmt, ap);
    va_end(ap);
    return status;
}

static int push_token(token_list *tl, token t)
{
    CALL(tn_grow((void **)&tl->toks, &tl->cap, tl->ntoks, sizeof t, 1024));
    tl->toks[tl->ntoks++] = t;
    return TN_OK;
}

/* A number token at p (a malformed one such as 1.2.3 or 12abc is an error). */
static int lex_number(token_list *tl, const char *p, const char *end, token *t)
{
    t->kind = T_NUM;
    int is_real;
    t->len = input_scan_number(p, end, &is_real);
    t->is_int = !is_real;
    const char *q = p + t->len;
    if (q < end && (isalnum((unsigned char)*q) || *q == '_' || *q == '.')) {
        while (q < end && (isalnum((unsigned char)*q) || *q == '_' || *q == '.')) q++;
        return originir_fail_at(tl->name, t->line, t->col, "malformed number '%.*s'", (int)(q - p) < 40 ? (int)(q - p) : 40, p);
    }
    char buf[64];
    int n = t->len < 63 ? t->len : 63;
    memcpy(buf, p, (size_t)n);
    buf[n] = '\0';
    t->value = strtod(buf, NULL);
    return TN_OK;
}

/* Skips a comment at *p (// to the end of the line, or a block comment);
 * returns 1 if there was one. */
static int skip_comment(token_list *tl, const char **p, const char *end, int *line, int *col, int *status)
{
    const char *s = *p;
    if (s + 1 >= end || s[0] != '/' || (s[1] != '/' && s[1] != '*')) return 0;
    if (s[1] == '/') {
        while (s < end && *s != '\n') s++;
        *p = s;
        return 1;
    }
    int l0 = *line, c0 = *col;
    s += 2;
    *col += 2;
    while (s + 1 < end && !(s[0] == '*' && s[1] == '/')) {
        if (*s == '\n') { (*line)++; *col = 1; } else (*col)++;
        s++;
    }
    if (s + 1 >= end) *status = originir_fail_at(tl->name, l0, c0, "unterminated comment");
    *p = s + 2;
    *col += 2;
    return 1;
}

int originir_tokenize(token_list *tl, size_t len)
{
    const char *p = tl->text + input_bom_length(tl->text, len), *end = tl->text + len;
    int line = 1, col = 1;
    while (p < end) {
        char ch = *p;
        token t = {0};
        t.line = line;
        t.col = col;
        t.text = p;
        if (ch == '\n') {
            t.kind = T_EOL;
            t.len = 1;
            CALL(push_token(tl, t));
            line++; col = 1; p++;
            continue;
        }
        if (ch == ' ' || ch == '\t' || ch == '\r' || ch == '\f' || ch == '\v') { p++; col++; continue; }
        int status = TN_OK;
        if (skip_comment(tl, &p, end, &line, &col, &status)) {
            CALL(status);
            continue;
        }
        if (isalpha((unsigned char)ch) || ch == '_') {
            const char *q = p;
            while (q < end && (isalnum((unsigned char)*q) || *q == '_')) q++;
            t.kind = T_ID;
            t.len = (int)(q - p);
        } else if (isdigit((unsigned char)ch) || (ch == '.' && p + 1 < end && isdigit((unsigned char)p[1]))) {
            CALL(lex_number(tl, p, end, &t));
        } else if (strchr(",()[]+-*/=<>!&|", ch) && ch != '\0') {
            t.kind = T_PUNCT;
            t.len = 1;
        } else if (isprint((unsigned char)ch)) {
            return originir_fail_at(tl->name, line, col, "unexpected character '%c'", ch);
        } else {
            return originir_fail_at(tl->name, line, col, "unexpected byte 0x%02x", (unsigned char)ch);
        }
        p += t.len;
        col += t.len;
        CALL(push_token(tl, t));
    }
    token t = {0};
    t.kind = T_END;
    t.line = line;
    t.col = col;
    t.text = "";
    return push_token(tl, t);
}
