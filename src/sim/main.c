/* nexudus-sim: the Nexudus REST API simulator (see sim.h for why it is a
 * standalone HTTP server). */
#include "autoconfig.h"

#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/log.h"
#include "sim/httpd.h"
#include "sim/sim.h"

#define IDLE_TIMEOUT_MS 15000

static const char usage_text[] =
        "usage: nexudus-sim --db file [options]\n"
        "\n"
        "Serves the Nexudus REST API (/api/token, /api/<module>/<entity>…) from a\n"
        "local sqlite database, for tests and demos. It is not Nexudus: its\n"
        "behaviour follows Nexudus's documented API and the entity catalog.\n"
        "\n"
        "Options:\n"
        "  --db file             the simulator's database (created if missing)\n"
        "  --seed N              replace all data with the demo space made from seed N\n"
        "  --seed-if-empty       seed (with seed 42) only when the database has no data\n"
        "  --anchor YYYY-MM-DD   the day seeded bookings and invoices are relative to\n"
        "                        (default: today, UTC)\n"
        "  --listen [addr:]port  serve HTTP on a loopback address (default 127.0.0.1)\n"
        "  --list-pii            print every seeded personal value, one per line\n"
        "  --demo-admin          print the demo administrator's e-mail and password\n"
        "  --set-password email password\n"
        "                        change a password (ends that account's sessions)\n"
        "  --totp email          print the current two-factor code of an account\n"
        "  -h, --help            this text\n"
        "\n"
        "Seeded accounts (password for all: see --demo-admin):\n"
        "  admin@demo.nexudus.test     full administrator\n"
        "  twofactor@demo.nexudus.test administrator with two-factor authentication\n"
        "                              (TOTP secret JBSWY3DPEHPK3PXP)\n"
        "  member@demo.nexudus.test    member, not an administrator\n"
        "  limited@demo.nexudus.test   administrator without delete rights\n"
        "\n"
        "Test controls, loopback only: POST /_sim/faults {kind, count, seconds,\n"
        "delay_ms, path}, DELETE /_sim/faults, POST /_sim/settings\n"
        "{dir_convention: signed|binary, rate_limits: on|off, min_interval_ms}, POST "
        "/_sim/password\n"
        "{email, password}, POST /_sim/expire {email}, GET /_sim/totp/<email>,\n"
        "POST /_sim/records {entity, fields, id?} (writes fields into a record as\n"
        "they are: the entity's first, or the one with that id).\n";

static volatile sig_atomic_t stopping;

static void
on_signal(int sig)
{
	stopping = 1;
}

static time_t
wall_clock(void)
{
	return time(NULL);
}

/* Reads until buf holds at least want bytes; -1 on error, timeout or EOF. */
static int
read_more(int fd, struct nxm_buf *buf, size_t want)
{
	char chunk[8192];

	while (buf->len < want) {
		struct pollfd p = {.fd = fd, .events = POLLIN};
		ssize_t n;
		if (poll(&p, 1, IDLE_TIMEOUT_MS) <= 0)
			return -1;
		n = read(fd, chunk, sizeof(chunk));
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0 || nxm_buf_append(buf, chunk, (size_t)n) == -1)
			return -1;
	}
	return 0;
}

static void
reply_status(int fd, int status, const char *message)
{
	struct nxm_response resp;
	struct nxm_buf out = {0};

	nxm_response_init(&resp);
	sim_reply_message(&resp, status, message);
	if (sim_http_write_response(&out, &resp, 0) == 0)
		(void)nxm_write_all(fd, out.data, out.len);
	nxm_buf_free(&out);
	nxm_response_free(&resp);
}

