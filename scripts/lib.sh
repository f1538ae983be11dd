# Shared by scripts/build-bench, run-tests and run-demo (sourced, not run): who runs what.
# The bench belongs to a non-root user (`bench` refuses root); these helpers run a command as that user
# from root or from a user with sudo, with the environment its tools need, so nothing the bench owns is
# ever written by root.

bench_user="${XNET_BENCH_USER:-frappe}"

if [ "$(id -u)" -eq 0 ]; then
	as_root() { "$@"; }
else
	as_root() {
		command -v sudo >/dev/null || { printf 'needs root for: %s (run as root, or install sudo)\n' "$*" >&2; return 1; }
		sudo "$@"
	}
fi

# Paths under the bench user's home, and the environment its commands get: the TLS bundle for uv, pip and
# yarn, setuptools<81 (Frappe 15 imports pkg_resources), proxies if any. Call once the user exists.
owner_env=()
load_bench_user() {
	owner_home="$(getent passwd "$bench_user" | cut -d: -f6)"
	cache="$owner_home/.cache/xnet-helpdesk"
	cli_venv="$owner_home/.local/share/xnet-helpdesk/bench-cli"
	local bundle=/etc/ssl/certs/ca-certificates.crt var
	owner_env=(
		"HOME=$owner_home"
		"USER=$bench_user"
		"PATH=$cli_venv/bin:/usr/local/bin:/usr/bin:/bin"
		"LANG=C.UTF-8"
		"UV_CONSTRAINT=$cache/constraints.txt"
		"PIP_CONSTRAINT=$cache/constraints.txt"
		"UV_SYSTEM_CERTS=1"
		"UV_NATIVE_TLS=1"
		"UV_LINK_MODE=copy"
	)
	[ -f "$bundle" ] && owner_env+=("SSL_CERT_FILE=$bundle" "REQUESTS_CA_BUNDLE=$bundle" "PIP_CERT=$bundle" "NODE_EXTRA_CA_CERTS=$bundle")
	for var in http_proxy https_proxy no_proxy HTTP_PROXY HTTPS_PROXY NO_PROXY PIP_INDEX_URL PIP_EXTRA_INDEX_URL \
		PIP_FIND_LINKS UV_INDEX_URL UV_DEFAULT_INDEX npm_config_registry CI TERM; do
		[ -n "${!var:-}" ] && owner_env+=("$var=${!var}")
	done
	for var in $(compgen -e | grep '^XNET_' || true); do
		owner_env+=("$var=${!var}")
	done
	return 0
}

# as_owner_in DIR CMD...: runs CMD as the bench user in DIR. Python there keeps its bytecode caches even
# where the caller's environment says PYTHONDONTWRITEBYTECODE (some CI machines do): without them every
# process, and every job a worker forks, compiles Frappe's modules again (seconds per background job).
as_owner_in() {
	local dir="$1"
	shift
	if [ "$(id -un)" = "$bench_user" ]; then
		(cd "$dir" && env -u PYTHONDONTWRITEBYTECODE "${owner_env[@]}" "$@")
	elif [ "$(id -u)" -eq 0 ]; then
		(cd "$dir" && runuser -u "$bench_user" -- env -u PYTHONDONTWRITEBYTECODE "${owner_env[@]}" "$@")
	else
		(cd "$dir" && sudo -u "$bench_user" -- env -u PYTHONDONTWRITEBYTECODE "${owner_env[@]}" "$@")
	fi
}
