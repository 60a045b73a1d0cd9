#include "autoconfig.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <curl/curl.h>
#include <fcgiapp.h>

#include "core/app.h"
#include "core/json.h"
#include "core/log.h"
#include "programs/adapter.h"

extern char **environ;

#define NXM_CGI_DRAIN_MAX (4u * 1024 * 1024)

static volatile sig_atomic_t stopping;

static void
on_term(int sig)
{
	stopping = 1;
	FCGX_ShutdownPending();
}

static ssize_t
fcgi_read(void *ctx, void *buf, size_t n)
{
	int got;

	if (n > INT32_MAX)
		n = INT32_MAX;
	got = FCGX_GetStr(buf, (int)n, ctx);
	return got < 0 ? -1 : got;
}

static ssize_t
stdin_read(void *ctx, void *buf, size_t n)
{
	ssize_t got;

	do
		got = read(STDIN_FILENO, buf, n);
	while (got == -1 && errno == EINTR);
	return got;
}

/* A CGI program that exits before reading its whole body makes Apache fail
 * the request instead of sending our answer (a 413, say), so what is left is
 * read and dropped, up to a bound. */
static void
drain_stdin(void)
{
	char buf[8192];
	size_t total = 0;
	const char *cl = getenv("CONTENT_LENGTH");
	ssize_t n;

	/* Without a body there is nothing to drain, and stdin may be a terminal. */
	if (cl == NULL || *cl == '\0' || strcmp(cl, "0") == 0)
		return;
	while (total < NXM_CGI_DRAIN_MAX && (n = stdin_read(NULL, buf, sizeof(buf))) > 0)
		total += (size_t)n;
}

static int
serve_cgi(const struct nxm_program *prog, struct nxm_app *app)
{
	struct nxm_response resp;
	struct nxm_buf out = {0};
	int rc = 1;

	nxm_program_serve(prog, app, environ, stdin_read, NULL, &resp);
	drain_stdin();
	/* Deferred work runs before the answer here: a CGI process may be
	 * killed as soon as the web server has read it (lighttpd's mod_cgi
	 * does so at end of file, Apache's mod_cgi when the request ends). */
	nxm_response_run_deferred(&resp);
	if (nxm_response_serialize(&resp, &out) == -1 ||
	    nxm_write_all(STDOUT_FILENO, out.data, out.len) == -1)
		nxm_log_err("cannot write the response: %s", strerror(errno));
	else
		rc = 0;
	nxm_buf_free(&out);
	nxm_response_free(&resp);
	return rc;
}

struct deferred {
	nxm_deferred_fn *fn;
	void *arg;
};

static void *
deferred_thread(void *p)
{
	struct deferred *d = p;

	d->fn(d->arg);
	return NULL;
}

static int
serve_fcgi(const struct nxm_program *prog, struct nxm_app *app)
{
	struct sigaction sa;
	FCGX_Request rq;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_term;
	sigemptyset(&sa.sa_mask);
	/* No SA_RESTART: a signal must interrupt accept() so the loop ends. */
	if (sigaction(SIGTERM, &sa, NULL) == -1 || sigaction(SIGINT, &sa, NULL) == -1 ||
	    sigaction(SIGUSR1, &sa, NULL) == -1) {
		nxm_log_err("sigaction: %s", strerror(errno));
		return 1;
	}
	if (FCGX_Init() != 0 || FCGX_InitRequest(&rq, 0, FCGI_FAIL_ACCEPT_ON_INTR) != 0) {
		nxm_log_err("cannot initialise libfcgi");
		return 1;
	}
	while (!stopping && FCGX_Accept_r(&rq) >= 0) {
		struct nxm_response resp;
		struct nxm_buf out = {0};
		struct deferred d;
		pthread_t tid;
		bool threaded = false;
		int err;

		nxm_program_serve(prog, app, rq.envp, fcgi_read, rq.in, &resp);
		/* Deferred work (recording a page's new tokens) runs beside the
		 * answer going out: the answer does not wait for it, and the
		 * database lock it holds lasts its own length, never as long as
		 * a slow client takes to read. */
		nxm_response_take_deferred(&resp, &d.fn, &d.arg);
		if (d.fn != NULL) {
			if ((err = pthread_create(&tid, NULL, deferred_thread, &d)) == 0)
				threaded = true;
			else {
				nxm_log_warn("no thread for deferred work (%s): running it first",
				             strerror(err));
				d.fn(d.arg);
			}
		}
		if (nxm_response_serialize(&resp, &out) == -1 ||
		    FCGX_PutStr(out.data, (int)out.len, rq.out) != (int)out.len)
			nxm_log_warn("cannot write the response (client gone?)");
		nxm_buf_free(&out);
		FCGX_Finish_r(&rq);
		if (threaded && (err = pthread_join(tid, NULL)) != 0)
			nxm_log_err("pthread_join: %s", strerror(err));
		nxm_response_free(&resp);
	}
	FCGX_Free(&rq, 1);
	return 0;
}

static void
usage(const struct nxm_program *prog)
{
	fprintf(stderr,
	        "usage: %s\n"
	        "A nexmcp FastCGI program: a web server starts it (FastCGI on file\n"
	        "descriptor 0, or plain CGI with the request in its environment).\n"
	        "It reads its configuration from $NEXMCP_CONFIG, else %s.\n",
	        prog->name, NXM_DEFAULT_CONFIG);
}

int
nxm_adapter_main(const struct nxm_program *prog, int argc, char **argv)
{
	struct nxm_app app;
	int rc;

	nxm_log_init(prog->name, NXM_LOG_INFO);
	if (!nxm_json_init())
		nxm_log_warn("this C library cannot size a block: jansson frees without wiping");
	if (argc > 1) {
		usage(prog);
		return strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0 ? 0 : 2;
	}
	signal(SIGPIPE, SIG_IGN);
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		nxm_log_err("curl_global_init failed");
		return 1;
	}
	/* A broken configuration still serves: each request gets a 503 and the
	 * log says why, instead of the server restarting us in a loop. */
	nxm_app_open(&app, nxm_config_default_path(), prog->needs);
	rc = FCGX_IsCGI() ? serve_cgi(prog, &app) : serve_fcgi(prog, &app);
	nxm_app_close(&app);
	curl_global_cleanup();
	return rc;
}
