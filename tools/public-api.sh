#!/usr/bin/env bash
# Rewrites src/Steering.Runtime/PublicAPI.Unshipped.txt to the runtime's public API as it is now, minus what
# PublicAPI.Shipped.txt declares: run it after an intended API change (or a merge), then review the diff.
# Why not `dotnet format analyzers --diagnostics RS0016`: it applies no fix here (measured); the analyzer's RS0016
# messages carry each missing line in the file's own format, so they are the source.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
project="$root/src/Steering.Runtime"
unshipped="$project/PublicAPI.Unshipped.txt"
printf '#nullable enable\n' > "$unshipped"
# The build fails while the API is undeclared; its RS0016 errors are the list.
log="$(dotnet build "$project" --no-incremental -p:TreatWarningsAsErrors=false 2>&1 || true)"
{
  printf '#nullable enable\n'
  grep -oP "RS0016: Symbol '\K.*(?=' is not part of the declared public API)" <<<"$log" | LC_ALL=C sort -u
} > "$unshipped.tmp"
mv "$unshipped.tmp" "$unshipped"
echo "$(($(wc -l < "$unshipped") - 1)) symbols in $unshipped"
if grep -q "RS0017" <<<"$log"; then
  echo "PublicAPI.Shipped.txt declares symbols that are gone (RS0017): a breaking change; remove them there only if intended:"
  grep -oP "RS0017: Symbol '\K[^']*" <<<"$log" | LC_ALL=C sort -u
fi
