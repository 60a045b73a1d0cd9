/* Small building blocks shared by every module: bounded integer parsing,
 * growable buffers and string helpers. */
#ifndef NXM_CORE_UTIL_H
#define NXM_CORE_UTIL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#define NXM_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* strtonum(3) from OpenBSD: decimal only, whole string, range checked.
 * On failure returns 0 and points *errstr at "invalid", "too small" or
 * "too large"; on success *errstr is NULL. */
long long nxm_strtonum(const char *s, long long min, long long max, const char **errstr);

/* A growable byte buffer that is always NUL-terminated. */
struct nxm_buf {
	char *data;
	size_t len;
	size_t cap;
};

int nxm_buf_append(struct nxm_buf *b, const void *p, size_t n);
int nxm_buf_puts(struct nxm_buf *b, const char *s);
int nxm_buf_printf(struct nxm_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int nxm_buf_vprintf(struct nxm_buf *b, const char *fmt, va_list ap)
        __attribute__((format(printf, 2, 0)));
void nxm_buf_reset(struct nxm_buf *b);
/* Frees the buffer after wiping it: buffers may have carried secrets. */
void nxm_buf_free(struct nxm_buf *b);

/* ASCII case-insensitive comparison, locale independent. */
bool nxm_str_ieq(const char *a, const char *b);
bool nxm_str_has_prefix(const char *s, const char *prefix);
/* strdup of the first n bytes; NULL when out of memory. */
char *nxm_strndup(const char *s, size_t n);
/* write(2) until all n bytes are out, retrying on EINTR; 0 or -1. */
int nxm_write_all(int fd, const void *p, size_t n);
/* Frees a string after wiping it. */
void nxm_str_free_secret(char *s);
/* True when s[0..n) is well-formed UTF-8 without NUL or other C0 controls
 * except tab, CR and LF. */
bool nxm_utf8_valid_text(const unsigned char *s, size_t n);
/* A UTC date or date-time as Nexudus and its clients write it:
 * YYYY-MM-DD, optionally THH:MM[:SS[.fraction]], optionally Z. */
int nxm_time_parse_utc(const char *s, time_t *out);

#endif
