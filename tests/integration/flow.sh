# Sourced by the suites that sign in through the real OAuth flow with curl:
# registration, the login page, the code exchange. Expects req, hdr and
# BODY from checks.sh, and BASE and REDIRECT from the caller.
# shellcheck shell=bash

b64url() { openssl base64 -A | tr '+/' '-_' | tr -d '='; }
new_verifier() { head -c 48 /dev/urandom | b64url; }
challenge_of() { printf '%s' "$1" | openssl dgst -sha256 -binary | b64url; }
form_field() { # form_field NAME: the value of a hidden input in $BODY
	sed -n "s/.*name=\"$1\" value=\"\([^\"]*\)\".*/\1/p" "$BODY" | head -n 1 | sed 's/&amp;/\&/g'
}
query_param() { # query_param URL NAME
	printf '%s' "$1" | sed -n "s/.*[?&]$2=\([^&]*\).*/\1/p" | sed 's/%3A/:/g; s/%2F/\//g'
}

register() { # register JSON: sets CLIENT_ID (and CLIENT_SECRET)
	req POST /register -H 'Content-Type: application/json' --data "$1"
	CLIENT_ID=$(jq -r '.client_id // empty' "$BODY")
	CLIENT_SECRET=$(jq -r '.client_secret // empty' "$BODY")
}

# authorize [extra query]: GET the login page for CLIENT_ID with a new PKCE pair
authorize() {
	VERIFIER=$(new_verifier)
	CHALLENGE=$(challenge_of "$VERIFIER")
	STATE_V="st-$RANDOM"
	req GET "/authorize?response_type=code&client_id=$CLIENT_ID&redirect_uri=$(jq -rn --arg v "$REDIRECT" '$v|@uri')&state=$STATE_V&code_challenge=$CHALLENGE&code_challenge_method=S256&resource=$(jq -rn --arg v "$BASE/mcp" '$v|@uri')${1:-}"
}

# sign_in EMAIL PASSWORD [extra form fields...]: POST the page in $BODY
sign_in() {
	local email=$1 pw=$2 f args=()
	shift 2
	for f in client_id redirect_uri response_type state code_challenge code_challenge_method scope resource csrf; do
		local v
		v=$(form_field "$f")
		[ -n "$v" ] && args+=(--data-urlencode "$f=$v")
	done
	req POST /authorize "${args[@]}" --data-urlencode "email=$email" --data-urlencode "password=$pw" "$@"
	LOCATION=$(hdr Location)
	CODE=$(query_param "$LOCATION" code)
}

# mcp_call TOKEN NAME ARGS-JSON [extra curl args]: tools/call over revision
# 2026-07-28, with the headers it mirrors (Mcp-Param-Entity when ARGS has
# an entity); the answer is in BODY.
mcp_call() {
	local tok=$1 name=$2 args=$3 entity hdrs
	shift 3
	entity=$(jq -r '.entity // empty' <<<"$args")
	hdrs=(-H "Authorization: Bearer $tok" -H 'Content-Type: application/json'
		-H 'Accept: application/json, text/event-stream' -H 'MCP-Protocol-Version: 2026-07-28'
		-H 'Mcp-Method: tools/call' -H "Mcp-Name: $name")
	[ -n "$entity" ] && hdrs+=(-H "Mcp-Param-Entity: $entity")
	req POST /mcp "${hdrs[@]}" "$@" --data "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":\"$name\",\"arguments\":$args,\"_meta\":{\"io.modelcontextprotocol/protocolVersion\":\"2026-07-28\",\"io.modelcontextprotocol/clientCapabilities\":{}}}}"
}

exchange() { # exchange [extra curl args]: POST /token for CODE/VERIFIER
	req POST /token --data-urlencode grant_type=authorization_code --data-urlencode "code=$CODE" \
		--data-urlencode "redirect_uri=$REDIRECT" --data-urlencode "client_id=$CLIENT_ID" \
		--data-urlencode "code_verifier=$VERIFIER" "$@"
	TOKEN=$(jq -r '.access_token // empty' "$BODY")
}

