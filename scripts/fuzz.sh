#!/usr/bin/env bash
# Builds the libFuzzer targets of fuzz/ with clang-19 (ASan + UBSan) in
# build-fuzz/ and runs each for SECONDS (default 60), starting from a corpus
# seeded with real encodings (make_codec_corpus) plus the checked-in
# regression corpus (fuzz/corpus/). New crashers land in build-fuzz/artifacts/;
# copy them into fuzz/corpus/<target>/ once fixed, so the regression test
# (tests/store/codec/fuzz_corpus_test.cc) keeps them.
#
#   scripts/fuzz.sh [SECONDS]       AGENTPERF_FUZZ_JOBS=N runs N workers per target
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}

if ! command -v clang++-19 >/dev/null; then
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  echo "fuzz: installing clang-19 (Debian 12)"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends clang-19 libclang-rt-19-dev >/dev/null
fi

CC=clang-19 CXX=clang++-19 cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DAGENTPERF_FUZZ=ON -DAGENTPERF_SANITIZE=ON -DAGENTPERF_BUILD_TESTS=OFF -DCMAKE_CXX_COMPILER_LAUNCHER= \
  -DCMAKE_CXX_FLAGS=-Wno-unknown-warning-option >/dev/null
cmake --build build-fuzz -j2 --target codec_decode_fuzz codec_roundtrip_fuzz make_codec_corpus

mkdir -p build-fuzz/corpus/codec_decode build-fuzz/corpus/codec_roundtrip build-fuzz/artifacts
build-fuzz/fuzz/make_codec_corpus build-fuzz/corpus/codec_decode build-fuzz/corpus/codec_roundtrip >/dev/null

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
parallel=()
if [ -n "${AGENTPERF_FUZZ_JOBS:-}" ]; then  # libFuzzer then logs to fuzz-*.log
  parallel=(-jobs="$AGENTPERF_FUZZ_JOBS" -workers="$AGENTPERF_FUZZ_JOBS")
fi
status=0
for target in codec_decode codec_roundtrip; do
  echo "== ${target}_fuzz for ${seconds}s"
  if ! build-fuzz/fuzz/${target}_fuzz build-fuzz/corpus/${target} fuzz/corpus/${target} \
      -max_total_time="$seconds" -max_len=8192 -rss_limit_mb=2048 -timeout=10 "${parallel[@]}" \
      -artifact_prefix=build-fuzz/artifacts/${target}- -print_final_stats=1 2>&1 | tail -n 25; then
    status=1
  fi
done
ls build-fuzz/artifacts/ | head
exit $status
