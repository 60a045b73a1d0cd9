#include "autoconfig.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/log.h"
#include "core/util.h"

static const char *log_program = "nexmcp";
static enum nxm_log_level log_level = NXM_LOG_INFO;

static const char *const level_names[] = {"error", "warn", "info", "debug"};
static nxm_log_filter_fn *log_filter;
static void *log_filter_arg;
static bool log_filtering; /* a message logged by the filter itself goes out as it is */

void
nxm_log_set_filter(nxm_log_filter_fn *fn, void *arg)
{
	log_filter = fn;
	log_filter_arg = arg;
}

void
nxm_log_init(const char *program, enum nxm_log_level level)
{
	log_program = program;
	log_level = level;
}

void
nxm_log_set_level(enum nxm_log_level level)
{
	log_level = level;
}

enum nxm_log_level
nxm_log_get_level(void)
{
	return log_level;
}

int
nxm_log_level_parse(const char *s, enum nxm_log_level *out)
{
	for (size_t i = 0; i < NXM_ARRAY_LEN(level_names); i++) {
		if (nxm_str_ieq(s, level_names[i])) {
			*out = (enum nxm_log_level)i;
			return 0;
		}
	}
	if (nxm_str_ieq(s, "warning")) {
		*out = NXM_LOG_WARN;
		return 0;
	}
	return -1;
}

void
nxm_log(enum nxm_log_level level, const char *func, const char *fmt, ...)
{
	char msg[1024], line[2048];
	size_t o = 0;
	va_list ap;
	int n;

	if (level > log_level)
		return;
	va_start(ap, fmt);
	n = vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if (log_filter != NULL && !log_filtering) {
		struct nxm_buf out = {0};
		log_filtering = true;
		if (log_filter(log_filter_arg, msg, strnlen(msg, sizeof(msg)), &out) == -1 ||
		    out.data == NULL)
			snprintf(msg, sizeof(msg), "(a message that could not be checked for "
			                           "personal data is withheld)");
		else
			snprintf(msg, sizeof(msg), "%.*s", (int)out.len, (const char *)out.data);
		log_filtering = false;
		nxm_buf_free(&out);
	}
	n = snprintf(line, sizeof(line), "%s[%ld]: %s: %s: ", log_program, (long)getpid(),
	             level_names[level], func);
	if (n < 0 || (size_t)n >= sizeof(line))
		return;
	o = (size_t)n;
	for (const unsigned char *p = (const unsigned char *)msg; *p != '\0'; p++) {
		if (o + 5 >= sizeof(line))
			break;
		if (*p < 0x20 || *p == 0x7f) {
			o += (size_t)snprintf(line + o, sizeof(line) - o, "\\x%02x", *p);
			continue;
		}
		line[o++] = (char)*p;
	}
	line[o++] = '\n';
	/* One write per line, so lines from concurrent processes do not mix. */
	if (write(STDERR_FILENO, line, o) < 0)
		return;
}
