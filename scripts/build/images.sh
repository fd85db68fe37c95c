#!/usr/bin/env bash
# Builds ARK executor images per plugin set and pushes them: a thin wrapper over `ark bundle --push` with the
# runbook's flags. No image selector builds both classes.
set -euo pipefail
cd "$(dirname "$0")/../.."

usage() {
  cat <<'USAGE'
usage: scripts/build/images.sh [--executor-frontier] [--executor-vllm] --tag TAG --registry REGISTRY
                               [--plugin-set FILE | --plugins a,b,c] [--out DIR] [--base-digest sha256:...]
                               [--also-latest] [--force] [--no-push]
  --executor-frontier   build the frontier executor image (hosted LLM APIs)
  --executor-vllm       build the vLLM executor image
  --tag TAG             image tag (required)
  --registry REGISTRY   registry and path, e.g. registry.example.com/ark (required unless --no-push)
  --plugin-set FILE     YAML list of plugins (default: deploy/plugin-sets/default.yaml)
  --also-latest         also tag and push :latest
  --force               overwrite a tag that already exists in the registry
  --no-push             only write the bundles and Dockerfiles (dist/executor/<class>/)
USAGE
}

args=()
classes=()
push=1
have_set=0
while [[ $# -gt 0 ]]; do
  case "$1" in
    --executor-frontier|--executor-vllm) classes+=("$1") ;;
    --tag|--registry|--plugins|--plugin-set|--out|--base-digest|--base-image)
      if [[ $# -lt 2 || "$2" == --* ]]; then echo "error: $1 needs a value" >&2; usage >&2; exit 2; fi
      [[ "$1" == --plugins || "$1" == --plugin-set ]] && have_set=1
      args+=("$1" "$2"); shift ;;
    --also-latest|--force) args+=("$1") ;;
    --no-push) push=0 ;;
    -h|--help) usage; exit 0 ;;
    *) echo "error: unknown argument $1" >&2; usage >&2; exit 2 ;;
  esac
  shift
done

[[ ${#classes[@]} -eq 0 ]] && classes=(--executor-frontier --executor-vllm)
[[ $have_set -eq 0 ]] && args+=(--plugin-set deploy/plugin-sets/default.yaml)
[[ $push -eq 1 ]] && args+=(--push)

exec node bin/ark.js bundle "${classes[@]}" "${args[@]}"
