/* originir_lex.h - the OriginIR lexer, for the parser in originir.c only:
 * tokens with their line and column (1-based), T_EOL at every newline and
 * one T_END last; // and block comments skipped. */
#ifndef TN_ORIGINIR_LEX_H
#define TN_ORIGINIR_LEX_H

#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <strings.h>

enum originir_tok { T_END, T_EOL, T_ID, T_NUM, T_PUNCT };

typedef struct {
    int kind;
    int line, col;
    const char *text;   /* into the source; not NUL-terminated */
    int len;
    double value;       /* T_NUM */
    int is_int;         /* T_NUM without '.' or exponent */
} token;

/* A file's text and its tokens (toks malloc'd; the caller frees it). */
typedef struct {
    const char *name;              /* file name for messages */
    const char *text;
    token *toks;
    size_t ntoks, cap;
} token_list;

/* Cuts tl->text (len bytes, a BOM skipped) into tl->toks. Returns TN_OK, or
 * TN_ERR_INPUT with "FILE:LINE:COL: error: ..." (a bad character or number,
 * an unterminated comment), or TN_ERR_MEMORY. */
int originir_tokenize(token_list *tl, size_t len);

/* TN_ERR_INPUT with the message "FILE:LINE:COL: error: WHAT". */
int originir_fail_at(const char *file, int line, int col, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
int originir_vfail(const char *file, int line, int col, const char *fmt, va_list ap);

static inline int tok_is(const token *t, const char *s)
{
    return (t->kind == T_ID || t->kind == T_PUNCT) && (int)strlen(s) == t->len && memcmp(t->text, s, (size_t)t->len) == 0;
}

/* Keywords and built-in gate names are matched without regard to case
 * (QPanda writes RPhi, its documents RPHI). */
static inline int tok_keyword(const token *t, const char *s)
{
    return t->kind == T_ID && (int)strlen(s) == t->len && strncasecmp(t->text, s, (size_t)t->len) == 0;
}

#endif
