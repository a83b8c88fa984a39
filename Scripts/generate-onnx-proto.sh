#!/usr/bin/env bash
# Regenerates the Swift bindings for the ONNX protobuf schema:
#
#   Sources/EdgeONNX/Generated/onnx.pb.swift   (types Onnx_ModelProto, Onnx_GraphProto, ...)
#   Sources/EdgeONNX/Generated/README.md       (provenance + how to regenerate)
#
# The schema is taken from the pinned onnx wheel on PyPI (onnx==1.23.2, see ONNX_VERSION),
# compiled with `protoc` and swift-protobuf's `protoc-gen-swift` (1.39.0, see SWIFT_PROTOBUF_VERSION;
# which must match the SwiftProtobuf runtime version pinned in Package.swift).
#
# Usage (from anywhere; paths are relative to the repository root):
#   Scripts/generate-onnx-proto.sh           # (re)generate; only touches files whose content changed
#   Scripts/generate-onnx-proto.sh --check   # regenerate into a temp dir, exit 1 if the checked-in file is stale
#   Scripts/generate-onnx-proto.sh --help
#
# Environment overrides (all optional):
#   PYTHON=python3                 interpreter used for `pip download`
#   ONNX_WHEEL=/path/onnx-1.23.2-*.whl   use an already-downloaded wheel (offline)
#   PROTOC=/path/to/protoc         protoc to use (otherwise `protoc` on PATH, else apt-get install protobuf-compiler)
#   PROTOC_GEN_SWIFT=/path/to/protoc-gen-swift   prebuilt plugin (must report version 1.39.0)
#   SWIFT_PROTOBUF_URL=...         git URL of swift-protobuf (default https://github.com/apple/swift-protobuf.git)
#
# The first run builds protoc-gen-swift (release) into .build-protoc-gen-swift/ (1-10 min depending
# on machine load); later runs reuse the cached binary and take a few seconds.
set -euo pipefail

# ---- pins -------------------------------------------------------------------------------------
readonly ONNX_VERSION="1.23.2"
readonly SWIFT_PROTOBUF_VERSION="1.39.0"
# Any wheel has the same .proto files; pin one platform tag so the download does not depend on
# the host's Python version / OS.
readonly ONNX_WHEEL_PLATFORM="manylinux_2_28_x86_64"
readonly ONNX_WHEEL_PYTHON="3.11"

readonly REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
readonly OUT_DIR_REL="Sources/EdgeONNX/Generated"
readonly OUT_DIR="$REPO_ROOT/$OUT_DIR_REL"
readonly GENERATED_NAME="onnx.pb.swift"
readonly TOOL_DIR="$REPO_ROOT/.build-protoc-gen-swift"
readonly SWIFT_PROTOBUF_URL="${SWIFT_PROTOBUF_URL:-https://github.com/apple/swift-protobuf.git}"
readonly PYTHON="${PYTHON:-python3}"

log() { printf '[generate-onnx-proto] %s\n' "$*" >&2; }
die() { printf '[generate-onnx-proto] error: %s\n' "$*" >&2; exit 1; }

MODE="generate"
case "${1:-}" in
  "") ;;
  --check) MODE="check" ;;
  -h|--help) sed -n '2,24p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
  *) die "unknown argument '$1' (try --help)" ;;
esac

TMP="$(mktemp -d "${TMPDIR:-/tmp}/onnx-proto.XXXXXX")"
trap 'rm -rf "$TMP"' EXIT

