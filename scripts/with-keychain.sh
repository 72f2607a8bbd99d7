#!/usr/bin/env bash
# Runs a command inside a throwaway, unlocked Secret Service (gnome-keyring) on a private D-Bus
# session bus, so keychain code is tested for real on a headless Linux host (CI, containers).
# Nothing touches the user's own keyring: the keyring and the runtime dir are fresh temp dirs,
# deleted afterwards. Needs dbus-run-session (Debian: dbus-daemon) and gnome-keyring.
#
#   scripts/with-keychain.sh npx vitest run test/integration/keychain-
#   scripts/with-keychain.sh npx vitest run
set -euo pipefail

me=$(basename "$0")
if [ "$#" -eq 0 ]; then
  echo "usage: $me COMMAND [ARG...]   (runs COMMAND with a throwaway Secret Service)" >&2
  exit 2
fi

missing=()
for tool in dbus-run-session gnome-keyring-daemon; do
  command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
done
if ! command -v dbus-send >/dev/null 2>&1 && ! command -v gdbus >/dev/null 2>&1; then
  missing+=("dbus-send or gdbus")
fi
if [ "${#missing[@]}" -gt 0 ]; then
  echo "$me: cannot start a throwaway Secret Service: missing ${missing[*]}." >&2
  echo "$me: on Debian/Ubuntu: sudo apt-get install dbus-daemon dbus-bin gnome-keyring" >&2
  echo "$me: (macOS and Windows have their own keychain: run the command directly.)" >&2
  exit 1
fi

tmp_root=$(mktemp -d "${TMPDIR:-/tmp}/with-keychain.XXXXXX")
cleanup() { rm -rf -- "$tmp_root"; }
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
mkdir -m 700 "$tmp_root/data" "$tmp_root/runtime"

# The bus's own configuration: a session bus like the standard one, but with no service directories,
# so nothing is started on demand. If the keyring daemon started below dies (gnome-keyring has crashed
# on a glib assertion here), D-Bus would otherwise start a fresh, locked one that waits for a password
# prompt no headless host can show, and the tests would hang; without it they fail at once, naming
# the keychain.
cat >"$tmp_root/bus.conf" <<'CONF'
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <keep_umask/>
  <listen>unix:tmpdir=/tmp</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
CONF

# Inside the private bus: start and unlock the keyring with a throwaway password, wait (bounded)
# until org.freedesktop.secrets is on the bus, then become the command.
inner=$(cat <<'INNER'
set -euo pipefail
printf %s throwaway-keyring-password | gnome-keyring-daemon --unlock --components=secrets >/dev/null
bus_names() {
  if command -v dbus-send >/dev/null 2>&1; then
    dbus-send --session --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus org.freedesktop.DBus.ListNames
  else
    gdbus call --session --dest org.freedesktop.DBus --object-path /org/freedesktop/DBus --method org.freedesktop.DBus.ListNames
  fi
}
for _ in $(seq 1 100); do
  names=$(bus_names 2>/dev/null || true)
  case "$names" in
    *\"org.freedesktop.secrets\"* | *\'org.freedesktop.secrets\'*) exec "$@" ;;
  esac
  sleep 0.1
done
echo "with-keychain.sh: the Secret Service (org.freedesktop.secrets) did not appear on the session bus within 10 s." >&2
exit 1
INNER
)

set +e
XDG_DATA_HOME="$tmp_root/data" XDG_RUNTIME_DIR="$tmp_root/runtime" \
  dbus-run-session --config-file="$tmp_root/bus.conf" -- bash -c "$inner" "$me" "$@"
status=$?
set -e
exit "$status"
