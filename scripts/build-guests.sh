#!/usr/bin/env bash
# Rebuilds every WebAssembly (WASI preview1) guest in the repository from
# source: the sandbox test guests and the example MCP tools, the sandbox's
# C test component (a wasi-libc reactor made a component with the preview1
# adapter), and the Extism test plugins (reactor modules importing the Extism
# kernel, "extism:host/env", following hyper-mcp's plugin protocol).
#
#   scripts/build-guests.sh [--check] [--no-install] [target...]
#
#   target        one or more of the names below; default: all of them
#   --check       build into a temporary directory and compare with the
#                 .wasm files in the tree instead of replacing them; exits 1
#                 when any differs (the builds are deterministic)
#   --no-install  fail instead of installing a missing toolchain
#
# Toolchains, installed when missing:
#   C               clang + lld + wasi-libc + compiler-rt for wasm32 (Debian
#                   packages clang lld wasi-libc libclang-rt-dev-wasm32)
#   Go              Go >= 1.21 (GOOS=wasip1 GOARCH=wasm); not installed by this
#                   script, looked up in PATH and /usr/local/go/bin
#   AssemblyScript  assemblyscript + @assemblyscript/wasi-shim from npm,
#                   pinned, installed into a cache directory outside the tree
#   C components    the C toolchain, and jco from npm (its `embed` and `new`
#                   with its bundled preview1 adapter), pinned, installed
#                   into the same cache directory
#   Extism plugins  C: the C toolchain (-mexec-model=reactor); the build
#                   fails when a plugin imports a module other than
#                   extism:host/env and extism:host/user (kind c-plugin) or
#                   those and wasi_snapshot_preview1 (kind c-plugin-wasi).
#                   AssemblyScript: assemblyscript and @extism/as-pdk from
#                   npm, pinned, installed with the AssemblyScript toolchain.
#                   Go: the Go toolchain, -buildmode=c-shared (a reactor
#                   with go:wasmexport, Go >= 1.24; kind go-plugin).
#                   Rust: Debian's Rust toolchain with its wasm32 standard
#                   library (packages rustc cargo libstd-rust-dev-wasm32,
#                   Rust 1.63), the crates of Cargo.lock fetched from
#                   crates.io once into the cache directory (kind
#                   rust-plugin)
#
# Environment: CC, GO, WASI_SYSROOT, MCPKIT_TOOLCHAIN_CACHE (default
# ${XDG_CACHE_HOME:-~/.cache}/mcpkit-toolchains).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
ASC_VERSION="0.28.20"
WASI_SHIM_VERSION="0.1.0"
AS_PDK_VERSION="1.0.0"
JCO_VERSION="1.35.0"
# jco's wasm-tools runs on preview2-shim and reads its files through the
# shim's default `/` preopen, which 0.26 no longer has.
JCO_SHIM_VERSION="0.25.0"
APT_PACKAGES=(clang lld wasi-libc libclang-rt-dev-wasm32)
RUST_APT_PACKAGES=(rustc cargo libstd-rust-dev-wasm32)
# Debian's, whose standard library for wasm32 matches it; a rustup
# toolchain earlier in PATH has none.
DEB_RUSTC=/usr/bin/rustc
DEB_CARGO=/usr/bin/cargo
CACHE_DIR="${MCPKIT_TOOLCHAIN_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/mcpkit-toolchains}"

GUESTS="packages/sandbox/test/guests"

