#!/bin/sh
# Publish one experiment's results (never its weights) into docs/results/<name>/:
# the report (HTML + SVG figures), runs.csv, hparams.json and markdown tables.
#   scripts/publish-results.sh results/lenet_300_100_<hash> lenet_300_100
set -eu
src=${1:?usage: scripts/publish-results.sh EXPERIMENT_DIR NAME}
name=${2:?usage: scripts/publish-results.sh EXPERIMENT_DIR NAME}
dest=docs/results/$name
npx tsx src/cli/main.ts report "$src"
mkdir -p "$dest"
cp "$src"/report.html "$src"/*.svg "$src"/runs.csv "$src"/hparams.json "$dest"/
node --import=tsx scripts/results-tables.ts "$src/runs.csv" > "$dest/tables.md"
echo "published $src to $dest"
