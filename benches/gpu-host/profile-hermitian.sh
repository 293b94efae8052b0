#!/usr/bin/env bash
# Run on the GPU host from the bundle: bash bundle/profile-hermitian.sh [VERSIONS]  (results in $OUT or /tmp/r)
# Issue 5: Nsight Compute on get_hermitian, Netflix shape (explicit, f=100): one launch per side
# (users, then items) of each version asked for (default 5), with the sections that say where the
# time goes (throughput, occupancy, warp stalls, memory traffic, the hottest instructions).
R=${OUT:-/tmp/r}; mkdir -p $R; cd "$(dirname "$0")"
NCU=/usr/local/cuda/bin/ncu
for v in ${1:-5}; do
  timeout 280 $NCU --kernel-name "regex:hermitian_v${v}_f100\$" --launch-count 2 \
    --section SpeedOfLight --section Occupancy --section LaunchStats --section WarpStateStats \
    --section SchedulerStats --section MemoryWorkloadAnalysis --section ComputeWorkloadAnalysis --section SourceCounters \
    --metrics lts__t_sectors_op_write.sum,lts__t_requests_srcunit_tex_op_write.sum,smsp__inst_executed_op_global_st.sum,dram__bytes_read.sum,dram__bytes_write.sum \
    ./rustmf kernel-bench --input synth:netflix:1 --factors 100 --hermitian $v --no-cg --repeats 1 --warmup 0 \
    --out $R --name kb-v$v > $R/ncu-hermitian-v$v.txt 2>$R/ncu-hermitian-v$v.err
  echo "v$v: exit $?"; grep -E "Duration|Registers Per|Achieved Occupancy|Compute \(SM\) Throughput|DRAM Throughput|Memory Throughput|Issue Slots Busy|No Eligible|lts__t_sectors_op_write|lts__t_requests|global_st|dram__bytes" $R/ncu-hermitian-v$v.txt
done
