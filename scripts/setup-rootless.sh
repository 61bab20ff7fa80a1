#!/usr/bin/env bash
# Makes an unprivileged user ready for rootless Podman on this machine, and does nothing that
# is already done (as root; scripts/test.sh runs it for the rootless test run):
#   1. installs uidmap (newuidmap/newgidmap), slirp4netns and fuse-overlayfs when missing;
#   2. creates the user ($PHOENIX_ROOTLESS_USER, default phoenix-ci) with a home;
#   3. gives it subordinate uid/gid ranges (65536 ids) when it has none;
#   4. makes its runtime directory /run/user/UID (mode 0700; there is no logind here to do it);
#   5. makes /dev/net/tun usable by unprivileged users (mode 0666) when it is root-only, as on
#      the machines this project is tested on: slirp4netns needs it for rootless networking;
#   6. copies the demo image localhost/phoenix-demo/busybox:1 into the user's own storage;
#   7. runs a smoke container as the user, on the default (slirp4netns) network, and writes the
#      containers.conf fix into the user's ~/.config/phoenix only when that fails with the
#      rlimit / cgroups-hybrid errors (the host's /etc/phoenix fix, if any, is tried first).
# Root's Podman storage and configuration are not touched.
set -euo pipefail

readonly USER_NAME="${PHOENIX_ROOTLESS_USER:-phoenix-ci}"
readonly IMAGE='localhost/phoenix-demo/busybox:1'
readonly REVISION_LABEL='io.phoenix.demo-image-revision'
readonly CONF_MARKER='# Written by phoenix scripts/setup-rootless.sh'
readonly IDS=65536

say() { printf 'setup-rootless: %s\n' "$*"; }
die() { printf 'setup-rootless: ERROR: %s\n' "$*" >&2; exit 1; }

[[ "$(id -u)" == 0 ]] || die "run as root: it creates the user $USER_NAME and its ranges"
command -v podman >/dev/null 2>&1 || die 'podman is missing: run scripts/setup.sh first'
podman image exists "$IMAGE" || die "the demo image $IMAGE is missing from root's storage: run scripts/setup.sh first"

# --- 1. packages ---------------------------------------------------------------------------------
if command -v newuidmap >/dev/null 2>&1 && command -v newgidmap >/dev/null 2>&1 && command -v slirp4netns >/dev/null 2>&1 && command -v fuse-overlayfs >/dev/null 2>&1; then
  say 'uidmap, slirp4netns and fuse-overlayfs are installed'
elif command -v apt-get >/dev/null 2>&1; then
  say 'installing uidmap, slirp4netns and fuse-overlayfs with apt-get'
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y uidmap slirp4netns fuse-overlayfs || { apt-get update && apt-get install -y uidmap slirp4netns fuse-overlayfs; }
  command -v newuidmap >/dev/null 2>&1 || die 'apt-get finished but newuidmap is still missing'
else
  die 'newuidmap/newgidmap (uidmap), slirp4netns or fuse-overlayfs is missing and apt-get is not here: install them with your package manager'
fi

# --- 2. the user ---------------------------------------------------------------------------------
if id "$USER_NAME" >/dev/null 2>&1; then
  say "user $USER_NAME exists"
else
  useradd --create-home --shell /bin/bash "$USER_NAME"
  say "created user $USER_NAME"
fi
uid="$(id -u "$USER_NAME")"
home="$(getent passwd "$USER_NAME" | cut -d: -f6)"
runtime_dir="/run/user/$uid"

# --- 3. subordinate ids --------------------------------------------------------------------------
has_range() { grep -qE "^($USER_NAME|$uid):[0-9]+:[0-9]+$" "$1" 2>/dev/null; }
# The first id after every range already given out (at least 100000), so ranges never overlap.
next_free() { awk -F: 'BEGIN { next_id = 100000 } NF == 3 && $2 + $3 > next_id { next_id = $2 + $3 } END { print next_id }' /etc/subuid /etc/subgid 2>/dev/null; }
migrate=0
touch /etc/subuid /etc/subgid
if ! has_range /etc/subuid || ! has_range /etc/subgid; then
  start="$(next_free)"
  end=$((start + IDS - 1))
  has_range /etc/subuid || usermod --add-subuids "$start-$end" "$USER_NAME"
  has_range /etc/subgid || usermod --add-subgids "$start-$end" "$USER_NAME"
  say "gave $USER_NAME the subordinate ids $start-$end"
  migrate=1
else
  say "$USER_NAME has subordinate uid and gid ranges"
fi

