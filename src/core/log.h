/* Logging to stderr, which both lighttpd and Apache send to their error log.
 * Messages never carry secrets or personal data: callers log causes, not
 * values. Control characters are escaped so a message cannot forge lines. */
#ifndef NXM_CORE_LOG_H
#define NXM_CORE_LOG_H

#include <stddef.h>

enum nxm_log_level {
	NXM_LOG_ERROR = 0,
	NXM_LOG_WARN,
	NXM_LOG_INFO,
	NXM_LOG_DEBUG,
};

void nxm_log_init(const char *program, enum nxm_log_level level);
void nxm_log_set_level(enum nxm_log_level level);
enum nxm_log_level nxm_log_get_level(void);
/* Accepts error, warn, warning, info, debug. Returns -1 for anything else. */
int nxm_log_level_parse(const char *s, enum nxm_log_level *out);
void nxm_log(enum nxm_log_level level, const char *func, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

/* A last look at each message before it is written: fn writes the text to
 * log into out (a message of a request whose answer is filtered for
 * personal data is filtered alike); -1 withholds the message. NULL fn: none.
 * Set and cleared by the program around one request. */
struct nxm_buf;
typedef int nxm_log_filter_fn(void *arg, const char *msg, size_t len, struct nxm_buf *out);
void nxm_log_set_filter(nxm_log_filter_fn *fn, void *arg);

#define nxm_log_err(...)   nxm_log(NXM_LOG_ERROR, __func__, __VA_ARGS__)
#define nxm_log_warn(...)  nxm_log(NXM_LOG_WARN, __func__, __VA_ARGS__)
#define nxm_log_info(...)  nxm_log(NXM_LOG_INFO, __func__, __VA_ARGS__)
#define nxm_log_debug(...) nxm_log(NXM_LOG_DEBUG, __func__, __VA_ARGS__)

#endif
