#include "launch/blas_kernels.h"

#include <dlfcn.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

namespace dact::launch {
namespace {

// The best OpenBLAS core type this CPU runs ("" when OpenBLAS's own choice stands).
std::string supported_core_type() {
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512cd") &&
      __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512dq") &&
      __builtin_cpu_supports("avx512vl")) {
    return "SkylakeX";
  }
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return "Haswell";
  return "";
}

}  // namespace

bool is_pre_avx2_core(const std::string& core) {
  for (const char* old : {"Prescott", "Core2", "Penryn", "Dunnington", "Nehalem", "Sandybridge", "Katmai",
                          "Coppermine", "Northwood", "Banias", "Atom"}) {
    if (core == old) return true;
  }
  return false;
}

void use_fastest_blas_kernels(char** argv) {
  if (std::getenv("OPENBLAS_CORETYPE") != nullptr) return;
  // Looked up at run time: another BLAS may stand behind libblas.so.3.
  using CoreName = char* (*)();
  const auto corename = reinterpret_cast<CoreName>(dlsym(RTLD_DEFAULT, "openblas_get_corename"));
  if (corename == nullptr) return;
  const std::string chosen = corename();
  const std::string best = supported_core_type();
  if (best.empty() || !is_pre_avx2_core(chosen)) return;
  setenv("OPENBLAS_CORETYPE", best.c_str(), /*overwrite=*/0);
  execv("/proc/self/exe", argv);
  std::fprintf(stderr, "dact: OpenBLAS runs its %s kernels on a CPU that supports %s; executing again with "
               "OPENBLAS_CORETYPE=%s failed (%s)\n", chosen.c_str(), best.c_str(), best.c_str(), std::strerror(errno));
}

}  // namespace dact::launch