# --- 4. runtime directory -------------------------------------------------------------------------
# logind makes /run/user/UID at login; without systemd nobody does, and Podman would fall back to /tmp.
if [[ -d "$runtime_dir" && "$(stat -c '%u %a' "$runtime_dir")" == "$uid 700" ]]; then
  say "$runtime_dir exists"
else
  install -d -m 0700 -o "$USER_NAME" -g "$(id -g "$USER_NAME")" "$runtime_dir"
  say "made $runtime_dir (mode 0700, owned by $USER_NAME)"
fi

as_user() {
  (cd / && runuser -u "$USER_NAME" -- env -i HOME="$home" USER="$USER_NAME" LOGNAME="$USER_NAME" PATH="$PATH" XDG_RUNTIME_DIR="$runtime_dir" "$@")
}

# --- 5. /dev/net/tun --------------------------------------------------------------------------------
if [[ ! -e /dev/net/tun ]]; then
  mkdir -p /dev/net
  mknod /dev/net/tun c 10 200
  chmod 0666 /dev/net/tun
  say 'created /dev/net/tun (mode 0666)'
elif as_user test -r /dev/net/tun -a -w /dev/net/tun; then
  say "/dev/net/tun is usable by $USER_NAME"
else
  # Root-only here (crw------- root); 0666 is its mode on most distributions. Opening it gives
  # no privilege by itself: creating a tun device still needs CAP_NET_ADMIN in the user's namespace.
  chmod 0666 /dev/net/tun
  say "/dev/net/tun was root-only, so slirp4netns failed for $USER_NAME; set its usual mode 0666"
fi

[[ "$migrate" == 0 ]] || as_user podman system migrate >/dev/null 2>&1 || true

# --- 6. the demo image, in the user's storage -----------------------------------------------------
root_revision="$(podman image inspect --format "{{index .Labels \"$REVISION_LABEL\"}}" "$IMAGE")"
user_revision="$(as_user podman image inspect --format "{{index .Labels \"$REVISION_LABEL\"}}" "$IMAGE" 2>/dev/null || true)"
if [[ -n "$root_revision" && "$user_revision" == "$root_revision" ]]; then
  say "image $IMAGE (revision $root_revision) is in $USER_NAME's storage"
else
  transfer="$(mktemp -d)"
  chmod 755 "$transfer"
  podman save --quiet --format oci-archive -o "$transfer/image.tar" "$IMAGE" >/dev/null
  chmod 644 "$transfer/image.tar"
  output="$(as_user podman load -i "$transfer/image.tar" 2>&1)" || { rm -rf "$transfer"; die "podman load as $USER_NAME failed: $output"; }
  rm -rf "$transfer"
  say "loaded $IMAGE (revision $root_revision) into $USER_NAME's storage"
fi

# --- 7. smoke test as the user --------------------------------------------------------------------
user_conf_dir="$home/.config/phoenix"
user_conf="$user_conf_dir/containers.conf"
# What Phoenix would pass as CONTAINERS_CONF for this user (src/podman/containers-conf.ts).
conf_for_user() {
  if [[ -f "$user_conf" ]]; then echo "$user_conf"; elif [[ -f /etc/phoenix/containers.conf ]]; then echo /etc/phoenix/containers.conf; fi
}
smoke() {
  local conf
  conf="$(conf_for_user)"
  if [[ -n "$conf" ]]; then as_user env CONTAINERS_CONF="$conf" podman run --rm "$IMAGE" sh -c 'echo phoenix-smoke-ok' 2>&1; else as_user podman run --rm "$IMAGE" sh -c 'echo phoenix-smoke-ok' 2>&1; fi
}
if output="$(smoke)"; then
  conf="$(conf_for_user)"
  say "smoke test as $USER_NAME passed (rootless${conf:+, CONTAINERS_CONF=$conf})"
  exit 0
fi
grep -qiE 'rlimit|cgroups in hybrid mode' <<<"$output" || die "smoke test \`podman run --rm $IMAGE\` as $USER_NAME failed: $output"
say "smoke test as $USER_NAME failed with a known runtime limitation; writing $user_conf"
install -d -m 0755 -o "$USER_NAME" -g "$(id -g "$USER_NAME")" "$home/.config" "$user_conf_dir"
cat >"$user_conf" <<CONF
$CONF_MARKER: rootless \`podman run\` failed here with the rlimit /
# cgroups-hybrid errors. Phoenix passes this file to Podman with CONTAINERS_CONF.
[containers]
default_ulimits = ["nofile=1024:1024", "nproc=4096:4096"]
[engine]
runtime = "runc"
CONF
chown "$USER_NAME:" "$user_conf"
output="$(smoke)" || die "smoke test as $USER_NAME still fails with $user_conf: $output"
say "smoke test as $USER_NAME passed with $user_conf"
