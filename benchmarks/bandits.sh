#!/usr/bin/env bash
# Speed of the tabular simulator (issue 4 targets): 10,000 exact PG steps on K = 1,000 arms in under
# a second, and sampled GRPO (G = 8) over 1,000 states for 1,000 steps in a few seconds.
# Release build; wall time of the whole `deltah` process (parse, simulate, write CSV to /dev/null).
set -euo pipefail
cd "$(dirname "$0")/.."
export OPENBLAS_NUM_THREADS=1
swift build -c release --product deltah > /dev/null
bin=.build/release/deltah

run() {
  local label=$1; shift
  local best=""
  for _ in 1 2 3; do
    local start end t
    start=$(date +%s.%N)
    "$bin" "$@" --csv > /dev/null
    end=$(date +%s.%N)
    t=$(echo "$end - $start" | bc -l)
    if [[ -z $best ]] || (( $(echo "$t < $best" | bc -l) )); then best=$t; fi
  done
  printf '%-58s best of 3: %6.3f s\n' "$label" "$best"
}

echo "deltah release build; $(nproc) cores; $(date -u +%Y-%m-%dT%H:%MZ)"
run "exact PG, K=1000 arms, 10,000 steps" bandit --arms 1000 --seed 1 --rule pg --lr 1 --steps 10000
run "exact NPG, K=1000 arms, 10,000 steps" bandit --arms 1000 --seed 1 --rule npg --lr 0.1 --steps 10000
run "GRPO G=8, 1000 states x 10 arms, 1,000 steps" bandit --arms 10 --states 1000 --seed 1 --rule grpo --lr 0.5 --steps 1000
run "PPO-clip 4 epochs + Clip-Cov, 1000 states x 10 arms, 1,000 steps" bandit --arms 10 --states 1000 --seed 1 --rule ppo --lr 0.5 --steps 1000 --intervention clip-cov
run "exact PG, random MDP 50 states x 5 actions, 1,000 steps" mdp --states 50 --actions 5 --gamma 0.9 --seed 1 --rule pg --scaling visitation --lr 1 --steps 1000