/* Serves one connection, request after request while it is kept alive. */
static void
serve_connection(struct sim *s, int fd, const char *peer)
{
	struct nxm_buf in = {0};

	for (;;) {
		struct nxm_request req;
		struct nxm_response resp;
		struct nxm_buf out = {0};
		enum sim_http_parse pr = SIM_HTTP_INCOMPLETE;
		size_t head = 0, body = 0;
		int keep = 0;
		bool drop = false;
		unsigned delay = 0;

		while ((pr = sim_http_parse_head(in.data ? in.data : "", in.len, &req, &head, &body,
		                                 &keep)) == SIM_HTTP_INCOMPLETE)
			if (read_more(fd, &in, in.len + 1) == -1)
				goto out;
		if (pr != SIM_HTTP_OK) {
			reply_status(fd,
			             pr == SIM_HTTP_TOO_LARGE     ? 413
			             : pr == SIM_HTTP_UNSUPPORTED ? 411
			                                          : 400,
			             "The request is invalid.");
			goto out;
		}
		if (read_more(fd, &in, head + body) == -1) {
			nxm_request_free(&req);
			goto out;
		}
		if (body > 0) {
			req.body = malloc(body + 1);
			if (req.body == NULL) {
				nxm_request_free(&req);
				goto out;
			}
			memcpy(req.body, in.data + head, body);
			req.body[body] = '\0';
			req.body_len = body;
		}
		req.remote_addr = strdup(peer);
		sim_handle(s, &req, &resp, &drop, &delay);
		nxm_log_debug("%s %s -> %d", req.method, req.path, resp.status);
		nxm_request_free(&req);
		/* Consume this request from the input. */
		memmove(in.data, in.data + head + body, in.len - head - body);
		in.len -= head + body;
		in.data[in.len] = '\0';
		if (drop) {
			nxm_response_free(&resp);
			goto out;
		}
		if (delay > 0) {
			struct timespec ts = {.tv_sec = delay / 1000,
			                      .tv_nsec = (long)(delay % 1000) * 1000000};
			nanosleep(&ts, NULL);
		}
		if (sim_http_write_response(&out, &resp, keep) == -1 ||
		    nxm_write_all(fd, out.data, out.len) == -1)
			keep = 0;
		nxm_buf_free(&out);
		nxm_response_free(&resp);
		if (!keep || stopping)
			break;
	}
out:
	nxm_buf_free(&in);
}

static int
listen_on(const char *spec, int *out_port)
{
	char host[64] = "127.0.0.1";
	const char *colon = strrchr(spec, ':'), *portstr = colon ? colon + 1 : spec, *errstr;
	struct sockaddr_in sa;
	socklen_t salen = sizeof(sa);
	int fd, one = 1;
	long long port;

	if (colon != NULL)
		snprintf(host, sizeof(host), "%.*s", (int)(colon - spec), spec);
	port = nxm_strtonum(portstr, 0, 65535, &errstr);
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)port);
	if (errstr != NULL || inet_pton(AF_INET, host, &sa.sin_addr) != 1) {
		fprintf(stderr, "nexudus-sim: --listen wants [127.x.y.z:]port, not %s\n", spec);
		return -1;
	}
	/* Seeded personal data and test controls: never on a public address. */
	if ((ntohl(sa.sin_addr.s_addr) >> 24) != 127) {
		fprintf(stderr, "nexudus-sim: refusing to listen on %s: loopback only\n", host);
		return -1;
	}
	if ((fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1 ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) == -1 ||
	    bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == -1 || listen(fd, 64) == -1 ||
	    getsockname(fd, (struct sockaddr *)&sa, &salen) == -1) {
		fprintf(stderr, "nexudus-sim: cannot listen on %s: %s\n", spec, strerror(errno));
		if (fd != -1)
			close(fd);
		return -1;
	}
	*out_port = ntohs(sa.sin_port);
	return fd;
}

static int
serve(const char *db_path, const char *spec)
{
	struct sigaction sa;
	int lfd, port = 0;

	if ((lfd = listen_on(spec, &port)) == -1)
		return 1;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGCHLD, SIG_IGN); /* children are reaped by the kernel */
	signal(SIGPIPE, SIG_IGN);
	printf("nexudus-sim listening on http://127.0.0.1:%d\n", port);
	fflush(stdout);
	while (!stopping) {
		struct sockaddr_in peer;
		socklen_t plen = sizeof(peer);
		char addr[INET_ADDRSTRLEN] = "127.0.0.1";
		int cfd = accept(lfd, (struct sockaddr *)&peer, &plen);
		pid_t pid;

		if (cfd == -1)
			continue; /* EINTR on a signal: the loop condition decides */
		inet_ntop(AF_INET, &peer.sin_addr, addr, sizeof(addr));
		if ((pid = fork()) == 0) {
			struct sim s = {.now = wall_clock};
			char err[512];
			close(lfd);
			signal(SIGTERM, SIG_DFL);
			signal(SIGINT, SIG_DFL);
			/* sqlite connections must not cross fork: each child opens its own. */
			if (sim_store_open(&s, db_path, err, sizeof(err)) == -1) {
				nxm_log_err("%s", err);
				reply_status(
				        cfd, 500,
				        "Ooops! There was a problem while running this action.");
			} else {
				serve_connection(&s, cfd, addr);
				sim_store_close(&s);
			}
			close(cfd);
			_exit(0);
		}
		if (pid == -1)
			nxm_log_err("fork: %s", strerror(errno));
		close(cfd);
	}
	close(lfd);
	return 0;
}

