#!/usr/bin/env bash
# Rebuilds the example WebAssembly components under examples/components, and
# the conformance suite's fixture (packages/server/test/conformance), from
# their sources, with pinned toolchains installed outside the repository
# (under $MCPKIT_TOOLS_DIR, default ~/.cache/mcpkit-components).
#
# usage: scripts/build-components.sh [--check] [--check-only] [component...]
#   component     build only these (default: all)
#   --check       after building, transpile each component with jco and call
#                 its exports from Node (examples/components/check.mjs)
#   --check-only  run the check without rebuilding
set -euo pipefail

JCO_VERSION=1.35.0
COMPONENTIZE_JS_VERSION=0.23.0
# jco and componentize-js run their own WIT parser and splicer as components
# on preview2-shim, and read the WIT and sources through its default `/`
# preopen. preview2-shim 0.26 no longer has that default, so the build tools
# are held on 0.25.
BUILD_PREVIEW2_SHIM_VERSION=0.25.0
COMPONENTIZE_PY_VERSION=0.25.1
# The WASI version of the WIT that the JS components import; it matches what
# componentize-js $COMPONENTIZE_JS_VERSION's engine imports.
WASI_VERSION=0.2.12
# The check runs components on the current preview2-shim, under Node 22:
# the Python component's core modules use extended constant expressions,
# which Node 20 rejects.
CHECK_PREVIEW2_SHIM_VERSION=0.26.1
CHECK_NODE_VERSION=22.23.3

# Components of our own written against the WIT worlds of Wassette's published
# examples (examples/components/wassette), so that its users' tools are tested
# under the names and schemas Wassette gives them.
WASSETTE_WORLDS=(time-server-js get-weather-js get-open-meteo-weather-js context7-rs gomodule-go brave-search-rs arxiv-rs eval-py
  fetch-rs filesystem-rs)

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
COMPONENTS="$ROOT/examples/components"
TOOLS="${MCPKIT_TOOLS_DIR:-$HOME/.cache/mcpkit-components}"
NPM_TOOLS="$TOOLS/npm-jco-$JCO_VERSION-cjs-$COMPONENTIZE_JS_VERSION"
PY_TOOLS="$TOOLS/py-componentize-$COMPONENTIZE_PY_VERSION"
CHECK_TOOLS="$TOOLS/check-shim-$CHECK_PREVIEW2_SHIM_VERSION-node-$CHECK_NODE_VERSION"

ALL=(time-js fetch-js files-js env-js wit-types-js compose-js py-tools conformance ask-js
  "${WASSETTE_WORLDS[@]}")

# Where a component's sources live.
component_dir() {
  case "$1" in
    conformance) printf '%s\n' "$ROOT/packages/server/test/conformance" ;;
    ask-js) printf '%s\n' "$ROOT/packages/server/test/guests/ask-js" ;;
    time-server-js | get-weather-js | get-open-meteo-weather-js | context7-rs | gomodule-go | brave-search-rs | arxiv-rs | \
      fetch-rs | filesystem-rs | eval-py)
      printf '%s\n' "$COMPONENTS/wassette/$1"
      ;;
    *) printf '%s\n' "$COMPONENTS/$1" ;;
  esac
}

# Puts mcpkit:host's WIT into a component's wit/deps.
sync_host_wit() {
  local dir
  dir="$(component_dir "$1")"
  mkdir -p "$dir/wit/deps/mcpkit-host"
  cp "$ROOT/packages/server/wit/host.wit" "$dir/wit/deps/mcpkit-host/host.wit"
}

log() { printf '==> %s\n' "$*" >&2; }

# npm prints a warning for every unknown key in a user's ~/.npmrc; keep the
# installs quiet otherwise.
npm_quiet() { npm --loglevel=error --no-audit --no-fund "$@"; }

install_npm_prefix() {
  local dir="$1" manifest="$2"
  if [[ -f "$dir/.installed" ]] && cmp -s "$dir/.installed" <(printf '%s\n' "$manifest"); then
    return
  fi
  log "installing into $dir"
  mkdir -p "$dir"
  printf '%s\n' "$manifest" >"$dir/package.json"
  (cd "$dir" && npm_quiet install >&2)
  printf '%s\n' "$manifest" >"$dir/.installed"
}

install_js_tools() {
  install_npm_prefix "$NPM_TOOLS" "$(cat <<EOF
{
  "name": "mcpkit-component-build-tools",
  "private": true,
  "dependencies": {
    "@bytecodealliance/jco": "$JCO_VERSION",
    "@bytecodealliance/componentize-js": "$COMPONENTIZE_JS_VERSION",
    "@bytecodealliance/preview2-shim": "$BUILD_PREVIEW2_SHIM_VERSION"
  },
  "overrides": {
    "@bytecodealliance/preview2-shim": "$BUILD_PREVIEW2_SHIM_VERSION"
  }
}
EOF
)"
}

