#!/usr/bin/env bash
# The official MCP TypeScript SDK clients (@modelcontextprotocol/sdk 1.x and
# @modelcontextprotocol/client 2.x, pinned in package.json) through nexmcp's
# whole OAuth flow and the MCP transport (tests/sdk/flow.mjs), against a
# deployment laid out as oauth.sh lays it out: lighttpd over TLS, the three
# programs, the Nexudus simulator as upstream. flow.mjs runs the flow three
# times: the 1.x client as a client that registers itself at /register
# (RFC 7591) and as a client whose client_id is the URL of a Client ID
# Metadata Document, which this script writes into the web server's static/
# folder (the test switch that allows loopback document URLs is on, with the
# deployment's certificate as CA), both using the tools over revision
# 2025-11-25; and the 2.x client, registered, using the tools over revision
# 2026-07-28.
#
# Usage: run.sh BUILDDIR SRCDIR
# Prints TAP, then "sdk: N passed, M failed". The deployment and logs are
# kept under BUILDDIR/tests/out/sdk.
#
# Environment: NXM_SDK_PORT (HTTPS, 29643), NXM_SDK_SIM_PORT (simulator,
# 29902). The redirect URI is a loopback URL nobody listens on: the test's
# OAuth provider reads the redirect's Location instead of following it.
set -u
BUILD=$(cd "${1:?builddir}" && pwd)
SRC=$(cd "${2:?srcdir}" && pwd)
# shellcheck disable=SC2034 # read by lib.sh
NXM_SRC=$SRC
# shellcheck source=scripts/lib.sh
. "$SRC/scripts/lib.sh"
# shellcheck source=tests/integration/checks.sh
. "$SRC/tests/integration/checks.sh"
# shellcheck disable=SC2034 # read by nxm_summary
NXM_SUITE=sdk

# Ports of their own: the other suites use 28xxx, 29443/29900 (browser) and
# 29543/29901 (conformance), and may run at the same time.
PORT=${NXM_SDK_PORT:-29643}
SIM_PORT=${NXM_SDK_SIM_PORT:-29902}
HERE=$SRC/tests/sdk
OUT=$BUILD/tests/out/sdk
STATE=$OUT/state
BASE=https://127.0.0.1:$PORT
CACERT=$STATE/etc/tls.crt
REDIRECT=http://127.0.0.1:29647/callback
DOC=$BASE/static/sdk-client.json
START=$(date +%s)
V=sdk

stop_all() {
	nxm_server_stop
	nxm_sim_stop
}

abort() {
	nxm_fail "$V: $*"
	nxm_summary
	exit 1
}

need_tools() {
	local tool
	for tool in curl jq lighttpd openssl sqlite3; do
		command -v "$tool" >/dev/null || abort "$tool is not installed"
	done
	command -v npm >/dev/null || nxm_apt npm
	NODE=$(nxm_node 20) || abort "no Node.js 20 or later"
}

# npm ci when the packages are missing or older than the lock file.
need_node_modules() {
	if [ ! -f "$HERE/node_modules/@modelcontextprotocol/sdk/package.json" ] ||
		[ ! -f "$HERE/node_modules/@modelcontextprotocol/client/package.json" ] ||
		[ "$HERE/package-lock.json" -nt "$HERE/node_modules/.package-lock.json" ]; then
		(cd "$HERE" && npm ci --no-audit --no-fund) >"$OUT/npm-ci.log" 2>&1 ||
			{ tail -n 20 "$OUT/npm-ci.log" | sed 's/^/# /'; abort "npm ci in $HERE"; }
	fi
	local p v=
	for p in sdk client; do
		v="$v @modelcontextprotocol/$p $(jq -r .version "$HERE/node_modules/@modelcontextprotocol/$p/package.json"),"
	done
	echo "#$v on Node $("$NODE" --version)"
}

deploy() {
	# The metadata document is served by this same web server, on loopback.
	nxm_deploy "$BUILD" "$STATE" "$PORT" "$SIM_PORT" "client_document_allow_loopback = yes
client_document_ca_file = $CACERT"
	jq -n --arg id "$DOC" --arg r "$REDIRECT" \
		'{client_id: $id, client_name: "nexmcp SDK test (cimd)", redirect_uris: [$r],
		  token_endpoint_auth_method: "none", grant_types: ["authorization_code"],
		  response_types: ["code"]}' >"$STATE/www/static/sdk-client.json"
	chmod 644 "$STATE/www/static/sdk-client.json"
	nxm_lighttpd_conf "$STATE" "$PORT"
	nxm_lighttpd_start "$STATE"
}

# Runs flow.mjs, numbering its checks after ours, and counts its TAP lines
# into ours so nxm_summary covers both.
run_flow() {
	NXM_TAP_FIRST=$((NXM_N + 1)) NODE_EXTRA_CA_CERTS=$CACERT NO_PROXY='*' \
		NXM_BASE=$BASE NXM_EMAIL=$ADMIN NXM_PASSWORD=$PW NXM_REDIRECT_URI=$REDIRECT NXM_CIMD_URL=$DOC \
		"$NODE" "$HERE/flow.mjs" >"$OUT/flow.tap" 2>"$OUT/flow.stderr"
	nxm_absorb_tap "$OUT/flow.tap" $? "$OUT/flow.stderr" flow.mjs
}

# What the server recorded: the document was fetched and cached, and the
# clients hold live sign-in sessions.
server_side() {
	local db=$STATE/db/nexmcp.db n
	n=$(sqlite3 "$db" "SELECT count(*) FROM client_documents WHERE url = '$DOC'" 2>&1)
	[ "$n" = 1 ]
	expect "server: the metadata document was fetched and cached" $? "$n"
	n=$(sqlite3 "$db" "SELECT count(*) FROM sessions WHERE revoked_at IS NULL" 2>&1)
	[ "$n" -ge 3 ] 2>/dev/null
	expect "server: a sign-in session per client (3 or more)" $? "$n"
	! grep -rqF "$PW" "$STATE/log"
	expect "server: the password is in no log" $? ""
}

main() {
	nxm_out_dir "$OUT"
	need_tools
	need_node_modules
	trap stop_all EXIT
	deploy
	nxm_wait_https "$PORT" || abort "lighttpd did not come up on $PORT"
	read -r ADMIN PW <<<"$("$STATE/nexudus-sim" --demo-admin)"
	run_flow
	server_side
	echo "# $(($(date +%s) - START)) s; deployment and logs under $OUT"
	nxm_summary
}

main
