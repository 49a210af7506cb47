#!/bin/sh
# Installs airlock (README, "Install"):
#
#   curl -fsSL https://github.com/airlock-dev/airlock/releases/latest/download/install.sh | sh
#   sh install.sh --help
#
# POSIX sh only (dash, busybox ash, macOS sh). Everything runs inside main(), called on the last line, so a
# download cut short part-way runs nothing at all.
set -eu

RELEASES="https://github.com/airlock-dev/airlock/releases"

usage() {
  cat <<'EOF'
Install airlock: one binary that is the credential daemon, the shim and the sandbox for AI agents.

Usage: sh install.sh [--no-init] [--uninstall] [--help]
       curl -fsSL <release>/install.sh | sh -s -- [options]

Downloads airlock-<os>-<arch> and SHA256SUMS, checks the checksum (nothing is installed
if it does not match), puts the binary at ~/.local/bin/airlock with an atomic rename (a
running daemon keeps its old copy), and runs `airlock init`: config dir, a commented
config.toml, and a user service (systemd on Linux, launchd on macOS). Safe to re-run.

Options:
  --no-init     install the binary only, do not run `airlock init`
  --uninstall   run `airlock init --uninstall` (removes what init created, keeps files you
                changed), then remove the binary
  -h, --help    show this help

Environment:
  AIRLOCK_VERSION        install this version (0.5.0) instead of the latest; the binary
                         must report it
  AIRLOCK_INSTALL_BASE   where the release files are: a URL or a directory holding
                         airlock-<os>-<arch> and SHA256SUMS (a mirror, or dist/release)
  AIRLOCK_INSTALL_DIR    install directory (default ~/.local/bin)
  AIRLOCK_INSTALL_LIBC   gnu or musl: skip libc detection on Linux

For testing the script (they change which file is picked, not what runs):
  AIRLOCK_INSTALL_UNAME_S   used instead of `uname -s` (Linux, Darwin)
  AIRLOCK_INSTALL_UNAME_M   used instead of `uname -m` (x86_64, aarch64, arm64)
EOF
}

say() { printf 'airlock-install: %s\n' "$*" >&2; }
die() {
  say "error: $*"
  exit 1
}

detect_os() {
  uname_s=${AIRLOCK_INSTALL_UNAME_S:-$(uname -s)}
  case $uname_s in
    Linux) echo linux ;;
    Darwin) echo darwin ;;
    *) die "unsupported OS '$uname_s': release binaries exist for Linux and macOS; elsewhere, build from source (npm ci && npm run build)" ;;
  esac
}

detect_arch() {
  uname_m=${AIRLOCK_INSTALL_UNAME_M:-$(uname -m)}
  case $uname_m in
    x86_64 | amd64) arch=x64 ;;
    aarch64 | arm64) arch=arm64 ;;
    *) die "unsupported architecture '$uname_m': release binaries exist for x86_64 and arm64 (aarch64); elsewhere, build from source (npm ci && npm run build)" ;;
  esac
  # A shell under Rosetta reports x86_64 on Apple silicon; the native binary is the one to run.
  if [ "$1" = darwin ] && [ "$arch" = x64 ] && [ -z "${AIRLOCK_INSTALL_UNAME_M:-}" ] &&
    [ "$(sysctl -n sysctl.proc_translated 2>/dev/null || true)" = 1 ]; then
    arch=arm64
  fi
  echo "$arch"
}

# Prints "-musl" on musl systems (Alpine), nothing on glibc ones.
detect_libc() {
  case ${AIRLOCK_INSTALL_LIBC:-} in
    musl) printf "%s\n" -musl && return ;;
    gnu | glibc) return ;;
    "") ;;
    *) die "AIRLOCK_INSTALL_LIBC must be gnu or musl, not '$AIRLOCK_INSTALL_LIBC'" ;;
  esac
  if command -v ldd >/dev/null 2>&1; then
    case $(ldd --version 2>&1 || true) in
      *musl*) printf "%s\n" -musl && return ;;
      *GNU* | *GLIBC* | *glibc*) return ;;
    esac
  fi
  for loader in /lib/ld-musl-*.so.1; do
    if [ -e "$loader" ]; then printf "%s\n" -musl && return; fi
  done
}

release_base() {
  if [ -n "${AIRLOCK_INSTALL_BASE:-}" ]; then
    echo "${AIRLOCK_INSTALL_BASE%/}"
  elif [ -n "${AIRLOCK_VERSION:-}" ]; then
    echo "$RELEASES/download/v${AIRLOCK_VERSION#v}"
  else
    echo "$RELEASES/latest/download"
  fi
}

