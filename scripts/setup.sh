#!/usr/bin/env bash
# Makes this machine ready for Phoenix's tests and demo, and does nothing that is already done:
#   1. installs podman, runc and busybox-static with apt-get when podman or /bin/busybox is missing,
#      docker-compose (the compose corpus test's reference) when it is missing,
#      and zsh and fish (the shell completion test's shells) when they are missing,
#      age, and prometheus (promtool, for the monitoring doc's tests) when it is missing,
#      and chromium (the status page's browser tests) when it is missing
#      (Debian/Ubuntu as root; elsewhere it says what to install and stops);
#   2. builds the demo image localhost/phoenix-demo/busybox:1 offline (a static busybox and its
#      applet links, /tmp, /run, /etc/passwd) unless the current revision is already there;
#   3. runs a smoke container; only when it fails with the rlimit or cgroups-hybrid errors of
#      machines without CAP_SYS_RESOURCE or with cgroups v1 (see PODMAN.md), writes the fix as a
#      host fact, which Phoenix then uses through CONTAINERS_CONF from any state directory:
#      /etc/phoenix/containers.conf as root, else ${PHOENIX_CONFIG_DIR:-${XDG_CONFIG_HOME:-~/.config}/phoenix}/containers.conf.
#      A fix an older release wrote into the state directory
#      (${PHOENIX_STATE_DIR:-${XDG_STATE_HOME:-~/.local/state}/phoenix}/containers.conf) is still read.
set -euo pipefail

readonly IMAGE='localhost/phoenix-demo/busybox:1'
# Bump when the image's content changes: an image without this revision label is rebuilt.
readonly IMAGE_REVISION='2'
readonly REVISION_LABEL='io.phoenix.demo-image-revision'
readonly CONF_MARKER='# Written by phoenix scripts/setup.sh'

say() { printf 'setup: %s\n' "$*"; }
die() { printf 'setup: ERROR: %s\n' "$*" >&2; exit 1; }
# Installs Debian packages (apt-get arguments after WHAT) without letting their postinst start a
# system service: a temporary policy-rc.d answers 101. The tests start their own servers.
apt_install_without_services() {
  local what=$1 policy_rc=/usr/sbin/policy-rc.d created_policy=0 ok=1
  shift
  export DEBIAN_FRONTEND=noninteractive
  if [[ ! -e "$policy_rc" ]]; then
    printf '#!/bin/sh\n# Written by phoenix scripts/setup.sh while installing %s.\nexit 101\n' "$what" >"$policy_rc"
    chmod 755 "$policy_rc"
    created_policy=1
  fi
  apt-get install -y "$@" || { apt-get update && apt-get install -y "$@"; } || ok=0
  if [[ "$created_policy" == 1 ]]; then rm -f "$policy_rc"; fi
  [[ "$ok" == 1 ]] || die "apt-get could not install $what"
}

if [[ -n "${PHOENIX_STATE_DIR:-}" ]]; then
  state_dir="$PHOENIX_STATE_DIR"
else
  state_dir="${XDG_STATE_HOME:-$HOME/.local/state}/phoenix"
fi
# Host facts live where every state directory finds them (src/podman/containers-conf.ts).
if [[ "$(id -u)" == 0 ]]; then
  host_config_dir=/etc/phoenix
else
  host_config_dir="${PHOENIX_CONFIG_DIR:-${XDG_CONFIG_HOME:-$HOME/.config}/phoenix}"
fi
conf_file="$host_config_dir/containers.conf"
legacy_conf_file="$state_dir/containers.conf"

if [[ -n "${CONTAINERS_CONF:-}" && ! -r "$CONTAINERS_CONF" ]]; then
  die "CONTAINERS_CONF is set to $CONTAINERS_CONF, which is not a readable file: unset it or point it at a containers.conf"
fi

# --- 1. packages -------------------------------------------------------------------------------
busybox_is_static() {
  [[ -x /bin/busybox ]] || return 1
  # ldd fails on a static executable ("not a dynamic executable").
  ! ldd /bin/busybox >/dev/null 2>&1
}

if command -v podman >/dev/null 2>&1 && busybox_is_static; then
  say "podman $(podman --version | awk '{print $3}') and a static /bin/busybox are installed"
