# The battery of HTTPS checks every web-server variant must pass, and the
# pass/fail bookkeeping. Sourced by run.sh.
# shellcheck shell=bash

NXM_PASSED=0
NXM_FAILED=0
NXM_N=0

nxm_pass() { NXM_N=$((NXM_N + 1)); NXM_PASSED=$((NXM_PASSED + 1)); echo "ok $NXM_N - $*"; }
nxm_fail() { NXM_N=$((NXM_N + 1)); NXM_FAILED=$((NXM_FAILED + 1)); echo "not ok $NXM_N - $*"; }

# NXM_SUITE names the suite in the summary line; callers that do not set it
# keep the "integration:" line that scripts/test.sh reads.
nxm_summary() {
	if [ "${NXM_REQ_TMP:-0}" = 1 ]; then rm -rf "$NXM_REQ_DIR"; fi
	echo "1..$NXM_N"
	echo "${NXM_SUITE:-integration}: $NXM_PASSED passed, $NXM_FAILED failed"
	[ "$NXM_FAILED" -eq 0 ]
}

# nxm_absorb_tap TAPFILE RC STDERRFILE LABEL: shows a Node suite's TAP lines
# and counts them here; a crash before any "not ok" still fails the suite.
nxm_absorb_tap() {
	local tap=$1 rc=$2 err=$3 label=$4 ok bad
	cat "$tap"
	ok=$(grep -c '^ok ' "$tap")
	bad=$(grep -c '^not ok ' "$tap")
	NXM_N=$((NXM_N + ok + bad))
	NXM_PASSED=$((NXM_PASSED + ok))
	NXM_FAILED=$((NXM_FAILED + bad))
	[ "$rc" -eq 0 ] || [ "$bad" -gt 0 ] ||
		nxm_fail "$V: $label exited $rc ($(tail -n 3 "$err" | tr '\n' ' '))"
}

# The folder of req's files: under the suite's OUT (in the build tree, kept
# for diagnosis and emptied by the suite's next run), else a temporary one
# that nxm_summary removes. Nothing is left in the system's /tmp.
nxm_req_dir() {
	[ -n "${NXM_REQ_DIR:-}" ] && [ -d "$NXM_REQ_DIR" ] && return 0
	if [ -n "${OUT:-}" ]; then
		NXM_REQ_DIR=$OUT/req
		mkdir -p "$NXM_REQ_DIR"
	else
		NXM_REQ_DIR=$(mktemp -d)
		NXM_REQ_TMP=1
	fi
}

# req METHOD PATH [curl args...]: sets STATUS, HDRS (file) and BODY (file).
req() {
	local method=$1 path=$2
	shift 2
	nxm_req_dir
	HDRS=$(mktemp -p "$NXM_REQ_DIR") BODY=$(mktemp -p "$NXM_REQ_DIR")
	STATUS=$(curl -sS --cacert "$CACERT" -X "$method" -D "$HDRS" -o "$BODY" -w '%{http_code}' \
		--max-time 20 "$@" "$BASE$path" 2>"$BODY.err") || STATUS="curl-failed:$(cat "$BODY.err")"
}

# hdr NAME: the value of a response header (last occurrence), CR stripped.
hdr() {
	grep -i "^$1:" "$HDRS" | tail -n 1 | sed -e 's/^[^:]*:[[:space:]]*//' -e 's/\r$//'
}

expect() { # expect DESCRIPTION CONDITION-RESULT(0/1) DETAIL
	if [ "$2" -eq 0 ]; then nxm_pass "$V: $1"; else nxm_fail "$V: $1 ($3)"; fi
}

check_status() { # check_status DESC WANT
	[ "$STATUS" = "$2" ]
	expect "$1 -> $2" $? "got $STATUS: $(head -c 300 "$BODY")"
}

check_jq() { # check_jq DESC JQ-EXPR (must print true)
	local got
	got=$(jq -r "$2" "$BODY" 2>&1)
	[ "$got" = "true" ]
	expect "$1" $? "jq '$2' gave $got on $(head -c 300 "$BODY")"
}

check_hdr() { # check_hdr DESC NAME EXACT-VALUE
	local got
	got=$(hdr "$2")
	[ "$got" = "$3" ]
	expect "$1" $? "$2 was '$got', wanted '$3'"
}

check_hdr_match() { # check_hdr_match DESC NAME GREP-ERE
	local got
	got=$(hdr "$2")
	printf '%s' "$got" | grep -Eq -- "$3"
	expect "$1" $? "$2 was '$got', wanted /$3/"
}