# fetch SOURCE DEST: SOURCE is a URL, or a path when the base is a local directory.
fetch() {
  case $1 in
    /*) cp "$1" "$2" 2>/dev/null ;;
    *)
      if command -v curl >/dev/null 2>&1; then
        curl -fsSL --retry 2 -o "$2" "$1"
      elif command -v wget >/dev/null 2>&1; then
        wget -q -O "$2" "$1"
      else
        die "need curl or wget to download airlock; install one and re-run"
      fi
      ;;
  esac
}

sha256_of() {
  if command -v sha256sum >/dev/null 2>&1; then
    sha256sum "$1" | cut -d ' ' -f 1
  elif command -v shasum >/dev/null 2>&1; then
    shasum -a 256 "$1" | cut -d ' ' -f 1
  else
    die "need sha256sum (coreutils) or shasum (perl) to verify the download; install one and re-run"
  fi
}

cleanup() {
  if [ -n "${tmp:-}" ]; then rm -rf "$tmp"; fi
  if [ -n "${staged:-}" ]; then rm -f "$staged"; fi
}

# The checksum catches a corrupted download or a binary swapped on a mirror or cache. It comes from the
# same release as the binary, so it is not a signature: the release itself is trusted.
verify() {
  expected=$(awk -v name="$asset" '$2 == name || $2 == "*" name { print $1; exit }' "$tmp/SHA256SUMS")
  if [ -z "$expected" ]; then
    die "SHA256SUMS from $base has no line for $asset; the release is incomplete, try another AIRLOCK_VERSION"
  fi
  actual=$(sha256_of "$tmp/$asset") || exit 1
  if [ "$actual" != "$expected" ]; then
    die "checksum mismatch for $asset (expected $expected, got $actual); nothing was installed. Download again; if it persists, the file at $base is not the released one"
  fi
}

install_binary() {
  if [ -f "$target" ] && [ "$(sha256_of "$target")" = "$expected" ]; then
    say "$target is already this binary ($version)"
    return
  fi
  mkdir -p "$dir" || die "cannot create $dir; set AIRLOCK_INSTALL_DIR to a directory you can write"
  staged="$dir/.airlock.$$.tmp"
  cp "$tmp/$asset" "$staged" || die "cannot write to $dir; set AIRLOCK_INSTALL_DIR to a directory you can write"
  chmod 755 "$staged"
  # rename(2) in one directory is atomic: a running daemon or shim keeps the old file, new runs get the new.
  mv -f "$staged" "$target" || die "cannot replace $target; check its permissions"
  staged=""
  say "installed $target: $version"
}

path_hint() {
  case ":${PATH:-}:" in
    *":$dir:"* | *":$dir/:"*) ;;
    *)
      say "note: $dir is not on your PATH; add it, e.g. in ~/.profile or your shell's rc file:"
      say "  export PATH=\"$dir:\$PATH\""
      ;;
  esac
}

uninstall() {
  if [ ! -e "$target" ]; then
    say "nothing to remove: no $target (set AIRLOCK_INSTALL_DIR if you installed elsewhere)"
    return
  fi
  if [ "$run_init" = yes ]; then
    "$target" init --uninstall </dev/null || say "warning: \`airlock init --uninstall\` failed (above); removing the binary anyway"
  fi
  rm -f "$target" || die "cannot remove $target; check its permissions"
  say "removed $target"
}

main() {
  run_init=yes
  action=install
  for arg in "$@"; do
    case $arg in
      --no-init) run_init=no ;;
      --uninstall) action=uninstall ;;
      -h | --help) usage && return 0 ;;
      *) die "unknown option '$arg'; see: sh install.sh --help" ;;
    esac
  done
  if [ -z "${AIRLOCK_INSTALL_DIR:-}" ] && [ -z "${HOME:-}" ]; then
    die "HOME is not set; set it, or AIRLOCK_INSTALL_DIR"
  fi
  dir=${AIRLOCK_INSTALL_DIR:-$HOME/.local/bin}
  case $dir in
    /*) dir=${dir%/} ;;
    *) die "AIRLOCK_INSTALL_DIR must be an absolute path, not '$dir'" ;;
  esac
  target=$dir/airlock
  if [ "$action" = uninstall ]; then
    uninstall
    return 0
  fi

  os=$(detect_os) || exit 1
  arch=$(detect_arch "$os") || exit 1
  libc=""
  if [ "$os" = linux ]; then libc=$(detect_libc) || exit 1; fi
  asset="airlock-$os-$arch$libc"
  base=$(release_base)

  tmp=""
  staged=""
  trap cleanup EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
  tmp=$(mktemp -d "${TMPDIR:-/tmp}/airlock-install.XXXXXX") ||
    die "cannot create a temp dir; set TMPDIR to a writable directory"

  say "downloading $asset from $base"
  fetch "$base/$asset" "$tmp/$asset" ||
    die "could not download $base/$asset; check the network, AIRLOCK_INSTALL_BASE or AIRLOCK_VERSION"
  fetch "$base/SHA256SUMS" "$tmp/SHA256SUMS" ||
    die "could not download $base/SHA256SUMS; refusing to install a binary that cannot be verified"
  verify
  chmod 755 "$tmp/$asset"
  # Also proves the binary runs here (right arch and libc) before anything is replaced.
  version=$("$tmp/$asset" version </dev/null 2>&1) ||
    die "the downloaded $asset does not run on this machine: $version
  musl builds need the C++ runtime (Alpine: apk add libstdc++ libgcc); to pick the other libc build, set AIRLOCK_INSTALL_LIBC=musl or gnu"
  if [ -n "${AIRLOCK_VERSION:-}" ]; then
    case $version in
      "airlock ${AIRLOCK_VERSION#v} "*) ;;
      *) die "$base/$asset reports '$version', not version ${AIRLOCK_VERSION#v}; nothing was installed. Check AIRLOCK_INSTALL_BASE" ;;
    esac
  fi
  install_binary
  path_hint
  if [ "$run_init" = yes ]; then
    "$target" init </dev/null || die "\`airlock init\` failed (above); fix that and run: $target init"
  fi
}

main "$@"
