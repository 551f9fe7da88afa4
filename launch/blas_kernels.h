#pragma once
// Makes OpenBLAS use the fastest kernels this CPU can run.
//
// OpenBLAS chooses its kernels once, when it is loaded, from the CPU model it knows. The
// one of Debian 12 (0.3.21) does not know newer Xeons (this VM reports "Intel(R) Xeon(R)
// Processor", with AVX-512) and falls back to its Prescott (SSE3) kernels: a 2048^2
// sgemm on 2 threads ran at 10.6 GFLOP/s, and at 66.5 with OPENBLAS_CORETYPE=SkylakeX
// (bench/results/dit_flow.md). Every linear layer runs on those kernels.

#include <string>

namespace dact::launch {

// Whether OpenBLAS core type `core` uses neither AVX2 nor AVX-512: what OpenBLAS falls
// back to for a CPU it does not know.
bool is_pre_avx2_core(const std::string& core);

// When the loaded BLAS is OpenBLAS, OPENBLAS_CORETYPE is unset, and OpenBLAS chose
// kernels older than the CPU supports (SkylakeX needs AVX-512 F/CD/BW/DQ/VL, Haswell
// AVX2 + FMA): sets OPENBLAS_CORETYPE and executes this program again with the same
// arguments, so the new kernels load; child processes (mpirun's ranks) inherit it.
// Returns when nothing is to be done or the re-execution fails (logged).
void use_fastest_blas_kernels(char** argv);

}  // namespace dact::launch
