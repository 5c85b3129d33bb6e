#!/usr/bin/env bash
# Refuses an #include that points up a layer. The layers, lowest first:
#   core and crypto (and net/protocol.h, the pure wire format), store,
#   node, net, rpc, web (a face that reads through the RPC's read-only
#   methods), app.
# A file may include its own layer and those below. Prints each offence
# as "file:line: includes DIR/ (layer above)" and exits 1 when any.
set -euo pipefail
cd "$(dirname "$0")/.."

rank_of_dir() {
    case "$1" in
    core | crypto) echo 0 ;;
    store) echo 1 ;;
    node) echo 2 ;;
    net) echo 3 ;;
    rpc) echo 4 ;;
    web) echo 5 ;;
    app) echo 6 ;;
    *) echo -1 ;;
    esac
}

# The layer of an included path ("net/protocol.h" is the core's).
rank_of_include() {
    if [ "$1" = "net/protocol.h" ]; then echo 0; else rank_of_dir "${1%%/*}"; fi
}

bad=0
while IFS= read -r file; do
    dir=${file#src/}
    dir=${dir%%/*}
    if [ "$file" = "src/net/protocol.c" ] || [ "$file" = "src/net/protocol.h" ]; then
        own=0
    else
        own=$(rank_of_dir "$dir")
    fi
    while IFS=: read -r line inc; do
        [ -n "$inc" ] || continue
        r=$(rank_of_include "$inc")
        if [ "$r" -gt "$own" ]; then
            echo "$file:$line: includes $inc (a layer above $dir/)"
            bad=1
        fi
    done < <(grep -n '^#include "' "$file" | sed -E 's/^([0-9]+):#include "([^"]+)".*/\1:\2/')
done < <(git ls-files 'src/*.c' 'src/*.h')
if [ "$bad" -ne 0 ]; then
    exit 1
fi
echo "every include points down or across its own layer"