else
  if command -v apt-get >/dev/null 2>&1 && grep -qiE '^(ID|ID_LIKE)=.*(debian|ubuntu)' /etc/os-release 2>/dev/null; then
    [[ "$(id -u)" == 0 ]] || die "podman or a static /bin/busybox is missing; run this script as root (sudo $0) to install podman, runc and busybox-static"
    say 'installing podman, runc and busybox-static with apt-get'
    export DEBIAN_FRONTEND=noninteractive
    apt-get update
    apt-get install -y podman runc busybox-static
    command -v podman >/dev/null 2>&1 || die 'apt-get finished but podman is still not on PATH'
    busybox_is_static || die 'apt-get finished but /bin/busybox is still missing or not static'
  else
    die "podman or a static /bin/busybox is missing and this is not Debian/Ubuntu: install Podman (4.3 or later), runc and a statically linked busybox at /bin/busybox with your package manager, then run this script again"
  fi
fi

# --- 1b. a registry for the pull tests ------------------------------------------------------------
# Debian's docker-registry (the Distribution registry) and htpasswd (apache2-utils): the tests start
# their own registry process on a free port with their own config and htpasswd file
# (test/integration/registry.ts). The package's system service must not run: a policy-rc.d stops
# its postinst from starting it, and one already running is stopped, so nothing holds port 5000.
if command -v docker-registry >/dev/null 2>&1 && command -v htpasswd >/dev/null 2>&1; then
  say 'docker-registry and htpasswd are installed'
elif command -v apt-get >/dev/null 2>&1 && [[ "$(id -u)" == 0 ]]; then
  say 'installing docker-registry and apache2-utils (htpasswd) with apt-get, without starting the registry service'
  apt_install_without_services 'docker-registry and apache2-utils' docker-registry apache2-utils
else
  die 'docker-registry or htpasswd is missing: install Debian'"'"'s docker-registry and apache2-utils packages (as root), then run this script again'
fi
if command -v service >/dev/null 2>&1 && [[ -x /etc/init.d/docker-registry ]] && service docker-registry status >/dev/null 2>&1; then
  service docker-registry stop >/dev/null 2>&1 || true
  say 'stopped the docker-registry system service (the tests start their own registry)'
fi

# --- 1c. the compose corpus test's reference --------------------------------------------------
# docker-compose 1.29 (Debian's package) is the reference the compose corpus test compares
# Phoenix's plans with (test/compose-corpus.test.ts); it only reads files, it runs nothing.
if command -v docker-compose >/dev/null 2>&1; then
  say "docker-compose $(docker-compose version --short 2>/dev/null || echo '?') is installed"
elif command -v apt-get >/dev/null 2>&1 && grep -qiE '^(ID|ID_LIKE)=.*(debian|ubuntu)' /etc/os-release 2>/dev/null; then
  [[ "$(id -u)" == 0 ]] || die "docker-compose is missing; run this script as root (sudo $0) to install it"
  say 'installing docker-compose (the reference of the compose corpus test) with apt-get'
  export DEBIAN_FRONTEND=noninteractive
  apt-get update
  apt-get install -y docker-compose
  command -v docker-compose >/dev/null 2>&1 || die 'apt-get finished but docker-compose is still not on PATH'
else
  die "docker-compose is missing and this is not Debian/Ubuntu: install docker-compose 1.29 (the compose corpus test's reference) with your package manager, then run this script again"
fi

# --- 1d. the shells of the completion test -------------------------------------------------------
# test/cli/completion.test.ts loads `phoenix completion zsh|fish` into real zsh and fish (bash is there).
if command -v zsh >/dev/null 2>&1 && command -v fish >/dev/null 2>&1; then
  say 'zsh and fish are installed'
elif command -v apt-get >/dev/null 2>&1 && grep -qiE '^(ID|ID_LIKE)=.*(debian|ubuntu)' /etc/os-release 2>/dev/null; then
  [[ "$(id -u)" == 0 ]] || die "zsh or fish is missing; run this script as root (sudo $0) to install them"
  say 'installing zsh and fish (the shell completion test runs in them) with apt-get'
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y zsh fish || { apt-get update && apt-get install -y zsh fish; } || die 'apt-get could not install zsh and fish'
else
  die "zsh or fish is missing and this is not Debian/Ubuntu: install both with your package manager (the shell completion test runs in them), then run this script again"
fi