# ---- 1. onnx schema from the pinned wheel -------------------------------------------------------
fetch_schema() {
  local wheel
  if [[ -n "${ONNX_WHEEL:-}" ]]; then
    wheel="$ONNX_WHEEL"
    [[ -f "$wheel" ]] || die "ONNX_WHEEL=$wheel does not exist"
  else
    log "downloading onnx==$ONNX_VERSION wheel from PyPI"
    "$PYTHON" -m pip download --quiet --no-deps --only-binary=:all: \
      --platform "$ONNX_WHEEL_PLATFORM" --python-version "$ONNX_WHEEL_PYTHON" \
      "onnx==$ONNX_VERSION" -d "$TMP/wheel" >&2
    wheel="$(ls "$TMP"/wheel/onnx-"$ONNX_VERSION"-*.whl 2>/dev/null | head -n1 || true)"
    [[ -n "$wheel" ]] || die "pip did not produce an onnx-$ONNX_VERSION wheel"
  fi
  command -v unzip >/dev/null || die "unzip is required (apt-get install unzip)"
  mkdir -p "$TMP/wheel-src"
  # Extract only what we need: the schema(s) and the metadata for the version check.
  unzip -q -o "$wheel" 'onnx/onnx.proto*' 'onnx-*.dist-info/METADATA' -d "$TMP/wheel-src" \
    || die "could not extract onnx/onnx.proto* from $wheel"

  local version
  version="$(sed -n 's/^Version: //p' "$TMP"/wheel-src/onnx-*.dist-info/METADATA | tr -d '\r' | head -n1)"
  [[ "$version" == "$ONNX_VERSION" ]] \
    || die "wheel $wheel is onnx '$version', expected $ONNX_VERSION"

  # Prefer onnx.proto3 if the wheel ships it. onnx 1.23.2's wheel does NOT (it ships
  # onnx.proto / onnx-ml.proto, proto2 syntax, identical apart from a comment), so onnx.proto is
  # used: same wire format, and proto2 additionally gives has*/clear* presence accessors.
  mkdir -p "$TMP/proto/onnx"
  if [[ -f "$TMP/wheel-src/onnx/onnx.proto3" ]]; then
    SCHEMA_NAME="onnx.proto3"
  else
    SCHEMA_NAME="onnx.proto"
    log "note: wheel has no onnx/onnx.proto3; using onnx/onnx.proto (proto2 syntax)"
  fi
  # protoc derives the output name from the input's base name, so always feed it as
  # onnx/onnx.proto (package `onnx` -> Swift prefix `Onnx_`, file onnx.pb.swift).
  cp "$TMP/wheel-src/onnx/$SCHEMA_NAME" "$TMP/proto/onnx/onnx.proto"
  SCHEMA_SHA256="$(sha256sum "$TMP/proto/onnx/onnx.proto" | cut -d' ' -f1)"
  grep -q '^package onnx;' "$TMP/proto/onnx/onnx.proto" || die "schema does not declare 'package onnx;'"
}

# ---- 2. protoc -----------------------------------------------------------------------------------
ensure_protoc() {
  if [[ -n "${PROTOC:-}" ]]; then
    [[ -x "$PROTOC" ]] || die "PROTOC=$PROTOC is not executable"
  elif command -v protoc >/dev/null; then
    PROTOC="$(command -v protoc)"
  elif command -v apt-get >/dev/null && [[ "$(id -u)" == 0 ]]; then
    log "protoc not found; installing Debian package protobuf-compiler"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq protobuf-compiler >&2
    PROTOC="$(command -v protoc)"
  else
    die "protoc not found: install protobuf-compiler (apt) / protobuf (brew), or set PROTOC"
  fi
  PROTOC_VERSION="$("$PROTOC" --version)"
  log "using $PROTOC ($PROTOC_VERSION)"
}

# ---- 3. protoc-gen-swift (swift-protobuf $SWIFT_PROTOBUF_VERSION), cached ----------------------------
plugin_version_ok() {
  [[ -x "$1" ]] && [[ "$("$1" --version 2>/dev/null)" == *" $SWIFT_PROTOBUF_VERSION" ]]
}

ensure_protoc_gen_swift() {
  if [[ -n "${PROTOC_GEN_SWIFT:-}" ]]; then
    plugin_version_ok "$PROTOC_GEN_SWIFT" \
      || die "PROTOC_GEN_SWIFT=$PROTOC_GEN_SWIFT is not protoc-gen-swift $SWIFT_PROTOBUF_VERSION"
    return
  fi
  local src="$TOOL_DIR/swift-protobuf"
  local cached="$TOOL_DIR/bin/protoc-gen-swift"
  if plugin_version_ok "$cached"; then
    PROTOC_GEN_SWIFT="$cached"
    log "using cached $PROTOC_GEN_SWIFT"
    return
  fi
  command -v swift >/dev/null || die "swift toolchain not found on PATH"
  if [[ ! -d "$src/.git" ]] \
     || [[ "$(git -C "$src" describe --tags --exact-match 2>/dev/null)" != "$SWIFT_PROTOBUF_VERSION" ]]; then
    rm -rf "$src"
    mkdir -p "$TOOL_DIR"
    log "cloning swift-protobuf $SWIFT_PROTOBUF_VERSION from $SWIFT_PROTOBUF_URL"
    git -c advice.detachedHead=false clone --quiet --branch "$SWIFT_PROTOBUF_VERSION" \
      "$SWIFT_PROTOBUF_URL" "$src" >&2
  fi
  log "building protoc-gen-swift (release; first build takes 1-10 min)"
  swift build -c release --product protoc-gen-swift --package-path "$src" >&2
  local bin_path
  bin_path="$(swift build -c release --package-path "$src" --show-bin-path)"
  mkdir -p "$TOOL_DIR/bin"
  cp "$bin_path/protoc-gen-swift" "$cached"
  plugin_version_ok "$cached" || die "built plugin does not report version $SWIFT_PROTOBUF_VERSION"
  PROTOC_GEN_SWIFT="$cached"
}

