#!/usr/bin/env bash
# Integration tests: the programs behind real web servers over TLS.
#   lighttpd  + mod_fastcgi        (lighttpd spawns the programs)
#   Apache    + mod_fcgid          (.htaccess routing, shared-hosting layout)
#   Apache    + mod_proxy_fcgi     (programs on sockets from spawn-fcgi)
#   Apache    + mod_cgid           (plain CGI: one process per request)
# Every route is checked over HTTPS with curl against the same battery.
# Usage: run.sh BUILDDIR SRCDIR
set -u
BUILD=${1:?builddir}
SRC=${2:?srcdir}
NXM_SRC=$SRC
# shellcheck source=../../scripts/lib.sh
. "$SRC/scripts/lib.sh"
. "$SRC/tests/integration/checks.sh"

PORT=${NXM_TEST_PORT:-28443}
OUT=${NXM_TEST_OUT:-$BUILD/tests/out/integration}
nxm_out_dir "$OUT"
VARIANTS=${NXM_TEST_VARIANTS:-"lighttpd apache-fcgid apache-proxy apache-cgi"}

cleanup() {
	nxm_server_stop
	[ -n "${STATE:-}" ] && nxm_spawn_fcgi_stop "$STATE"
}
trap cleanup EXIT

for variant in $VARIANTS; do
	STATE=$OUT/$variant
	nxm_layout "$BUILD" "$STATE"
	nxm_tls "$STATE"
	# No simulator yet: an address nothing listens on stands for the upstream.
	nxm_config "$STATE" "$PORT" "http://127.0.0.1:9"
	nxm_init "$STATE"
	case $variant in
	lighttpd)
		nxm_lighttpd_conf "$STATE" "$PORT"
		nxm_lighttpd_start "$STATE"
		;;
	apache-fcgid)
		nxm_apache_conf "$STATE" "$PORT" fcgid
		nxm_apache_start "$STATE" fcgid
		;;
	apache-proxy)
		nxm_spawn_fcgi "$STATE"
		nxm_apache_conf "$STATE" "$PORT" proxy
		nxm_apache_start "$STATE" proxy
		;;
	apache-cgi)
		nxm_apache_conf "$STATE" "$PORT" cgi
		nxm_apache_start "$STATE" cgi
		;;
	*) nxm_die "unknown variant $variant" ;;
	esac
	if nxm_wait_https "$PORT"; then
		nxm_checks "$variant" "https://127.0.0.1:$PORT" "$STATE/etc/tls.crt"
	else
		nxm_fail "$variant: server did not come up on port $PORT"
		tail -n 20 "$STATE"/log/*.log >&2 2>/dev/null
	fi
	nxm_server_stop
	nxm_spawn_fcgi_stop "$STATE"
	# Nothing the programs logged may carry the server key, the TLS key or
	# a token the checks sent.
	secret=$(awk '$1 == "nxk1" { print $3 }' "$STATE/db/nexmcp.key" | head -n 1)
	if [ -z "$secret" ]; then
		nxm_fail "$variant: cannot read the key file to search the logs for it"
	elif grep -rqF -e "$secret" -e 'nxm1.AAAA.BBBB' -e 'PRIVATE KEY' "$STATE/log"; then
		nxm_fail "$variant: a secret appears in the server logs"
	else
		nxm_pass "$variant: logs carry no token or key"
	fi
done

nxm_summary
