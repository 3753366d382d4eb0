#!/bin/sh
# The paper's convolutional experiments (issue #14; docs/results/README.md says what each checks),
# cut into units that each finish inside one three-hour session of the project's two-core machine.
#
# Why units, not long experiments: an experiment's store lives on the machine, and twice (2026-12-06
# and 2026-12-07) a session started on a new machine without it, losing every run not yet
# published. What lasts is the repository, so each unit is an experiment small enough to train and
# publish (scripts/publish-results.sh: report, runs.csv, tables; never weights) in one session, and
# a unit whose docs/results/<label>/runs.csv exists is skipped. A session starts the lanes, commits
# what they published (docs/results/<label>/ in this checkout), and the next session's lanes go on
# from there; a store that did survive still resumes a half-trained unit.
#
# To fit, the units prune coarsely: the few levels where the paper reads its claims, reached in
# larger steps. Three levels at 1 - 0.8^(11/3) = 55.9% a level end at the paper's level 11 of 20%
# global pruning (Pm 8.6%: levels 1-3 are Pm 44.1%, 19.4%, 8.6% against its 51%, 21%, 8.6%); the
# layer-wise networks use each layer kind's rate raised the same way. Each keeps the paper's
# iterative method (train, prune, reset to θ0) in fewer, larger steps. The reinit control is
# trained at the last level only.
#
#   nohup nice -n 19 sh scripts/paper-campaign.sh a results ../shared/data &   # one thread each:
#   nohup nice -n 19 sh scripts/paper-campaign.sh b results ../shared/data &   #   one lane per core
#   nohup nice -n 19 sh scripts/paper-campaign.sh w results ../shared/data &   # two threads: alone
#
# Lanes a and b run side by side, one thread each. Lane w's units use both threads, so it runs
# alone, one unit a session (a VGG-19 unit needs the whole session: start it first). Each unit
# appends one JSON line per finished run to OUT/<label>.jsonl and its progress to OUT/<label>.log;
# a failed unit is logged and the lane goes on to the next. Run a lane from one checkout at one
# commit (a unit's runs should all come from one build). `paper-campaign.sh --print LANE` prints
# the lane's units (a label and the `lottery run` flags, a line each) instead of running them:
# test/scripts/paper-campaign.test.ts checks each against the CLI, so a renamed flag fails the
# tests rather than a lane hours later.
set -u
print=0
if [ "${1:-}" = "--print" ]; then
  print=1
  shift
fi
lane=${1:?usage: paper-campaign.sh [--print] a|b|w [OUT] [DATA_DIR]}
out=${2:-results}
data=${3:-../shared/data}
root=$(cd "$(dirname "$0")/.." && pwd)
[ $print -eq 1 ] || mkdir -p "$out"

log() { echo "$(date -u +%Y-%m-%dT%H:%M:%SZ) lane $lane: $*" >&2; }

# unit LABEL ARGS...: train one unit (`lottery run ARGS`) unless docs/results/LABEL is published,
# then publish it there. Its output goes to OUT/LABEL.{jsonl,log}.
unit() {
  label=$1
  shift
  if [ $print -eq 1 ]; then
    echo "$label $* --eval-every 250 --eval-test best"
    return
  fi
  if [ -f "$root/docs/results/$label/runs.csv" ]; then
    log "$label: published in docs/results/$label, skipped"
    return
  fi
  set -- "$@" --eval-every 250 --eval-test best --out "$out" --data-dir "$data"
  log "$label: lottery run $*"
  if ! node "$root/bin/lottery.js" run "$@" --json --no-report >>"$out/$label.jsonl" 2>>"$out/$label.log"; then
    log "$label failed; see $out/$label.log"
    return
  fi
  experiment=$(node "$root/bin/lottery.js" run "$@" --dry-run --json | node -e 'process.stdin.on("data", (d) => console.log(JSON.parse(d).experiment))')
  if (cd "$root" && sh scripts/publish-results.sh "$experiment" "$label") >>"$out/$label.log" 2>&1; then
    log "$label: finished, published in $root/docs/results/$label (commit it)"
  else
    log "$label: finished, but publishing failed; see $out/$label.log"
  fi
}

# Global pruning (VGG-19, ResNet-20): three levels of 55.9% of the conv weights (Pm 44.1%, 19.4%,
# 8.6%), reinit at the last; VGG-19 two levels of 70.7% (Pm 29.3%, 8.6%) to fit a session.
GLOBAL3="--levels 3 --rate-conv 0.559 --controls reinit --control-levels 3"
GLOBAL2="--levels 2 --rate-conv 0.7071 --controls reinit --control-levels 2"
# Conv-2 (conv 10%, fc 20%, output 10% a level; Pm 8.8% at level 11, the paper's early-stop point):
# the same densities in three levels.
CONV2="--levels 3 --rate conv=0.3204,fc=0.5588,output=0.3204 --controls reinit --control-levels 3 --iterations 5000"

case $lane in
a)
  # ResNet-20 at a tenth of the paper's schedule (3,000 iterations; warmup and decays scaled):
  # 0.03 with warmup (where the paper finds winning tickets) and 0.1 without (where it finds none).
  unit resnet20_3k_lr0.03 --model resnet20 --iterations 3000 $GLOBAL3 --threads 1
  unit resnet20_3k_lr0.1 --model resnet20 --iterations 3000 --lr 0.1 --warmup-iterations 0 $GLOBAL3 --threads 1
  ;;
b)
  # Lane b carries both Conv-2 units (about 1.5 hours each) while lane a trains its second
  # ResNet-20 unit (about 2.2 hours): the two lanes then end about together.
  unit resnet20_3k_lr0.01 --model resnet20 --iterations 3000 --lr 0.01 --warmup-iterations 0 $GLOBAL3 --threads 1
  # Conv-2 with dropout 0.5 (Adam 3e-4, the paper's Figure 6), then without it (Adam 2e-4), at a
  # quarter of the paper's 20,000 iterations: the two halves of the dropout comparison.
  unit conv2_dropout_5k_coarse --model conv2_dropout $CONV2 --threads 1
  unit conv2_5k_coarse --model conv2 $CONV2 --threads 1
  ;;
w)
  # Conv-4 to the paper's early-stop point (Pm 9.2% at level 12 of conv 10%, fc 20%, output 10%).
  unit conv4_5k_coarse --model conv4 --levels 3 --rate conv=0.3439,fc=0.5904,output=0.3439 --controls reinit --control-levels 3 --iterations 5000 --threads 2
  # Conv-6 to its point (Pm 15.3% at level 10 of conv 15%, fc 20%, output 10%) in two levels.
  unit conv6_5k_coarse --model conv6 --levels 2 --rate conv=0.5563,fc=0.6723,output=0.4095 --controls reinit --control-levels 2 --iterations 5000 --threads 2
  # VGG-19 at a fortieth of the schedule (2,812 iterations): 0.1 with warmup, 0.01 without; then
  # layer-wise against global: the rate-0.1 unit with each conv layer pruned by the rate on its own.
  unit vgg19_2812_lr0.1 --model vgg19 --iterations 2812 $GLOBAL2 --threads 2
  unit vgg19_2812_lr0.01 --model vgg19 --iterations 2812 --lr 0.01 --warmup-iterations 0 $GLOBAL2 --threads 2
  unit vgg19_2812_layerwise --model vgg19 --iterations 2812 --scope layerwise $GLOBAL2 --threads 2
  ;;
*)
  echo "paper-campaign.sh: unknown lane '$lane': use a, b or w" >&2
  exit 2
  ;;
esac
[ $print -eq 1 ] || log "done"
