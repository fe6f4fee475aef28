#!/usr/bin/env bash
# Energizer.ML build: ./build.sh [restore|build|test|pack|all]   (default: all)
# Each step can run alone; "all" runs restore, build, test and pack in that order.
set -euo pipefail
cd "$(dirname "$0")"
configuration="${CONFIGURATION:-Release}"
step="${1:-all}"

restore() { dotnet restore Energizer.ML.sln; }
build()   { dotnet build Energizer.ML.sln -c "$configuration" --no-restore; }
test()    { dotnet test --solution Energizer.ML.sln -c "$configuration"; }
pack() {
  # Outside CI a pack's version carries its build time; both packages get the same one, so
  # Energizer.ML.Labelling depends on the Energizer.ML packed beside it.
  local stamp=()
  if [ "${CI:-}" != "true" ]; then stamp=("-p:MinVerDefaultPreReleaseIdentifiers=alpha.0.local.$(date -u +%Y%m%d%H%M%S)"); fi
  dotnet pack src/Energizer.ML/Energizer.ML.csproj -c "$configuration" -o artifacts "${stamp[@]}"
  dotnet pack src/Energizer.ML.Labelling/Energizer.ML.Labelling.csproj -c "$configuration" -o artifacts "${stamp[@]}"
}

case "$step" in
  restore) restore ;;
  build)   restore; build ;;
  test)    test ;;
  pack)    pack ;;
  all)     restore; build; test; pack ;;
  *) echo "usage: $0 [restore|build|test|pack|all]" >&2; exit 64 ;;
esac
