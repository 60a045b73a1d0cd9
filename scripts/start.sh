#!/usr/bin/env bash
# Starts nexmcp on loopback over HTTPS: builds it, lays out a deployment
# (programs, TLS certificate, configuration, key file, database: created on
# the first run, kept afterwards), starts the web server in the foreground
# and prints the MCP URL. Ctrl-C (SIGINT) or SIGTERM stops it cleanly.
#
# Environment:
#   NEXMCP_PORT       HTTPS port on 127.0.0.1 (default 8443)
#   NEXMCP_SERVER     lighttpd (default) or apache (mod_fcgid)
#   NEXMCP_STATE_DIR  deployment directory (default /var/lib/nexmcp as root,
#                     ~/.local/state/nexmcp otherwise)
#   NEXMCP_UPSTREAM   Nexudus base URL; by default the bundled Nexudus
#                     simulator, seeded with a demo space on the first run
#   NEXMCP_SIM_PORT   the simulator's loopback port (default 8900)
set -euo pipefail
# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

PORT=${NEXMCP_PORT:-8443}
SERVER=${NEXMCP_SERVER:-lighttpd}
if [ "$(id -u)" -eq 0 ]; then
	STATE=${NEXMCP_STATE_DIR:-/var/lib/nexmcp}
else
	STATE=${NEXMCP_STATE_DIR:-$HOME/.local/state/nexmcp}
fi
SIM_PORT=${NEXMCP_SIM_PORT:-8900}
UPSTREAM=${NEXMCP_UPSTREAM:-}

case $PORT in
'' | *[!0-9]*) nxm_die "NEXMCP_PORT must be a port number, not '$PORT'" ;;
esac
[ "$PORT" -ge 1 ] && [ "$PORT" -le 65535 ] || nxm_die "NEXMCP_PORT out of range: $PORT"

case $SERVER in
lighttpd) nxm_apt $NXM_BUILD_PKGS $NXM_LIGHTTPD_PKGS ;;
apache) nxm_apt $NXM_BUILD_PKGS $NXM_APACHE_PKGS ;;
*) nxm_die "NEXMCP_SERVER must be lighttpd or apache, not '$SERVER'" ;;
esac

nxm_log "building"
nxm_build "$NXM_SRC/_build/release"
mkdir -p "$STATE"
nxm_layout "$NXM_SRC/_build/release" "$STATE"
nxm_tls "$STATE"
stop() {
	trap - INT TERM
	nxm_log "stopping"
	nxm_server_stop
	nxm_sim_stop
	exit 0
}
trap stop INT TERM
# Whatever ends this script also ends what it started.
trap 'nxm_server_stop; nxm_sim_stop' EXIT
if [ -z "$UPSTREAM" ]; then
	nxm_sim_start "$STATE" "$SIM_PORT"
	UPSTREAM=http://127.0.0.1:$SIM_PORT
fi
nxm_config "$STATE" "$PORT" "$UPSTREAM"
nxm_init "$STATE"
"$STATE/nexmcpctl" -c "$STATE/etc/nexmcp.conf" check -n >/dev/null ||
	nxm_die "nexmcpctl check failed: run $STATE/nexmcpctl -c $STATE/etc/nexmcp.conf check"
"$STATE/nexmcpctl" -c "$STATE/etc/nexmcp.conf" check >"$STATE/log/check.log" 2>&1 ||
	nxm_log "warning: the upstream $UPSTREAM does not answer (see $STATE/log/check.log)"

nxm_server_start "$STATE" "$PORT" "$SERVER"
nxm_wait_https "$PORT" || { nxm_server_stop; nxm_sim_stop; nxm_die "the web server did not come up; see $STATE/log/"; }

echo "nexmcp is running ($SERVER, state in $STATE, logs in $STATE/log/)"
echo "Upstream: $UPSTREAM"
if [ -n "${NXM_SIM_PID:-}" ]; then
	echo "Upstream is the bundled Nexudus simulator (demo data, not Nexudus)."
	echo "Demo admin: $("$STATE/nexudus-sim" --demo-admin)"
fi
echo "TLS certificate (self-signed): $STATE/etc/tls.crt"
echo "MCP URL: https://127.0.0.1:$PORT/mcp"
# `wait` returns when a signal arrives, so the trap runs at once.
while kill -0 "$NXM_SERVER_PID" 2>/dev/null; do
	wait "$NXM_SERVER_PID" || true
done
nxm_die "the web server exited; see $STATE/log/"
