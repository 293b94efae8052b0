#!/usr/bin/env bash
# Stand-in for rustc's "llvm-bitcode-linker" on the nvptx64-nvidia-cuda target, for toolchains that
# do not ship it (Debian's rustc-web). rustc calls it as a linker with the crate's LLVM bitcode:
#   --export-symbol NAME ... OBJECT.o ... --target-cpu sm_XX -o OUT.ptx [other flags, ignored]
# It links the bitcode, internalizes everything but the exported kernels, optimizes, and lowers to
# PTX. The LLVM tools come from build.rs: RUSTMF_LLVM_LINK, RUSTMF_LLVM_OPT, RUSTMF_LLVM_LLC, and the
# unroll threshold the rustc side used, RUSTMF_UNROLL_THRESHOLD.
set -euo pipefail
exports=() objects=() cpu="" out=""
while [ $# -gt 0 ]; do
  case "$1" in
    --export-symbol) exports+=("$2"); shift 2 ;;
    --target-cpu) cpu="$2"; shift 2 ;;
    -o) out="$2"; shift 2 ;;
    -L|--target) shift 2 ;;
    *.o) objects+=("$1"); shift ;;
    *) shift ;;  # rlibs (compiler_builtins: nothing a kernel calls), -O3, --debug
  esac
done
[ -n "$cpu" ] && [ -n "$out" ] && [ ${#objects[@]} -gt 0 ] || { echo "ptx-linker: missing --target-cpu, -o or objects" >&2; exit 2; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"${RUSTMF_LLVM_LINK:?}" "${objects[@]}" -o "$work/linked.bc"
keep=$(IFS=,; echo "${exports[*]}")
"${RUSTMF_LLVM_OPT:?}" -passes='internalize,default<O3>' -unroll-threshold="${RUSTMF_UNROLL_THRESHOLD:-4000}" -internalize-public-api-list="$keep" "$work/linked.bc" -o "$work/opt.bc"
"${RUSTMF_LLVM_LLC:?}" -O3 -mtriple=nvptx64-nvidia-cuda -mcpu="$cpu" "$work/opt.bc" -o "$out"
