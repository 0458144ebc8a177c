#!/usr/bin/env bash
# Builds the spec parser with libFuzzer + AddressSanitizer and fuzzes it.
#   Fuzz/run-spec-fuzzer.sh [seconds]   (default 600)
# Seeds are the example specs and the invalid fixtures; new inputs go to .build-fuzz/corpus,
# crashes to .build-fuzz/crash-*.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-600}
out=.build-fuzz
mkdir -p "$out/corpus" "$out/seeds"
cp specs/*.yaml Tests/Fixtures/invalid/*.yaml "$out/seeds/"
swiftc -O -g -sanitize=fuzzer,address -parse-as-library -module-name FedSpec \
    -I Sources/CYAML $(find Sources/FedSpec -name '*.swift') Fuzz/SpecFuzzer.swift \
    -o "$out/spec-fuzzer"
cd "$out"
# Swift's backtracer would sit on a crash before libFuzzer writes it; turn it off.
SWIFT_BACKTRACE=enable=no ./spec-fuzzer -max_total_time="$seconds" -max_len=65536 -timeout=10 \
    -rss_limit_mb=2048 -print_final_stats=1 corpus seeds