# --- 1e. age, for the encrypted-secret tests ------------------------------------------------------
# Debian's age (age, age-keygen): the tests make keys and encrypt secret files with it
# (test/support/age-fixtures.ts); Phoenix itself decrypts with the age-encryption library.
if command -v age >/dev/null 2>&1 && command -v age-keygen >/dev/null 2>&1; then
  say "age $(age --version 2>/dev/null || echo '?') is installed"
elif command -v apt-get >/dev/null 2>&1 && [[ "$(id -u)" == 0 ]]; then
  say 'installing age (the encrypted-secret tests make keys and files with it) with apt-get'
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y age || { apt-get update && apt-get install -y age; }
  command -v age-keygen >/dev/null 2>&1 || die 'apt-get finished but age-keygen is still not on PATH'
else
  die "age is missing: install Debian's age package (as root), then run this script again"
fi

# --- 1f. promtool and prometheus, for the monitoring doc's tests ---------------------------------
# Debian's prometheus package: test/docs/monitoring.test.ts checks docs/examples/ with promtool
# (check config, check rules, test rules) and runs a prometheus of its own that scrapes a real watch.
# The package's system service must not run (a policy-rc.d stops its postinst from starting it;
# one already running is stopped): the test starts its own server on a free port.
if [[ -x /usr/bin/promtool && -x /usr/bin/prometheus ]]; then
  say "prometheus $(/usr/bin/promtool --version 2>&1 | awk 'NR==1 {print $3}') (promtool) is installed"
elif command -v apt-get >/dev/null 2>&1 && [[ "$(id -u)" == 0 ]]; then
  say 'installing prometheus (promtool, for the monitoring doc tests) with apt-get, without starting its service'
  apt_install_without_services prometheus --no-install-recommends prometheus
  [[ -x /usr/bin/promtool && -x /usr/bin/prometheus ]] || die 'apt-get finished but /usr/bin/promtool or /usr/bin/prometheus is still missing'
else
  die "promtool is missing: install Debian's prometheus package (as root), then run this script again"
fi
if command -v service >/dev/null 2>&1 && [[ -x /etc/init.d/prometheus ]] && service prometheus status >/dev/null 2>&1; then
  service prometheus stop >/dev/null 2>&1 || true
  say 'stopped the prometheus system service (the tests start their own)'
fi

# --- 1g. chromium, for the status page's browser tests ------------------------------------------
# test/integration/status-page.test.ts drives Debian's headless chromium with puppeteer-core
# (no browser download): it opens the page `phoenix watch` serves at `/` and clicks through it.
if [[ -x /usr/bin/chromium ]]; then
  say "$(/usr/bin/chromium --version 2>/dev/null | head -n 1 || echo chromium) is installed"
elif command -v apt-get >/dev/null 2>&1 && [[ "$(id -u)" == 0 ]]; then
  say 'installing chromium (the status page browser tests run in it) with apt-get'
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y chromium || { apt-get update && apt-get install -y chromium; }
  [[ -x /usr/bin/chromium ]] || die 'apt-get finished but /usr/bin/chromium is still missing'
else
  die "chromium is missing: install Debian's chromium package (as root), then run this script again"
fi

