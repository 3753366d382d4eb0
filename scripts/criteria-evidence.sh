#!/bin/sh
# The runs behind docs/results/criteria (LeNet-300-100 on MNIST, pruning criteria side by side), on
# one shared protocol: 1,000 iterations per level (the paper: 50,000), evaluation every 100, 2 trials, one thread.
# Each group is resumable: rerun the same command to continue where it stopped.
#   scripts/criteria-evidence.sh OUT imp-reset|imp-rewind|init [TRIAL]
# With TRIAL (0 or 1) only that trial is run, so the two trials can run in two processes.
#   imp-reset:  magnitude, iterative, reset to θ0, 18 levels (Pm 10.8% at level 10, 3.6% at 15, 1.8% at 18)
#   imp-rewind: the same with rewinding to iteration 100 (rewind:100)
#   init:       random (layerwise), snip, grasp, synflow (global, their papers' scope), one-shot at θ0 to those three Pm
set -eu
out=${1:?usage: scripts/criteria-evidence.sh OUT imp-reset|imp-rewind|init}
group=${2:?usage: scripts/criteria-evidence.sh OUT imp-reset|imp-rewind|init}
common="--model lenet_300_100 --iterations 1000 --eval-every 100 --trials 2 --threads 1 --out $out${3:+ --trial $3}"
pms=0.108279,0.035826,0.018509
lottery() { node --import=tsx src/cli/main.ts "$@"; }
case $group in
  imp-reset) lottery run $common --levels 18 ;;
  imp-rewind) lottery run $common --levels 18 --strategy rewind:100 ;;
  init)
    lottery run $common --criterion random --one-shot $pms
    for c in snip grasp synflow; do lottery run $common --criterion $c --scope global --one-shot $pms; done ;;
  *) echo "unknown group $group: use imp-reset, imp-rewind or init" >&2; exit 2 ;;
esac