nxm_checks() {
	V=$1 BASE=$2 CACERT=$3
	local prm="$BASE/.well-known/oauth-protected-resource/mcp" path big

	# Discovery (token program).
	for path in /.well-known/oauth-authorization-server /.well-known/openid-configuration; do
		req GET "$path"
		check_status "GET $path" 200
		check_hdr_match "$path is JSON" Content-Type '^application/json'
		check_jq "$path issuer and endpoints" \
			".issuer == \"$BASE\" and .authorization_endpoint == \"$BASE/authorize\" and .token_endpoint == \"$BASE/token\" and .registration_endpoint == \"$BASE/register\" and .revocation_endpoint == \"$BASE/revoke\""
		check_jq "$path capabilities" \
			'.response_types_supported == ["code"] and .grant_types_supported == ["authorization_code"] and .code_challenge_methods_supported == ["S256"] and .token_endpoint_auth_methods_supported == ["none","client_secret_basic","client_secret_post"] and .client_id_metadata_document_supported == true and .authorization_response_iss_parameter_supported == true and ([.. | select(. == null)] | length) == 0'
		check_hdr "$path allows any origin" Access-Control-Allow-Origin '*'
	done
	for path in /.well-known/oauth-protected-resource/mcp /.well-known/oauth-protected-resource; do
		req GET "$path"
		check_status "GET $path" 200
		check_hdr_match "$path is JSON" Content-Type '^application/json'
		check_jq "$path names the MCP URL" \
			".resource == \"$BASE/mcp\" and .authorization_servers == [\"$BASE\"] and .bearer_methods_supported == [\"header\"] and (.scopes_supported | index(\"nexudus:read\")) != null and (.resource_name | length) > 0"
	done

	# The mcp program: the challenge, and proof that Authorization arrives.
	req POST /mcp -H 'Content-Type: application/json' -H 'Accept: application/json, text/event-stream' \
		--data '{"jsonrpc":"2.0","id":1,"method":"ping"}'
	check_status "POST /mcp without a token" 401
	check_hdr "challenge names the resource metadata" WWW-Authenticate \
		"Bearer resource_metadata=\"$prm\", scope=\"nexudus:read nexudus:write\""
	req POST /mcp -H 'Authorization: Bearer nxm1.AAAA.BBBB' -H 'Content-Type: application/json' --data '{}'
	check_status "POST /mcp with an unknown token" 401
	check_hdr_match "Authorization header reaches /mcp (token judged)" WWW-Authenticate \
		'^Bearer error="invalid_token", error_description="token not recognised", resource_metadata='
	req POST /mcp -H 'Authorization: Bearer !!!' -H 'Content-Type: application/json' --data '{}'
	check_hdr_match "a malformed Authorization header is told apart" WWW-Authenticate \
		'error_description="malformed Authorization header"'
	req OPTIONS /mcp -H 'Origin: http://localhost:6274' -H 'Access-Control-Request-Method: POST' \
		-H 'Access-Control-Request-Headers: authorization, content-type, mcp-session-id'
	check_status "CORS preflight from an allowed origin" 204
	check_hdr "preflight echoes the origin" Access-Control-Allow-Origin 'http://localhost:6274'
	check_hdr_match "preflight allows the MCP headers" Access-Control-Allow-Headers 'Mcp-Session-Id'
	check_hdr_match "preflight allows POST" Access-Control-Allow-Methods 'POST'
	req POST /mcp -H 'Origin: https://evil.example' -H 'Content-Type: application/json' --data '{}'
	check_status "POST /mcp from a foreign origin" 403
	check_jq "foreign origin error body" '.error == "forbidden_origin"'
	req PUT /mcp
	check_status "PUT /mcp" 405
	check_hdr_match "405 names the allowed methods" Allow 'POST'
	nxm_req_dir
	big=$(mktemp -p "$NXM_REQ_DIR")
	head -c 1100000 /dev/zero | tr '\0' 'a' >"$big"
	req POST /mcp -H 'Content-Type: application/json' --data-binary "@$big"
	check_status "POST /mcp over the body limit" 413
	rm -f "$big"

	# The login program.
	req GET /authorize
	check_status "GET /authorize without client_id" 400
	check_hdr_match "/authorize is HTML" Content-Type '^text/html'
	check_hdr_match "/authorize refuses framing (CSP)" Content-Security-Policy "frame-ancestors 'none'"
	check_hdr "/authorize refuses framing (XFO)" X-Frame-Options DENY
	grep -q 'no client_id' "$BODY"
	expect "/authorize explains the missing client_id" $? "$(head -c 300 "$BODY")"
	req GET '/authorize?client_id=%3Cscript%3Ealert(1)%3C/script%3E&response_type=code'
	check_status "GET /authorize with an unknown client" 400
	! grep -q '<script>' "$BODY"
	expect "/authorize never echoes markup" $? "$(head -c 300 "$BODY")"

	# The token program's other routes.
	req GET /token
	check_status "GET /token" 405
	check_hdr "/token allows POST only" Allow 'POST, OPTIONS'
	req OPTIONS /register -H 'Origin: https://claude.ai' -H 'Access-Control-Request-Method: POST'
	check_status "CORS preflight on /register" 204

	# Static files from html/, and the programs' folder never served as files.
	req GET /static/nexmcp.css
	check_status "GET /static/nexmcp.css" 200
	check_hdr_match "stylesheet is CSS" Content-Type '^text/css'
	req GET /cgi-bin/.htaccess
	[ "$STATUS" = 403 ] || [ "$STATUS" = 404 ]
	expect "cgi-bin/.htaccess is not served" $? "got $STATUS"
	req GET /.htaccess
	[ "$STATUS" = 403 ] || [ "$STATUS" = 404 ]
	expect ".htaccess is not served" $? "got $STATUS"
}