install_check_tools() {
  install_npm_prefix "$CHECK_TOOLS" "$(cat <<EOF
{
  "name": "mcpkit-component-check-tools",
  "private": true,
  "dependencies": {
    "@bytecodealliance/preview2-shim": "$CHECK_PREVIEW2_SHIM_VERSION",
    "node": "$CHECK_NODE_VERSION"
  }
}
EOF
)"
}

install_py_tools() {
  if [[ -f "$PY_TOOLS/.installed" ]]; then
    return
  fi
  log "installing componentize-py $COMPONENTIZE_PY_VERSION into $PY_TOOLS"
  rm -rf "$PY_TOOLS"
  PIP_ROOT_USER_ACTION=ignore python3 -m pip install --quiet --disable-pip-version-check --no-warn-script-location \
    --target "$PY_TOOLS" "componentize-py==$COMPONENTIZE_PY_VERSION"
  touch "$PY_TOOLS/.installed"
}

componentize_py() {
  PYTHONPATH="$PY_TOOLS" python3 -c \
    'import sys; from componentize_py import script; sys.argv[0] = "componentize-py"; sys.exit(script())' \
    "$@"
}

# Copies the WASI WIT packages a component imports from the pinned jco
# package (the WASI $WASI_VERSION definitions) into its wit/deps.
sync_wasi_deps() {
  local dir pkg src
  dir="$(component_dir "$1")"
  shift
  for pkg in "$@"; do
    src="$NPM_TOOLS/node_modules/@bytecodealliance/jco/lib/wit/builtin/$WASI_VERSION/wasi-$pkg/package.wit"
    mkdir -p "$dir/wit/deps/wasi-$pkg"
    cp "$src" "$dir/wit/deps/wasi-$pkg/package.wit"
  done
}

# build_js NAME SOURCE WORLD [--disable FEATURE]...
# Features left enabled are the ones the component uses; every feature pulls
# in WASI imports of its own.
build_js() {
  local name="$1" source="$2" world="$3"
  shift 3
  log "building $name"
  # The splicer sees the file system only through paths relative to the
  # working directory, so build from inside the component's directory.
  (cd "$(component_dir "$name")" &&
    "$NPM_TOOLS/node_modules/.bin/componentize-js" "$source" \
      --wit wit --world-name "$world" "$@" --out "$name.wasm" >&2)
}

# build_rust NAME: a cargo project targeting wasm32-wasip2, which makes a
# component by itself (wasm-component-ld); needs `rustup target add
# wasm32-wasip2`.
build_rust() {
  local name="$1" dir crate
  dir="$(component_dir "$name")"
  crate="${name//-/_}"
  log "building $name"
  (cd "$dir" && cargo build --quiet --locked --release --target wasm32-wasip2 >&2)
  cp "$dir/target/wasm32-wasip2/release/$crate.wasm" "$dir/$name.wasm"
}

# build_py NAME: app.py with componentize-py, world NAME.
build_py() {
  local name="$1"
  log "building $name"
  (cd "$(component_dir "$name")" &&
    componentize_py --wit-path wit --world "$name" \
      componentize app --output "$name.wasm" >&2 &&
    rm -rf __pycache__)
}

# The source file of a JavaScript component of Wassette's worlds.
js_source() {
  case "$1" in
    context7-rs) printf 'context7.js\n' ;;
    brave-search-rs) printf 'search.js\n' ;;
    arxiv-rs) printf 'arxiv.js\n' ;;
    get-open-meteo-weather-js) printf 'weather.js\n' ;;
  esac
}

