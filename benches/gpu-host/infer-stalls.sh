#!/usr/bin/env bash
# Run on the GPU host from the bundle: bash bundle/infer-stalls.sh  (results in /tmp/r, tarred to $OUT when set)
# Issue 6, where the exact filter's time goes: Nsight Compute's stall reasons per issued instruction
# for score_filter_f64 (the warm-up and the timed launch), the time of every kernel of one
# gpu-fused and one gpu-fused-tf32 batch (ncu locks clocks at base), and the SM clock sampled
# while gpu-fused runs 30 batches unprofiled.
R=/tmp/r; mkdir -p $R; cd "$(dirname "$0")"
M=smsp__average_warps_issue_stalled_barrier_per_issue_active.ratio,smsp__average_warps_issue_stalled_short_scoreboard_per_issue_active.ratio,smsp__average_warps_issue_stalled_long_scoreboard_per_issue_active.ratio,smsp__average_warps_issue_stalled_wait_per_issue_active.ratio,smsp__average_warps_issue_stalled_math_pipe_throttle_per_issue_active.ratio,smsp__average_warps_issue_stalled_mio_throttle_per_issue_active.ratio,smsp__average_warps_issue_stalled_not_selected_per_issue_active.ratio,smsp__average_warps_issue_stalled_selected_per_issue_active.ratio,smsp__average_warps_issue_stalled_dispatch_stall_per_issue_active.ratio,smsp__average_warps_issue_stalled_no_instruction_per_issue_active.ratio,smsp__average_warps_issue_stalled_branch_resolving_per_issue_active.ratio,smsp__average_warps_issue_stalled_lg_throttle_per_issue_active.ratio,smsp__average_warps_issue_stalled_membar_per_issue_active.ratio,smsp__average_warps_issue_stalled_misc_per_issue_active.ratio,smsp__average_warps_issue_stalled_drain_per_issue_active.ratio,smsp__average_warps_issue_stalled_sleeping_per_issue_active.ratio
A="./rustmf infer-bench --batch 1000 --items 5600000 --factors 64 --k 100 --exclude 50 --repeats 1 --check-rows 1"
echo "== ncu stall reasons of the first two score_filter launches (gpu-fused: warm-up and timed batch)"
timeout 150 /usr/local/cuda/bin/ncu --kernel-name regex:score_filter -c 2 --metrics $M,smsp__inst_executed.sum,sm__cycles_elapsed.avg.per_second $A --backends gpu-fused,gpu-fused-tf32 --out $R/ncu-run2 --name ncu2 > $R/ncu-stalls.txt 2>&1; echo "exit $?"
echo "== ncu per-kernel times of one gpu-fused and one gpu-fused-tf32 batch (no warm-up)"
timeout 150 /usr/local/cuda/bin/ncu --metrics gpu__time_duration.sum $A --warmup 0 --backends gpu-fused,gpu-fused-tf32 --out $R/ncu-run3 --name ncu3 > $R/ncu-times.txt 2>&1; echo "exit $?"
echo "== SM clock while gpu-fused runs 30 batches"
(nvidia-smi --query-gpu=clocks.sm,clocks.max.sm,power.draw,temperature.gpu --format=csv -lms 200 > $R/clocks-during-bench.csv &) ; ./rustmf infer-bench --batch 1000 --items 5600000 --factors 64 --k 100 --exclude 50 --repeats 30 --warmup 1 --check-rows 1 --backends gpu-fused --out $R --name clock-run > $R/clock-run.txt 2>&1; pkill nvidia-smi; tail -n 3 $R/clock-run.txt
[ -n "$OUT" ] && tar czf $OUT/r.tgz -C /tmp r
