#!/usr/bin/env bash
# Packs the Steering package and builds a consumer from it through a local folder feed: the generator must run from
# analyzers/dotnet/cs (the consumer uses generated members) and see RootNamespace through build/Steering.props.
# Dependencies restore from the usual feeds (the global package cache makes this work offline once restored).
set -euo pipefail
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
version="0.1.0-smoke.$(date +%s)"
dotnet pack src/Steering.Runtime -c Release -o "$work/feed" -p:Version="$version"
cp .ci/package-smoke/* "$work/"
cat > "$work/nuget.config" <<CONFIG
<configuration>
  <packageSources>
    <add key="local" value="$work/feed" />
    <add key="nuget.org" value="https://api.nuget.org/v3/index.json" />
  </packageSources>
</configuration>
CONFIG
dotnet build "$work/Consumer.csproj" -p:SteeringVersion="$version"
ls "$work"/obj/Debug/net10.0/generated/Steering.Generators/Steering.Generators.SteerAtGenerator/
grep -q "partial class LoveHate : global::Steering.SteeringVectorSet" "$work"/obj/Debug/net10.0/generated/Steering.Generators/Steering.Generators.SteerAtGenerator/LoveHate.SteerAt.g.cs
echo "package smoke test passed ($version)"
