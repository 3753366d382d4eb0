#!/bin/sh
# The paper's convolutional experiments (issue #14; docs/results/README.md says what each checks),
# as two lanes for a two-core machine: each lane trains its experiments one after another on one
# thread (one thread per lane keeps both cores busy without oversubscribing them, and one thread is
# the setting whose numbers are reproducible bit for bit). Rerunning a lane resumes it: every
# `lottery run` continues its experiment from the store, and returns at once when it is finished,
# so a session that was cut off starts the same two commands again:
#
#   nohup nice -n 19 sh scripts/paper-campaign.sh a results ../shared/data &
#   nohup nice -n 19 sh scripts/paper-campaign.sh b results ../shared/data &
#
# Each experiment appends one JSON line per finished run to OUT/<label>.jsonl and its progress to
# OUT/<label>.log; `lottery status OUT/<experiment>` says how far it got and what is left. A failed
# experiment is logged and the lane goes on to the next. Run both lanes from one checkout at one
# commit for the whole campaign (an experiment's runs should all come from one build).
# `paper-campaign.sh --print a` prints the lane's experiments (a label and the `lottery run` flags,
# a line each) instead of running them: test/scripts/paper-campaign.test.ts checks each against
# the CLI, so a renamed flag fails the tests rather than a lane hours later.
set -u
print=0
if [ "${1:-}" = "--print" ]; then
  print=1
  shift
fi
lane=${1:?usage: paper-campaign.sh [--print] a|b [OUT] [DATA_DIR]}
out=${2:-results}
data=${3:-../shared/data}
root=$(cd "$(dirname "$0")/.." && pwd)
[ $print -eq 1 ] || mkdir -p "$out"

# run LABEL ARGS...: one `lottery run` of the campaign, its output appended to OUT/LABEL.{jsonl,log}.
run() {
  label=$1
  shift
  if [ $print -eq 1 ]; then
    echo "$label $* --eval-every 250"
    return
  fi
  echo "$(date -u +%Y-%m-%dT%H:%M:%SZ) lane $lane: $label: lottery run $*" >&2
  node "$root/bin/lottery.js" run "$@" --eval-every 250 --out "$out" --data-dir "$data" --json --no-report \
    >>"$out/$label.jsonl" 2>>"$out/$label.log"
  rc=$?
  [ $rc -eq 0 ] || echo "$(date -u +%Y-%m-%dT%H:%M:%SZ) lane $lane: $label failed (exit $rc); see $out/$label.log" >&2
}

# Experiments started before --eval-test best existed keep improved (it is part of their name);
# the rest measure the test split only at the end (the same accuracies, most test passes saved).
BEST="--eval-test best --threads 1"
# The paper's checkpoints under global 20% pruning: Pm 51%, 21%, 8.6% are levels 3, 7 and 11.
GLOBAL="--levels 11 --controls reinit --control-levels 3,7,11 $BEST"

case $lane in
a)
  # Conv-2's 5,000-iteration tickets at the paper's 20,000 iterations (started on 2 threads: kept).
  run conv2-20k --model conv2 --masks-from conv2_270bf18a6a9943af --mask-levels 0,11,13 --iterations 20000 --controls reinit --eval-test improved --threads 2
  # ResNet-20 at a tenth of the paper's schedule (warmup and decays scaled): 0.03 with warmup, 0.01 without.
  run resnet20-lr0.03 --model resnet20 --iterations 3000 $GLOBAL
  run resnet20-lr0.01 --model resnet20 --iterations 3000 --lr 0.01 --warmup-iterations 0 $GLOBAL
  # VGG-19 at a fortieth: 0.1 with warmup, 0.01 without; then layer-wise against global at Pm 8.6%.
  run vgg19-lr0.1 --model vgg19 --iterations 2812 $GLOBAL
  run vgg19-lr0.01 --model vgg19 --iterations 2812 --lr 0.01 --warmup-iterations 0 $GLOBAL
  run vgg19-lr0.1 --model vgg19 --iterations 2812 $GLOBAL --one-shot 0.086
  run vgg19-layerwise --model vgg19 --iterations 2812 --scope layerwise --levels 0 --one-shot 0.086 --controls reinit $BEST
  # Conv-6's dense network and two tickets at the paper's 30,000 iterations. It needs lane b's
  # conv6-5k levels 9 and 10: until they are finished it stops at once, naming them, and a later
  # rerun of this lane trains it.
  run conv6-30k --model conv6 --masks-from conv6_27cca39572ce30d4 --mask-levels 0,9,10 --iterations 30000 --controls reinit $BEST
  ;;
b)
  # Conv-2 with dropout, the plain run's protocol (compare with conv2_270bf18a6a9943af).
  run conv2-dropout-5k --model conv2_dropout --levels 14 --iterations 5000 --controls reinit --eval-test improved --threads 1
  # Conv-4 and Conv-6 at 5,000 iterations per level (named conv4_27cca39572ce30d4 and
  # conv6_27cca39572ce30d4, as `lottery run` prints: the 25k and 30k lines import their masks) down to the paper's early-stop Pm (9.2%, 15.1%),
  # then Conv-4's dense network and the two levels nearest 9.2% at the paper's 25,000 (Conv-6's at
  # 30,000 is in lane a).
  run conv4-5k --model conv4 --levels 12 --iterations 5000 --controls reinit $BEST
  run conv4-25k --model conv4 --masks-from conv4_27cca39572ce30d4 --mask-levels 0,11,12 --iterations 25000 --controls reinit $BEST
  run conv6-5k --model conv6 --levels 10 --iterations 5000 --controls reinit $BEST
  ;;
*)
  echo "paper-campaign.sh: unknown lane '$lane': use a or b" >&2
  exit 2
  ;;
esac
[ $print -eq 1 ] || echo "$(date -u +%Y-%m-%dT%H:%M:%SZ) lane $lane: done" >&2