static bool
has_data(struct sim *s)
{
	sqlite3_stmt *st = NULL;
	bool any = false;

	if (sqlite3_prepare_v2(s->db, "SELECT 1 FROM accounts LIMIT 1", -1, &st, NULL) == SQLITE_OK)
		any = sqlite3_step(st) == SQLITE_ROW;
	sqlite3_finalize(st);
	return any;
}

int
main(int argc, char **argv)
{
	enum {
		OPT_SEED = 256,
		OPT_SEED_IF_EMPTY,
		OPT_ANCHOR,
		OPT_LIST_PII,
		OPT_SET_PASSWORD,
		OPT_TOTP,
		OPT_LISTEN,
		OPT_DB,
		OPT_DEMO_ADMIN
	};
	static const struct option opts[] = {
	        {"db", required_argument, NULL, OPT_DB},
	        {"seed", required_argument, NULL, OPT_SEED},
	        {"seed-if-empty", no_argument, NULL, OPT_SEED_IF_EMPTY},
	        {"anchor", required_argument, NULL, OPT_ANCHOR},
	        {"listen", required_argument, NULL, OPT_LISTEN},
	        {"list-pii", no_argument, NULL, OPT_LIST_PII},
	        {"demo-admin", no_argument, NULL, OPT_DEMO_ADMIN},
	        {"set-password", required_argument, NULL, OPT_SET_PASSWORD},
	        {"totp", required_argument, NULL, OPT_TOTP},
	        {"help", no_argument, NULL, 'h'},
	        {NULL, 0, NULL, 0},
	};
	const char *db = NULL, *listen_spec = NULL, *pw_email = NULL, *totp_email = NULL, *errstr;
	bool seed = false, seed_if_empty = false, list_pii = false, demo_admin = false;
	unsigned long long seed_value = SIM_DEFAULT_SEED;
	time_t anchor = time(NULL) / 86400 * 86400;
	struct sim s = {.now = wall_clock};
	char err[512], code[7];
	int c, rc = 1;

	nxm_log_init("nexudus-sim", getenv("NEXUDUS_SIM_DEBUG") ? NXM_LOG_DEBUG : NXM_LOG_WARN);
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case OPT_DB:
			db = optarg;
			break;
		case OPT_SEED:
			seed = true;
			seed_value =
			        (unsigned long long)nxm_strtonum(optarg, 0, LLONG_MAX, &errstr);
			if (errstr != NULL) {
				fprintf(stderr, "nexudus-sim: --seed wants a number\n");
				return 2;
			}
			break;
		case OPT_SEED_IF_EMPTY:
			seed_if_empty = true;
			break;
		case OPT_ANCHOR:
			if (nxm_time_parse_utc(optarg, &anchor) == -1) {
				fprintf(stderr, "nexudus-sim: --anchor wants YYYY-MM-DD\n");
				return 2;
			}
			break;
		case OPT_LISTEN:
			listen_spec = optarg;
			break;
		case OPT_LIST_PII:
			list_pii = true;
			break;
		case OPT_DEMO_ADMIN:
			demo_admin = true;
			break;
		case OPT_SET_PASSWORD:
			pw_email = optarg;
			break;
		case OPT_TOTP:
			totp_email = optarg;
			break;
		case 'h':
			fputs(usage_text, stdout);
			return 0;
		default:
			fputs(usage_text, stderr);
			return 2;
		}
	}
	if (demo_admin) {
		printf("%s %s\n", SIM_DEMO_ADMIN_EMAIL, SIM_DEMO_PASSWORD);
		return 0;
	}
	if (db == NULL || (pw_email != NULL && optind >= argc)) {
		fputs(usage_text, stderr);
		return 2;
	}
	if (sim_store_open(&s, db, err, sizeof(err)) == -1) {
		fprintf(stderr, "nexudus-sim: %s\n", err);
		return 1;
	}
	if ((seed || (seed_if_empty && !has_data(&s))) &&
	    sim_seed(&s, seed_value, anchor, err, sizeof(err)) == -1) {
		fprintf(stderr, "nexudus-sim: seeding failed: %s\n", err);
		goto out;
	}
	if (pw_email != NULL &&
	    sim_auth_set_password(&s, pw_email, argv[optind], err, sizeof(err)) == -1) {
		fprintf(stderr, "nexudus-sim: %s\n", err);
		goto out;
	}
	if (totp_email != NULL) {
		if (sim_auth_totp_now(&s, totp_email, code) == -1) {
			fprintf(stderr, "nexudus-sim: %s has no two-factor secret\n", totp_email);
			goto out;
		}
		puts(code);
	}
	if (list_pii && sim_list_pii(&s, stdout) == -1)
		goto out;
	sim_store_close(&s);
	return listen_spec != NULL ? serve(db, listen_spec) : 0;
out:
	sim_store_close(&s);
	return rc;
}