# --- 2. the demo image ---------------------------------------------------------------------------
current_revision="$(podman image inspect --format "{{index .Labels \"$REVISION_LABEL\"}}" "$IMAGE" 2>/dev/null || true)"
if [[ "$current_revision" == "$IMAGE_REVISION" ]]; then
  say "image $IMAGE (revision $IMAGE_REVISION) is present"
else
  old_image_id="$(podman image inspect --format '{{.Id}}' "$IMAGE" 2>/dev/null || true)"
  say "building image $IMAGE (revision $IMAGE_REVISION) from /bin/busybox, offline"
  work_dir="$(mktemp -d)"
  trap 'rm -rf "$work_dir"' EXIT
  rootfs="$work_dir/rootfs"
  mkdir -p "$rootfs/bin" "$rootfs/etc" "$rootfs/run" "$rootfs/tmp" "$rootfs/root" "$rootfs/var/tmp"
  chmod 1777 "$rootfs/tmp" "$rootfs/var/tmp"
  cp /bin/busybox "$rootfs/bin/busybox"
  # Every applet (sh, mkdir, sleep, httpd, wget, nc, echo, cat, true, ls, env, id, ...) as a link,
  # so that `podman run IMAGE echo hi` finds /bin/echo without a shell.
  for applet in $(/bin/busybox --list); do
    [[ "$applet" == busybox ]] || ln -s busybox "$rootfs/bin/$applet"
  done
  printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' >"$rootfs/etc/passwd"
  printf 'root:x:0:\nnobody:x:65534:\n' >"$rootfs/etc/group"
  tar --numeric-owner --owner=0 --group=0 -C "$rootfs" -cf "$work_dir/rootfs.tar" .
  podman import \
    --change 'CMD ["sh"]' \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change "LABEL $REVISION_LABEL=$IMAGE_REVISION" \
    --quiet "$work_dir/rootfs.tar" "$IMAGE" >/dev/null || die "podman import of the demo image failed (see the message above)"
  if [[ -n "$old_image_id" ]]; then
    # The previous revision is now untagged; drop it unless a container still uses it.
    podman rmi "$old_image_id" >/dev/null 2>&1 && say "removed the previous revision ${old_image_id:0:12}" || true
  fi
  say "built $IMAGE"
fi

# --- 3. smoke test, and the runtime fix only where it is needed -------------------------------
smoke() { podman run --rm "$IMAGE" sh -c 'echo phoenix-smoke-ok' 2>&1; }
needs_fix() { grep -qiE 'rlimit|cgroups in hybrid mode' <<<"$1"; }
write_conf() {
  mkdir -p "$host_config_dir"
  chmod 755 "$host_config_dir" 2>/dev/null || true
  cat >"$conf_file" <<EOF
$CONF_MARKER: \`podman run\` failed here with the rlimit /
# cgroups-hybrid errors (no CAP_SYS_RESOURCE, or cgroups v1). Phoenix passes this file to Podman
# with CONTAINERS_CONF, whatever its state directory. Delete it and run scripts/setup.sh again to re-check.
[containers]
default_ulimits = ["nofile=1024:1024", "nproc=4096:4096"]
[engine]
runtime = "runc"
EOF
}

# Runs the smoke container and writes (or removes) the fix; returns when Podman works.
smoke_and_fix() {
  if [[ -n "${CONTAINERS_CONF:-}" ]]; then
    say "CONTAINERS_CONF is set ($CONTAINERS_CONF): smoke test with it as it is"
    output="$(smoke)" || die "smoke test \`podman run --rm $IMAGE\` failed with CONTAINERS_CONF=$CONTAINERS_CONF: $output"
    say 'smoke test passed'
    return 0
  fi

  # A machine set up by an older release has the fix in the state directory: it becomes a host fact
  # (the old file stays, and is still read, for older Phoenix releases on this machine).
  if [[ ! -f "$conf_file" && -f "$legacy_conf_file" ]] && grep -qF "$CONF_MARKER" "$legacy_conf_file"; then
    mkdir -p "$host_config_dir"
    cp "$legacy_conf_file" "$conf_file"
    chmod 644 "$conf_file"
    say "copied the containers.conf fix from $legacy_conf_file to $conf_file (host facts live outside the state directory)"
  fi

  # Fast path on a machine already set up: the file a previous run wrote still works.
  if [[ -f "$conf_file" ]] && grep -qF "$CONF_MARKER" "$conf_file"; then
    if output="$(CONTAINERS_CONF="$conf_file" smoke)"; then
      say "smoke test passed with $conf_file (written by an earlier run)"
      return 0
    fi
    say "smoke test failed with $conf_file; checking again without it"
  fi

  if output="$(smoke)"; then
    if [[ -f "$conf_file" ]] && grep -qF "$CONF_MARKER" "$conf_file"; then
      rm -f "$conf_file"
      say "removed $conf_file: Podman works here without it"
    fi
    say 'smoke test passed: Podman needs no extra configuration here'
    return 0
  fi

  needs_fix "$output" || die "smoke test \`podman run --rm $IMAGE\` failed: $output"
  say "smoke test failed with a known runtime limitation: $(grep -iE 'rlimit|cgroups in hybrid mode' <<<"$output" | head -n 1)"
  say "writing $conf_file (ulimits Podman may set here, runtime runc)"
  write_conf
  command -v runc >/dev/null 2>&1 || die "the fix in $conf_file needs runc, which is not installed: install runc and run this script again"
  output="$(CONTAINERS_CONF="$conf_file" smoke)" || die "smoke test still fails with CONTAINERS_CONF=$conf_file: $output"
  say "smoke test passed with CONTAINERS_CONF=$conf_file (Phoenix uses it automatically)"
}
smoke_and_fix
