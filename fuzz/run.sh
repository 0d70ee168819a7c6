#!/usr/bin/env bash
# Fuzzes Courier's parsers with SharpFuzz and afl-fuzz (docs/fuzzing.md).
#
#   fuzz/run.sh [seconds-per-target] [target...]
#
# Builds fuzz/Courier.Fuzz, instruments the Courier assemblies that hold the parsers with the
# SharpFuzz tool (the local dotnet tool of .config/dotnet-tools.json), then runs afl-fuzz on each
# target (all of them by default) for the given time, 25 s unless told, from fuzz/corpus/<target>
# and fuzz/dict/<target>.dict when there is one. Exits non-zero if any target found a crash or a
# hang, printing each such input's path; replay one (with the uninstrumented build) with
#   dotnet fuzz/Courier.Fuzz/bin/Debug/net10.0/Courier.Fuzz.dll <target> <input>
# Needs afl-fuzz (Debian's afl++). FUZZ_WORK sets the work directory (default: a new one under
# /tmp); FUZZ_KEEP_CORPUS=1 copies the inputs afl-fuzz found new paths with back into fuzz/corpus.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
seconds=${1:-25}
shift || true
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

command -v afl-fuzz >/dev/null || { echo "fuzz: afl-fuzz is not installed (apt-get install afl++)" >&2; exit 2; }

work=${FUZZ_WORK:-$(mktemp -d /tmp/courier-fuzz.XXXXXX)}
mkdir -p "$work/out"
bin=$work/bin

echo "== fuzz: build and instrument (work directory $work)"
dotnet tool restore >/dev/null
# Debug by default: CI has built it so already with the solution; FUZZ_CONFIGURATION=Release for long runs.
configuration=${FUZZ_CONFIGURATION:-Debug}
dotnet build fuzz/Courier.Fuzz -c "$configuration" -nologo -v q
rm -rf "$bin"
cp -r "fuzz/Courier.Fuzz/bin/$configuration/net10.0" "$bin"
# The parsers live in these (courier: the WebSocket reader; Courier.Management: the API bodies); the harness, SharpFuzz and the framework stay uninstrumented.
for assembly in Courier.Core Courier.Amqp091 Courier.Mqtt Courier.Stomp Courier.Storage Courier.Management courier; do
  dotnet tool run sharpfuzz "$bin/$assembly.dll" >/dev/null
done

if [ "$#" -eq 0 ]; then
  mapfile -t targets < <(dotnet "fuzz/Courier.Fuzz/bin/$configuration/net10.0/Courier.Fuzz.dll" --list)
else
  targets=("$@")
fi

# afl-fuzz in a container: dotnet itself carries no AFL instrumentation (SharpFuzz's fork server
# speaks the protocol), no CPU governor or core pinning to check, and no crash-reporting pipe.
export AFL_SKIP_BIN_CHECK=1 AFL_NO_UI=1 AFL_SKIP_CPUFREQ=1 AFL_NO_AFFINITY=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1
export AFL_FORKSRV_INIT_TMOUT=${AFL_FORKSRV_INIT_TMOUT:-120000}
# The memory limit: the target's managed heap is capped (an input that makes a parser allocate
# past it is an OutOfMemoryException, a crash), and afl-fuzz caps the whole process (-m, MB).
export DOTNET_GCHeapHardLimit=${DOTNET_GCHeapHardLimit:-0x20000000}
memory_mb=${FUZZ_MEMORY_MB:-4096}
timeout_ms=${FUZZ_TIMEOUT_MS:-10000}

status=0
summary=()
for target in "${targets[@]}"; do
  [ -d "fuzz/corpus/$target" ] || { echo "fuzz: no corpus for target '$target' (fuzz/corpus/$target)" >&2; exit 2; }
  out=$work/out/$target
  rm -rf "$out"
  dict=()
  [ -f "fuzz/dict/$target.dict" ] && dict=(-x "fuzz/dict/$target.dict")
  echo "== fuzz: $target for ${seconds}s"
  afl-fuzz -i "fuzz/corpus/$target" -o "$out" -V "$seconds" -t "$timeout_ms" -m "$memory_mb" "${dict[@]}" \
    -- "$(command -v dotnet)" "$bin/Courier.Fuzz.dll" "$target" >"$work/$target.log" 2>&1 || {
      echo "fuzz: afl-fuzz failed on $target; its output:" >&2
      tail -n 40 "$work/$target.log" >&2
      exit 2
    }
  stats=$out/default/fuzzer_stats
  value() { awk -F' *: *' -v k="$1" '$1 == k { print $2 }' "$stats"; }
  findings=$(find "$out/default/crashes" "$out/default/hangs" -type f -name 'id:*' 2>/dev/null | sort)
  summary+=("$(printf '%-18s %8s execs %6s execs/s %5s paths %3s crashes %3s hangs' "$target" "$(value execs_done)" "$(value execs_per_sec)" "$(value corpus_count)" "$(value saved_crashes)" "$(value saved_hangs)")")
  if [ -n "$findings" ]; then
    status=1
    echo "fuzz: $target: inputs that crashed or hung:"
    echo "$findings" | sed 's/^/  /'
    echo "  replay: dotnet fuzz/Courier.Fuzz/bin/$configuration/net10.0/Courier.Fuzz.dll $target <input>"
  fi
  if [ "${FUZZ_KEEP_CORPUS:-0}" = 1 ]; then
    find "$out/default/queue" -maxdepth 1 -type f -name 'id:*' ! -name '*orig:*' -exec sh -c \
      'for f; do cp "$f" "$0/$(basename "$f" | cut -d, -f1 | tr : -)-$(date +%s)"; done' "$root/fuzz/corpus/$target" {} +
  fi
done

echo "== fuzz: summary (${seconds}s per target)"
printf '%s\n' "${summary[@]}"
exit $status
