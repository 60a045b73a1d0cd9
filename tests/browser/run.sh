#!/usr/bin/env bash
# The login page in headless Chromium (tests/browser/login.mjs), against a
# deployment laid out as oauth.sh lays it out: lighttpd over TLS, the three
# programs, and the Nexudus simulator as upstream. This script registers a
# public client, builds the authorization URL with PKCE, runs the browser,
# then exchanges the code the browser received, so the whole flow is proved.
# Usage: run.sh BUILDDIR SRCDIR
set -u
BUILD=${1:?builddir}
SRC=${2:?srcdir}
NXM_SRC=$SRC
. "$SRC/scripts/lib.sh"
. "$SRC/tests/integration/checks.sh"
NXM_SUITE=browser

# Ports of their own: the other suites use 28xxx and may run at the same time.
PORT=${NXM_BROWSER_PORT:-29443}
SIM_PORT=${NXM_BROWSER_SIM_PORT:-29900}
OUT=$BUILD/tests/out/browser
STATE=$OUT/state
BASE=https://127.0.0.1:$PORT
CACERT=$STATE/etc/tls.crt
# A loopback redirect URI on a port nobody listens on: the browser answers it
# itself (page.route), as a desktop client's one-shot listener would.
REDIRECT=http://127.0.0.1:29417/callback
# Markup in the name shows whether the page escapes it (it must show as text).
CLIENT_NAME='Browser Test <b>Client</b>'
HERE=$SRC/tests/browser
V=browser

b64url() { openssl base64 -A | tr '+/' '-_' | tr -d '='; }
uri() { jq -rn --arg v "$1" '$v|@uri'; }

stop_all() {
	nxm_server_stop
	nxm_sim_stop
}

# Chromium, Node and the web server must be there before anything starts.
need_tools() {
	# shellcheck disable=SC2086 # a list of package names, split on purpose
	nxm_apt chromium $NXM_LIGHTTPD_PKGS jq curl openssl
	# npm may come with the machine's Node.js; Debian's package only if not.
	command -v npm >/dev/null || nxm_apt npm
	NODE=$(nxm_node 20) || nxm_die "no Node.js 20 or later"
}

# playwright-core only: its browser download is never used (Debian's Chromium
# is), so npm ci takes seconds and needs only the npm registry.
need_node_modules() {
	[ -d "$HERE/node_modules/playwright-core" ] && return 0
	(cd "$HERE" && npm ci --no-audit --no-fund >"$OUT/npm-ci.log" 2>&1) ||
		{ cat "$OUT/npm-ci.log" >&2; nxm_die "npm ci failed in $HERE"; }
}

deploy() {
	nxm_out_dir "$OUT"
	nxm_deploy "$BUILD" "$STATE" "$PORT" "$SIM_PORT"
	nxm_lighttpd_conf "$STATE" "$PORT"
	nxm_lighttpd_start "$STATE"
}

register_client() { # sets CLIENT_ID
	local body
	body=$(jq -cn --arg r "$REDIRECT" --arg n "$CLIENT_NAME" \
		'{redirect_uris: [$r], token_endpoint_auth_method: "none", client_name: $n}')
	req POST /register -H 'Content-Type: application/json' --data "$body"
	check_status "client registration" 201
	CLIENT_ID=$(jq -r '.client_id // empty' "$BODY")
}

# Sets VERIFIER, STATE_V and AUTHORIZE_URL (S256 PKCE, a state, the resource).
authorize_url() {
	local challenge
	VERIFIER=$(head -c 48 /dev/urandom | b64url)
	challenge=$(printf '%s' "$VERIFIER" | openssl dgst -sha256 -binary | b64url)
	STATE_V="st-$RANDOM$RANDOM"
	AUTHORIZE_URL="$BASE/authorize?response_type=code&client_id=$CLIENT_ID&redirect_uri=$(uri "$REDIRECT")&state=$STATE_V&code_challenge=$challenge&code_challenge_method=S256&resource=$(uri "$BASE/mcp")"
}

# Runs login.mjs, numbering its checks after ours, and counts its TAP lines
# into ours so nxm_summary covers both.
run_browser() {
	NXM_TAP_FIRST=$((NXM_N + 1)) NXM_CHROMIUM=/usr/bin/chromium \
		NXM_BASE=$BASE NXM_CA=$CACERT NXM_AUTHORIZE_URL=$AUTHORIZE_URL NXM_REDIRECT_URI=$REDIRECT \
		NXM_EMAIL=$ADMIN NXM_PASSWORD=$PW NXM_OUT=$OUT NXM_STATE=$STATE_V NXM_CLIENT_NAME=$CLIENT_NAME \
		"$NODE" "$HERE/login.mjs" >"$OUT/login.tap" 2>"$OUT/login.stderr"
	nxm_absorb_tap "$OUT/login.tap" $? "$OUT/login.stderr" login.mjs
}

# The code the browser landed with is a real one: it buys a token.
exchange_code() {
	local code
	code=$(sed -n 's/.*[?&]code=\([^&]*\).*/\1/p' "$OUT/callback.url" 2>/dev/null)
	if [ -z "$code" ]; then
		nxm_fail "$V: the browser's code exchanges for a token (no code came back)"
		return
	fi
	req POST /token --data-urlencode grant_type=authorization_code --data-urlencode "code=$code" \
		--data-urlencode "redirect_uri=$REDIRECT" --data-urlencode "client_id=$CLIENT_ID" \
		--data-urlencode "code_verifier=$VERIFIER"
	check_status "the browser's code exchanges for a token" 200
	check_jq "token answer" '.token_type == "Bearer" and (.access_token | startswith("nxm1."))'
}

main() {
	need_tools
	trap stop_all EXIT
	deploy
	need_node_modules
	nxm_wait_https "$PORT" || { nxm_fail "$V: lighttpd did not start"; nxm_summary; exit 1; }
	read -r ADMIN PW <<<"$("$STATE/nexudus-sim" --demo-admin)"
	register_client
	[ -n "$CLIENT_ID" ] || { nxm_summary; exit 1; }
	authorize_url
	run_browser
	exchange_code
	nxm_summary
}

main