# ---- 4. generate -----------------------------------------------------------------------------------
generate() {
  mkdir -p "$TMP/out"
  # Visibility=Public: EdgeONNX is its own target; the importer in other targets needs the types.
  # FileNaming=DropPath: onnx/onnx.proto -> onnx.pb.swift (flat target folder).
  # UseAccessLevelOnImports=true: emits `public import SwiftProtobuf` (correct under Swift 6 /
  # InternalImportsByDefault, since public API exposes SwiftProtobuf types).
  "$PROTOC" \
    --plugin=protoc-gen-swift="$PROTOC_GEN_SWIFT" \
    --proto_path="$TMP/proto" \
    --swift_out="$TMP/out" \
    --swift_opt=Visibility=Public \
    --swift_opt=FileNaming=DropPath \
    --swift_opt=UseAccessLevelOnImports=true \
    onnx/onnx.proto
  [[ -s "$TMP/out/$GENERATED_NAME" ]] || die "protoc produced no $GENERATED_NAME"
  grep -q 'struct Onnx_ModelProto' "$TMP/out/$GENERATED_NAME" || die "Onnx_ModelProto missing from output"

  cat > "$TMP/out/README.md" <<EOF
# Generated ONNX protobuf bindings — do not edit

\`$GENERATED_NAME\` is generated from the ONNX schema \`onnx/$SCHEMA_NAME\` of the
**onnx==$ONNX_VERSION** wheel on PyPI (sha256 of the schema: \`$SCHEMA_SHA256\`),
by \`protoc\` with swift-protobuf's \`protoc-gen-swift\` **$SWIFT_PROTOBUF_VERSION**
(options \`Visibility=Public,FileNaming=DropPath,UseAccessLevelOnImports=true\`).
Proto package \`onnx\` gives Swift types prefixed \`Onnx_\` (\`Onnx_ModelProto\`, \`Onnx_GraphProto\`,
\`Onnx_NodeProto\`, \`Onnx_TensorProto\`, ...). They need the \`SwiftProtobuf\` runtime
$SWIFT_PROTOBUF_VERSION (keep it in step with the plugin version).

EOF
  if [[ "$SCHEMA_NAME" != "onnx.proto3" ]]; then
    cat >> "$TMP/out/README.md" <<EOF
The wheel ships no \`onnx.proto3\`, so the proto2 \`onnx.proto\` is used (same wire format;
fields have \`has*\`/\`clear*\` presence accessors).

EOF
  fi
  cat >> "$TMP/out/README.md" <<'EOF'
To regenerate (needs python3 + pip, unzip, protoc, and a Swift toolchain; the first run builds
protoc-gen-swift into `.build-protoc-gen-swift/`, 1-10 minutes):

    Scripts/generate-onnx-proto.sh           # regenerate in place
    Scripts/generate-onnx-proto.sh --check   # fail if the checked-in file is stale

To move to another onnx release, change `ONNX_VERSION` in the script and rerun.
EOF
}

# ---- main ------------------------------------------------------------------------------------------
fetch_schema
ensure_protoc
ensure_protoc_gen_swift
generate

if [[ "$MODE" == "check" ]]; then
  if cmp -s "$TMP/out/$GENERATED_NAME" "$OUT_DIR/$GENERATED_NAME"; then
    log "up to date: $OUT_DIR_REL/$GENERATED_NAME"
    exit 0
  fi
  log "STALE: $OUT_DIR_REL/$GENERATED_NAME differs from a fresh generation; run $0"
  diff -u "$OUT_DIR/$GENERATED_NAME" "$TMP/out/$GENERATED_NAME" | head -n 40 >&2 || true
  exit 1
fi

mkdir -p "$OUT_DIR"
for f in "$GENERATED_NAME" README.md; do
  if cmp -s "$TMP/out/$f" "$OUT_DIR/$f"; then
    log "unchanged: $OUT_DIR_REL/$f"
  else
    cp "$TMP/out/$f" "$OUT_DIR/$f"
    log "wrote: $OUT_DIR_REL/$f ($(wc -c < "$OUT_DIR/$f" | tr -d ' ') bytes)"
  fi
done