build_one() {
  case "$1" in
    time-js)
      build_js time-js time.js time \
        --disable http fetch-event stdio random
      ;;
    fetch-js)
      # `http` alone brings fetch() and wasi:http/outgoing-handler.
      build_js fetch-js fetch.js fetch \
        --disable fetch-event stdio random clocks
      ;;
    files-js)
      sync_wasi_deps files-js filesystem io clocks
      build_js files-js files.js files-tool \
        --disable http fetch-event stdio random clocks
      ;;
    env-js)
      # wasi:cli's package also defines worlds that include the other
      # packages, so all of them are needed to parse it.
      sync_wasi_deps env-js cli clocks filesystem io random sockets
      build_js env-js env.js env \
        --disable http fetch-event stdio random clocks
      ;;
    wit-types-js)
      build_js wit-types-js wit-types.js wit-types \
        --disable http fetch-event stdio random clocks
      ;;
    compose-js)
      sync_host_wit compose-js
      build_js compose-js compose.js compose \
        --disable http fetch-event stdio random clocks
      ;;
    conformance)
      sync_host_wit conformance
      sync_wasi_deps conformance clocks io
      build_js conformance conformance.js conformance \
        --disable http fetch-event stdio random
      ;;
    ask-js)
      sync_host_wit ask-js
      sync_wasi_deps ask-js cli clocks filesystem io random sockets
      build_js ask-js ask.js ask \
        --disable http fetch-event stdio random clocks
      ;;
    time-server-js)
      build_js time-server-js time.js time-server-js \
        --disable http fetch-event stdio random
      ;;
    get-weather-js)
      # wit/deps/config (wasi:config) is this repository's: jco does not carry it.
      build_js get-weather-js weather.js get-weather-js \
        --disable fetch-event stdio random clocks
      ;;
    context7-rs | brave-search-rs | arxiv-rs | get-open-meteo-weather-js)
      # JavaScript (fetch() and JSON come with the engine) on the WIT of
      # Wassette's examples, some of them written in Rust there; they read
      # wasi:cli/environment, whose package needs the others to parse.
      sync_wasi_deps "$1" cli clocks filesystem io random sockets
      build_js "$1" "$(js_source "$1")" "$1" --disable fetch-event stdio random clocks
      ;;
    gomodule-go)
      # Written in JavaScript (TinyGo's wasip2 target is not at hand); the
      # WIT is Wassette's Go example's, including wasi:cli's imports.
      sync_wasi_deps gomodule-go cli clocks filesystem io random sockets
      build_js gomodule-go gomodule.js gomodule-go \
        --disable fetch-event stdio random clocks
      ;;
    fetch-rs | filesystem-rs)
      build_rust "$1"
      ;;
    py-tools | eval-py)
      build_py "$1"
      ;;
    *)
      printf 'unknown component: %s (known: %s)\n' "$1" "${ALL[*]}" >&2
      exit 2
      ;;
  esac
}

CHECK_OUT=""
cleanup() {
  if [[ -n "$CHECK_OUT" ]]; then rm -rf "$CHECK_OUT"; fi
}
trap cleanup EXIT

run_check() {
  local names=("$@") out name
  install_check_tools
  out="$(mktemp -d "${TMPDIR:-/tmp}/mcpkit-components-check.XXXXXX")"
  CHECK_OUT="$out"
  ln -s "$CHECK_TOOLS/node_modules" "$out/node_modules"
  for name in "${names[@]}"; do
    log "transpiling $name"
    mkdir -p "$out/$name"
    "$NPM_TOOLS/node_modules/.bin/jco" wit "$COMPONENTS/$name/$name.wasm" >"$out/$name/world.wit"
    if [[ "$name" == compose-js ]]; then
      # Instantiation mode, so that the check can pass its own mcpkit:host.
      "$NPM_TOOLS/node_modules/.bin/jco" transpile "$COMPONENTS/$name/$name.wasm" \
        --quiet --instantiation async --out-dir "$out/$name"
    else
      "$NPM_TOOLS/node_modules/.bin/jco" transpile "$COMPONENTS/$name/$name.wasm" \
        --quiet --out-dir "$out/$name"
    fi
  done
  "$CHECK_TOOLS/node_modules/.bin/node" "$COMPONENTS/check.mjs" "$out" "${names[@]}"
}

main() {
  local check=0 build=1 names=() name
  for arg in "$@"; do
    case "$arg" in
      --check) check=1 ;;
      --check-only) check=1 build=0 ;;
      -h | --help)
        sed -n '2,11p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
        return 0
        ;;
      -*)
        printf 'unknown option: %s\n' "$arg" >&2
        return 2
        ;;
      *) names+=("$arg") ;;
    esac
  done
  if [[ ${#names[@]} -eq 0 ]]; then
    names=("${ALL[@]}")
  fi

  install_js_tools
  if [[ $build -eq 1 ]]; then
    for name in "${names[@]}"; do
      if [[ "$name" == py-tools || "$name" == eval-py ]]; then
        install_py_tools
      fi
      build_one "$name"
    done
    for name in "${names[@]}"; do
      printf '%-14s %10d bytes\n' "$name" "$(stat -c %s "$(component_dir "$name")/$name.wasm")"
    done
  fi
  if [[ $check -eq 1 ]]; then
    # The server's test guests are checked by the server's tests (the
    # conformance fixture by the suite itself).
    local checked=()
    for name in "${names[@]}"; do
      # So are Wassette's worlds (packages/server/src/e2e/wassette-worlds.test.ts).
      [[ "$name" == conformance || "$name" == ask-js || " ${WASSETTE_WORLDS[*]} " == *" $name "* ]] ||
        checked+=("$name")
    done
    if [[ ${#checked[@]} -gt 0 ]]; then run_check "${checked[@]}"; fi
  fi
}

main "$@"
