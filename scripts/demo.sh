#!/bin/sh
# `make demo`: render the bundled example profile into profiles/ and show
# where the outputs are and the five hottest functions.
# (When the sampler lands, the demo profiles the bundled Python example.)
set -eu
bin=$1
root=$(cd "$(dirname "$0")/.." && pwd)
in="$root/examples/profiles/example.folded"
out="$root/profiles"
mkdir -p "$out"
[ -f "$out/.gitignore" ] || printf '*\n' >"$out/.gitignore"
"$bin" flame "$in" -o "$out/example.svg" --title "hotpath demo: order book example"
cp "$in" "$out/example.folded"
echo "flame graph:  $out/example.svg   (open it in a browser: hover, click to zoom, Ctrl-F to search)"
echo "folded:       $out/example.folded"
echo
echo "five hottest functions (self time):"
"$bin" top "$in" -n 5