# name | toolchain | source (file or Go module dir) | output | extra flags
TARGETS=(
  "fsops-c|c|$GUESTS/c/fsops.c|$GUESTS/fsops-c.wasm|-Wl,-z,stack-size=1048576"
  "fsops-go|go|$GUESTS/go/fsops|$GUESTS/fsops-go.wasm|"
  "fsops-as|as|$GUESTS/as/assembly/fsops.ts|$GUESTS/fsops-as.wasm|"
  "alloc-c|c|$GUESTS/c/alloc.c|$GUESTS/alloc-c.wasm|"
  "limits-component|c-component|$GUESTS/c/limits-component|$GUESTS/limits-component.wasm|"
  "fs-tool|go|examples/fs-tool|examples/fs-tool/fs-tool.wasm|"
  "calculator|c|examples/calculator/calculator.c|examples/calculator/calculator.wasm|-Wl,-z,stack-size=1048576 -lm"
  "hash|c|examples/hash/hash.c|examples/hash/hash.wasm|-Wl,-z,stack-size=1048576"
  "echo|c|examples/echo/echo.c|examples/echo/echo.wasm|-Wl,-z,stack-size=65536"
  "catalog|c|packages/server/test/guests/catalog/catalog.c|packages/server/test/guests/catalog/catalog.wasm|-Wl,-z,stack-size=65536"
  "extism-hello|c-plugin|$GUESTS/extism/hello.c|$GUESTS/extism-hello.wasm|"
  "extism-state|c-plugin|$GUESTS/extism/state.c|$GUESTS/extism-state.wasm|"
  "extism-catalog|c-plugin|$GUESTS/extism/catalog.c|$GUESTS/extism-catalog.wasm|"
  "extism-fetch|c-plugin|$GUESTS/extism/fetch.c|$GUESTS/extism-fetch.wasm|"
  "extism-files|c-plugin-wasi|$GUESTS/extism/files.c|$GUESTS/extism-files.wasm|"
  "extism-evil|c-plugin|$GUESTS/extism/evil.c|$GUESTS/extism-evil.wasm|"
  "extism-shout-as|as-plugin|$GUESTS/extism/as/shout.ts|$GUESTS/extism-shout-as.wasm|"
  "extism-go|go-plugin|$GUESTS/extism/go|$GUESTS/extism-go.wasm|"
  "extism-rust|rust-plugin|$GUESTS/extism/rust|$GUESTS/extism-rust.wasm|"
)

CHECK=0
INSTALL=1
SELECTED=()

log() { printf '%s\n' "$*" >&2; }
die() {
  log "build-guests: $*"
  exit 1
}

usage() {
  sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed -e '$d' -e 's/^# \{0,1\}//'
  echo "targets:"
  for t in "${TARGETS[@]}"; do echo "  ${t%%|*}"; done
}

while (($#)); do
  case "$1" in
    --check) CHECK=1 ;;
    --no-install) INSTALL=0 ;;
    -h | --help)
      usage
      exit 0
      ;;
    -*) die "unknown option $1 (see --help)" ;;
    *) SELECTED+=("$1") ;;
  esac
  shift
done

for name in "${SELECTED[@]+"${SELECTED[@]}"}"; do
  found=0
  for t in "${TARGETS[@]}"; do [[ "${t%%|*}" == "$name" ]] && found=1; done
  ((found)) || die "unknown target '$name' (see --help)"
done

selected() {
  local name="$1"
  ((${#SELECTED[@]} == 0)) && return 0
  for s in "${SELECTED[@]}"; do [[ "$s" == "$name" ]] && return 0; done
  return 1
}

# The toolchains a target kind needs: c-component and the C plugin kinds
# need the C toolchain too, as-plugin is built by the AssemblyScript one.
kind_needs() {
  local tk="$1" kind="$2"
  case "$tk" in
    c-component) [[ "$kind" == c || "$kind" == c-component ]] ;;
    c-plugin | c-plugin-wasi) [[ "$kind" == c ]] ;;
    go-plugin) [[ "$kind" == go ]] ;;
    as-plugin) [[ "$kind" == as ]] ;;
    rust-plugin) [[ "$kind" == rust ]] ;;
    *) [[ "$kind" == "$tk" ]] ;;
  esac
}

needs_toolchain() {
  local kind="$1" t
  for t in "${TARGETS[@]}"; do
    IFS='|' read -r name tk _ <<<"$t"
    if kind_needs "$tk" "$kind" && selected "$name"; then
      return 0
    fi
  done
  return 1
}

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

as_root() {
  if [[ $(id -u) -eq 0 ]]; then
    "$@"
  elif command -v sudo >/dev/null 2>&1; then
    sudo "$@"
  else
    die "need root to run: $*"
  fi
}

# ---------------------------------------------------------------------------
# C: clang targeting wasm32-wasi with wasi-libc

C_TARGET=""
C_SYSROOT_FLAGS=()

