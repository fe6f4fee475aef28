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
pack()    { dotnet pack src/Energizer.ML/Energizer.ML.csproj -c "$configuration" -o artifacts; }

case "$step" in
  restore) restore ;;
  build)   restore; build ;;
  test)    test ;;
  pack)    pack ;;
  all)     restore; build; test; pack ;;
  *) echo "usage: $0 [restore|build|test|pack|all]" >&2; exit 64 ;;
esac
