#!/usr/bin/env bash
# Plays the user where the conformance suite waits for one: opens the
# authorization URL the suite printed, fills nexmcp's login form as a browser
# would (every hidden input as served, the e-mail and password, the required
# disclaimer ticked, the optional boxes left unticked) and follows the
# redirect back to the suite's callback server.
# Usage: login.sh AUTHORIZATION-URL CACERT EMAIL PASSWORD
# Prints one line per step on stdout; exits non-zero, with the reason, if the
# browser would not have reached a redirect (the page's error is shown).
set -u
URL=${1:?authorization URL}
CACERT=${2:?CA certificate}
EMAIL=${3:?e-mail}
PASSWORD=${4:?password}

W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT

say() { printf 'login: %s\n' "$*"; }
fail() { say "FAILED: $*"; exit 1; }

# browse OUTFILE URL [curl args]: one request with the browser's cookie jar;
# sets STATUS and LOCATION (absolute, or empty).
browse() {
	local out=$1 url=$2
	shift 2
	STATUS=$(curl -sS --noproxy '*' --cacert "$CACERT" -c "$W/jar" -b "$W/jar" \
		-A 'nexmcp-conformance-login/1 (curl)' -H 'Accept: text/html' \
		-D "$W/hdrs" -o "$out" -w '%{http_code}' --max-time 30 "$@" "$url" 2>"$W/err") ||
		STATUS="curl-failed: $(cat "$W/err")"
	LOCATION=$(grep -i '^location:' "$W/hdrs" | tail -n 1 | sed -e 's/^[^:]*:[[:space:]]*//' -e 's/\r$//')
	LOCATION=$(absolute "$url" "$LOCATION")
}

# absolute BASE REF: REF resolved against BASE (absolute URLs, absolute
# paths and empty references are all a login page and a redirect use).
absolute() {
	local base=$1 ref=$2 origin
	origin=$(printf '%s' "$base" | sed -E 's|^([a-zA-Z][a-zA-Z0-9+.-]*://[^/?#]+).*|\1|')
	case $ref in
	'') printf '%s' "" ;;
	*://*) printf '%s' "$ref" ;;
	/*) printf '%s%s' "$origin" "$ref" ;;
	*) printf '%s/%s' "$(printf '%s' "$base" | sed -E 's|[?#].*||; s|/[^/]*$||')" "$ref" ;;
	esac
}

unescape() { sed -e 's/&quot;/"/g' -e "s/&#39;/'/g" -e 's/&lt;/</g' -e 's/&gt;/>/g' -e 's/&amp;/\&/g'; }

# attr TAG NAME: an attribute's value in a tag, unescaped.
attr() { printf '%s' "$1" | sed -n "s/.*[[:space:]]$2=\"\([^\"]*\)\".*/\1/p" | unescape; }

# follow URL: what the browser does with a redirect to the client. The
# callback server may still be binding when the URL is printed: retry.
follow() {
	local _
	for _ in 1 2 3 4 5; do
		browse "$W/callback" "$1" -L --max-redirs 5
		case $STATUS in curl-failed*) sleep 0.5 ;; *) break ;; esac
	done
	say "GET $(printf '%s' "$1" | sed -E 's/([?&]code=)[^&]*/\1(redacted)/') -> $STATUS $(head -c 80 "$W/callback")"
	case $STATUS in 2??) exit 0 ;; *) fail "the callback answered $STATUS" ;; esac
}

browse "$W/page" "$URL"
say "GET $URL -> $STATUS"
case $STATUS in
3??)
	# The server sent the browser straight back (an error redirect).
	[ -n "$LOCATION" ] || fail "redirect without Location"
	follow "$LOCATION"
	;;
200) ;;
*) fail "the authorization endpoint answered $STATUS: $(sed -e 's/<[^>]*>//g' "$W/page" | tr -s ' \n' ' ' | head -c 400)" ;;
esac

# The form: its method and action, then its inputs, submitted as a browser
# submits them (hidden inputs as they are, checkboxes only when ticked).
sed -n '/<form[[:space:]>]/,/<\/form>/p' "$W/page" >"$W/form"
FORM_TAG=$(grep -o '<form[^>]*>' "$W/form" | head -n 1)
[ -n "$FORM_TAG" ] || fail "no form on the login page: $(head -c 300 "$W/page")"
METHOD=$(attr "$FORM_TAG" method | tr '[:lower:]' '[:upper:]')
ACTION=$(absolute "$URL" "$(attr "$FORM_TAG" action)")
[ -n "$ACTION" ] || ACTION=$URL
[ "$METHOD" = POST ] || fail "the login form's method is '$METHOD', not POST"
args=()
names=()
while IFS= read -r tag; do
	name=$(attr "$tag" name)
	type=$(attr "$tag" type | tr '[:upper:]' '[:lower:]')
	value=$(attr "$tag" value)
	[ -n "$name" ] || continue
	case $type:$name in
	hidden:*) args+=(--data-urlencode "$name=$value") ;;
	*:email | *:username) args+=(--data-urlencode "$name=$EMAIL") ;;
	password:*) args+=(--data-urlencode "$name=$PASSWORD") ;;
	checkbox:disclaimer) args+=(--data-urlencode "$name=${value:-on}") ;;
	*) continue ;;
	esac
	names+=("$name")
done < <(grep -o '<input[^>]*>' "$W/form")
say "form: POST $ACTION with ${names[*]}"

ORIGIN=$(printf '%s' "$ACTION" | sed -E 's|^([a-z]+://[^/?#]+).*|\1|')
browse "$W/answer" "$ACTION" -H "Origin: $ORIGIN" "${args[@]}"
say "POST $ACTION -> $STATUS"
case $STATUS in
30[1237])
	[ -n "$LOCATION" ] || fail "redirect without Location"
	follow "$LOCATION"
	;;
*)
	fail "the login page answered $STATUS: $(grep -o 'class="error"[^<]*<' "$W/answer" | sed -e 's/^[^>]*>//' -e 's/<$//' | unescape)"
	;;
esac