probe_c() {
  CC="${CC:-clang}"
  command -v "$CC" >/dev/null 2>&1 || return 1
  printf '#include <stdio.h>\nint main(void){puts("ok");return 0;}\n' >"$WORK/probe.c"
  local sysroot target
  # Debian installs wasi-libc into the multiarch paths under /usr (no
  # --sysroot needed); wasi-sdk and other distributions use a sysroot dir.
  for sysroot in "${WASI_SYSROOT:-}" /usr/share/wasi-sysroot /opt/wasi-sdk/share/wasi-sysroot ""; do
    [[ -n "$sysroot" && ! -d "$sysroot" ]] && continue
    for target in wasm32-wasi wasm32-wasip1; do
      local flags=(--target="$target")
      [[ -n "$sysroot" ]] && flags+=(--sysroot="$sysroot")
      if "$CC" "${flags[@]}" -O2 -o "$WORK/probe.wasm" "$WORK/probe.c" >/dev/null 2>&1; then
        C_TARGET="$target"
        C_SYSROOT_FLAGS=()
        [[ -n "$sysroot" ]] && C_SYSROOT_FLAGS=(--sysroot="$sysroot")
        return 0
      fi
    done
  done
  return 1
}

# apt_install WHAT ELSE PACKAGE...: install Debian's PACKAGEs for WHAT (a
# toolchain), or die saying what to install (ELSE: what serves instead).
apt_install() {
  local what="$1" instead="$2"
  shift 2
  ((INSTALL)) || die "no $what; install: $*"
  command -v apt-get >/dev/null 2>&1 || die "no $what and no apt-get; install $*${instead:+ ($instead)}"
  log "installing $what: apt-get install $*"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

ensure_c() {
  if probe_c; then return 0; fi
  apt_install "working C toolchain for wasm32-wasi" "or wasi-sdk, with WASI_SYSROOT" "${APT_PACKAGES[@]}"
  probe_c || die "C toolchain still cannot build for wasm32-wasi after installing ${APT_PACKAGES[*]}"
}

build_c() {
  local src="$1" out="$2" extra="$3"
  # -s strips debug info and custom sections (including "producers", which
  # names the compiler version). --stack-first puts the shadow stack below
  # the data, so a stack overflow traps instead of corrupting globals.
  # shellcheck disable=SC2086
  (cd "$(dirname "$ROOT/$src")" &&
    "$CC" --target="$C_TARGET" "${C_SYSROOT_FLAGS[@]+"${C_SYSROOT_FLAGS[@]}"}" \
      -O2 -Wall -Wextra -s -Wl,--stack-first -I"$ROOT/examples/include" $extra \
      -o "$out" "$(basename "$src")")
}

# ---------------------------------------------------------------------------
# Go: GOOS=wasip1 GOARCH=wasm

ensure_go() {
  if [[ -z "${GO:-}" ]]; then
    if command -v go >/dev/null 2>&1; then
      GO=go
    elif [[ -x /usr/local/go/bin/go ]]; then
      GO=/usr/local/go/bin/go
    else
      die "Go >= 1.21 not found (set GO=/path/to/go)"
    fi
  fi
  local v
  v="$(GOTOOLCHAIN=local "$GO" env GOVERSION)"
  local minor="${v#go1.}"
  minor="${minor%%[.a-z]*}"
  [[ "$v" == go1.* && "$minor" -ge 21 ]] || die "$GO is $v; GOOS=wasip1 needs Go >= 1.21"
}

build_go() {
  local dir="$1" out="$2"
  shift 2
  # -trimpath and an empty build id keep the output independent of the
  # checkout location and build cache; -s -w drop the symbol table and DWARF.
  (cd "$ROOT/$dir" &&
    GOOS=wasip1 GOARCH=wasm CGO_ENABLED=0 GOTOOLCHAIN=local GOFLAGS='' \
      "$GO" build "$@" -trimpath -buildvcs=false -ldflags="-s -w -buildid=" -o "$out" .)
}

# ---------------------------------------------------------------------------
# Rust: Debian's rustc and cargo, target wasm32-unknown-unknown

probe_rust() {
  [[ -x "$DEB_RUSTC" && -x "$DEB_CARGO" ]] &&
    [[ -d "$("$DEB_RUSTC" --print sysroot)/lib/rustlib/wasm32-unknown-unknown" ]]
}

ensure_rust() {
  if probe_rust; then return 0; fi
  apt_install "Rust toolchain for wasm32 (Debian's)" "" "${RUST_APT_PACKAGES[@]}"
  probe_rust || die "Rust still cannot build for wasm32 after installing ${RUST_APT_PACKAGES[*]}"
}

# A Rust plugin is a cdylib crate; its crates are those of its Cargo.lock,
# vendored once per lock file. Debian's cargo reads crates.io through the
# sparse protocol only as an unstable feature, which the channel override
# lets a stable cargo use. The paths of the sources are remapped so the
# output does not depend on where they are.
build_rust_plugin() {
  local dir="$1" out="$2"
  local crate vendor home="$CACHE_DIR/cargo-home"
  crate="$(sed -n 's/^name = "\(.*\)"/\1/p' "$ROOT/$dir/Cargo.toml" | head -n1)"
  vendor="$CACHE_DIR/rust-vendor-$(sha256 "$ROOT/$dir/Cargo.lock" | cut -c1-16)"
  if [[ ! -d "$vendor" ]]; then
    ((INSTALL)) || die "$dir: its crates are not in $vendor"
    log "fetching the crates of $dir into $vendor"
    rm -rf "$vendor.tmp"
    (cd "$ROOT/$dir" &&
      CARGO_HOME="$home" __CARGO_TEST_CHANNEL_OVERRIDE_DO_NOT_USE_THIS=nightly \
        "$DEB_CARGO" -Z sparse-registry vendor --locked --quiet "$vendor.tmp" >/dev/null)
    mv "$vendor.tmp" "$vendor"
  fi
  (cd "$ROOT/$dir" &&
    CARGO_HOME="$home" RUSTC="$DEB_RUSTC" CARGO_TARGET_DIR="$WORK/rust-target" \
      RUSTFLAGS="--remap-path-prefix=$vendor=/vendor --remap-path-prefix=$ROOT=/mcpkit --remap-path-prefix=$home=/cargo" \
      "$DEB_CARGO" build --offline --locked --release --quiet --target wasm32-unknown-unknown \
      --config 'source.crates-io.replace-with="vendored"' \
      --config "source.vendored.directory=\"$vendor\"")
  cp "$WORK/rust-target/wasm32-unknown-unknown/release/${crate//-/_}.wasm" "$out"
  check_imports "$out" extism:host/env extism:host/user || die "$dir: unexpected imports"
}

# ---------------------------------------------------------------------------
# Tools from npm, pinned, each in a directory of its own under CACHE_DIR

# The version of npm package $2 installed under directory $1, if any.
npm_version() {
  local manifest="$1/node_modules/$2/package.json"
  [[ -f "$manifest" ]] && node -p 'require(process.argv[1]).version' "$manifest"
}

# ensure_npm_tools WHAT DIR CHECK INSTALL: unless CHECK passes, run INSTALL
# (which installs into DIR) and CHECK again.
ensure_npm_tools() {
  local what="$1" dir="$2" check="$3" install="$4"
  command -v node >/dev/null 2>&1 || die "node is needed for $what"
  if "$check"; then return 0; fi
  ((INSTALL)) || die "$what not installed in $dir"
  command -v npm >/dev/null 2>&1 || die "npm is needed to install $what"
  log "installing $what into $dir"
  mkdir -p "$dir"
  "$install"
  "$check" || die "$what install into $dir failed"
}

# ---------------------------------------------------------------------------
# AssemblyScript

ASC_DIR="$CACHE_DIR/assemblyscript-$ASC_VERSION-wasi-shim-$WASI_SHIM_VERSION-as-pdk-$AS_PDK_VERSION"

asc_installed() {
  [[ -f "$ASC_DIR/node_modules/@assemblyscript/wasi-shim/asconfig.json" &&
    "$(npm_version "$ASC_DIR" assemblyscript)" == "$ASC_VERSION" &&
    "$(npm_version "$ASC_DIR" @extism/as-pdk)" == "$AS_PDK_VERSION" ]]
}

install_as() {
  npm install --prefix "$ASC_DIR" --no-save --no-package-lock --no-audit --no-fund --loglevel=error \
    "assemblyscript@$ASC_VERSION" "@assemblyscript/wasi-shim@$WASI_SHIM_VERSION" \
    "@extism/as-pdk@$AS_PDK_VERSION" >/dev/null
}

ensure_as() { ensure_npm_tools "AssemblyScript $ASC_VERSION" "$ASC_DIR" asc_installed install_as; }

# ---------------------------------------------------------------------------
# Extism plugins

# check_imports WASM MODULE...: fails unless every import of WASM comes from
# one of the named modules.
check_imports() {
  local wasm="$1"
  shift
  node -e '
    const [file, ...allowed] = process.argv.slice(1);
    const mod = new WebAssembly.Module(require("fs").readFileSync(file));
    const bad = WebAssembly.Module.imports(mod).filter((i) => !allowed.includes(i.module));
    if (bad.length) {
      console.error("imports outside " + allowed.join(", ") + ": " +
        bad.map((i) => i.module + "." + i.name).join(", "));
      process.exit(1);
    }' "$wasm" "$@"
}

# A C plugin is a wasi-libc reactor (exports _initialize, no _start); only
# libc code that needs no WASI call may be used unless WASI is allowed.
build_c_plugin() {
  local src="$1" out="$2" extra="$3" wasi="$4"
  build_c "$src" "$out" "-mexec-model=reactor $extra"
  local allowed=(extism:host/env extism:host/user)
  ((wasi)) && allowed+=(wasi_snapshot_preview1)
  check_imports "$out" "${allowed[@]}" || die "$src: unexpected imports"
}

# An AssemblyScript plugin built on @extism/as-pdk; the source defines
# myAbort, which asc's abort calls are routed to.
build_as_plugin() {
  local src="$1" out="$2"
  local modules="$ASC_DIR/node_modules"
  local base="${src##*/}"
  # Paths are relative to the source's directory (asc names the abort
  # replacement by its file path without the extension).
  node "$modules/assemblyscript/bin/asc.js" "$base" \
    --baseDir "$ROOT/$(dirname "$src")" \
    --path "$modules" \
    -O3 --noAssert --use "abort=${base%.ts}/myAbort" \
    -o "$out"
  check_imports "$out" extism:host/env extism:host/user || die "$src: unexpected imports"
}

build_as() {
  local src="$1" out="$2"
  local modules="$ASC_DIR/node_modules"
  # asc joins the shim's absolute library path onto --baseDir, so the base
  # is "/" and every path given to it is absolute.
  node "$modules/assemblyscript/bin/asc.js" "$ROOT/$src" \
    --baseDir / \
    --config "$modules/@assemblyscript/wasi-shim/asconfig.json" \
    -O3 --noAssert --runtime stub \
    -o "$out"
}

# ---------------------------------------------------------------------------
# C components: a reactor module whose exports follow the world, its WIT
# embedded, adapted to WASI 0.2

JCO_DIR="$CACHE_DIR/jco-$JCO_VERSION-preview2-shim-$JCO_SHIM_VERSION"

jco_installed() { [[ "$(npm_version "$JCO_DIR" @bytecodealliance/jco)" == "$JCO_VERSION" ]]; }

install_jco() {
  cat >"$JCO_DIR/package.json" <<EOF
{
  "name": "mcpkit-guest-build-jco",
  "private": true,
  "dependencies": {
    "@bytecodealliance/jco": "$JCO_VERSION",
    "@bytecodealliance/preview2-shim": "$JCO_SHIM_VERSION"
  },
  "overrides": { "@bytecodealliance/preview2-shim": "$JCO_SHIM_VERSION" }
}
EOF
  (cd "$JCO_DIR" && npm install --no-package-lock --no-audit --no-fund --loglevel=error >/dev/null)
}

ensure_jco() { ensure_npm_tools "jco $JCO_VERSION" "$JCO_DIR" jco_installed install_jco; }

# The directory holds one .c file and world.wit (one world).
build_c_component() {
  local dir="$1" out="$2"
  local src world jco="$JCO_DIR/node_modules/.bin/jco"
  src="$(find "$ROOT/$dir" -maxdepth 1 -name '*.c' | head -n1)"
  [[ -n "$src" ]] || die "$dir: no C source"
  world="$(sed -n 's/^world \([a-z0-9-]*\).*/\1/p' "$ROOT/$dir/world.wit" | head -n1)"
  [[ -n "$world" ]] || die "$dir/world.wit: no world"
  "$CC" --target="$C_TARGET" "${C_SYSROOT_FLAGS[@]+"${C_SYSROOT_FLAGS[@]}"}" \
    -mexec-model=reactor -O2 -Wall -Wextra -s -Wl,--stack-first \
    -o "$WORK/core.wasm" "$src"
  "$jco" embed "$WORK/core.wasm" --wit "$ROOT/$dir/world.wit" --world-name "$world" \
    -o "$WORK/embedded.wasm" >&2
  "$jco" new "$WORK/embedded.wasm" --wasi-reactor -o "$out" >&2
}

# ---------------------------------------------------------------------------

needs_toolchain c && ensure_c
needs_toolchain c-component && ensure_jco
needs_toolchain go && ensure_go
needs_toolchain as && ensure_as
needs_toolchain rust && ensure_rust

sha256() { sha256sum "$1" | cut -d' ' -f1; }

failed=0
built=0
for t in "${TARGETS[@]}"; do
  IFS='|' read -r name kind src out extra <<<"$t"
  selected "$name" || continue
  tmp="$WORK/$name.wasm"
  case "$kind" in
    c) build_c "$src" "$tmp" "$extra" ;;
    go) build_go "$src" "$tmp" ;;
    go-plugin) build_go "$src" "$tmp" -buildmode=c-shared ;;
    as) build_as "$src" "$tmp" ;;
    c-component) build_c_component "$src" "$tmp" ;;
    c-plugin) build_c_plugin "$src" "$tmp" "$extra" 0 ;;
    c-plugin-wasi) build_c_plugin "$src" "$tmp" "$extra" 1 ;;
    as-plugin) build_as_plugin "$src" "$tmp" ;;
    rust-plugin) build_rust_plugin "$src" "$tmp" ;;
  esac
  [[ -s "$tmp" ]] || die "$name: build produced no output"
  size=$(stat -c %s "$tmp")
  sum=$(sha256 "$tmp")
  if ((CHECK)); then
    if [[ -f "$ROOT/$out" ]] && cmp -s "$tmp" "$ROOT/$out"; then
      printf 'up to date  %-45s %9d bytes  sha256 %s\n' "$out" "$size" "${sum:0:16}"
    else
      printf 'DIFFERS     %-45s %9d bytes  sha256 %s\n' "$out" "$size" "${sum:0:16}"
      failed=1
    fi
  else
    mkdir -p "$(dirname "$ROOT/$out")"
    cp "$tmp" "$ROOT/$out.tmp"
    mv -f "$ROOT/$out.tmp" "$ROOT/$out"
    printf 'built  %-45s %9d bytes  sha256 %s\n' "$out" "$size" "${sum:0:16}"
  fi
  built=$((built + 1))
done

log "toolchains:"
needs_toolchain c && log "  C:  $("$CC" --version | head -n1) (--target=$C_TARGET${C_SYSROOT_FLAGS[*]:+ ${C_SYSROOT_FLAGS[*]}})"
needs_toolchain go && log "  Go: $(GOTOOLCHAIN=local "$GO" env GOVERSION)"
needs_toolchain c-component && log "  jco: $JCO_VERSION, preview2-shim $JCO_SHIM_VERSION ($JCO_DIR)"
needs_toolchain rust && log "  Rust: $("$DEB_RUSTC" --version), $("$DEB_CARGO" --version) (crates in $CACHE_DIR)"
needs_toolchain as && log "  AS: assemblyscript $ASC_VERSION, @assemblyscript/wasi-shim $WASI_SHIM_VERSION, @extism/as-pdk $AS_PDK_VERSION ($ASC_DIR)"

if ((CHECK && failed)); then
  die "some guests differ from their sources; run scripts/build-guests.sh and commit the result"
fi
log "$built guest(s) $( ((CHECK)) && echo checked || echo built)"
