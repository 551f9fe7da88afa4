// dact runs OpenBLAS's fastest kernels for the CPU: started without OPENBLAS_CORETYPE,
// it must not be left on the pre-AVX2 fallback that OpenBLAS 0.3.21 picks for CPUs it
// does not know (launch/blas_kernels.h), and a user's own choice stands.
#include <gtest/gtest.h>

#include <string>

#include "launch/blas_kernels.h"
#include "tests/support/run_dact_command.h"

namespace dact::launch {
namespace {

// OpenBLAS prints "Core: <name>" when it loads with OPENBLAS_VERBOSE=2; "" for another BLAS.
std::string loaded_core(const std::string& environment) {
  const auto run = dact::testing::run_shell_command(
      "env -u OPENBLAS_CORETYPE OPENBLAS_VERBOSE=2 " + environment + " '" + dact::testing::dact_binary() + "' --help",
      true);
  const size_t at = run.output.rfind("Core: ");
  if (at == std::string::npos) return "";
  return run.output.substr(at + 6, run.output.find('\n', at) - at - 6);
}

TEST(BlasKernels, UsesKernelsWithTheCpusVectorInstructions) {
  __builtin_cpu_init();
  if (!__builtin_cpu_supports("avx2") || !__builtin_cpu_supports("fma")) GTEST_SKIP() << "a CPU without AVX2 + FMA";
  const std::string core = loaded_core("");
  if (core.empty()) GTEST_SKIP() << "the BLAS behind libblas.so.3 is not OpenBLAS";
  EXPECT_FALSE(is_pre_avx2_core(core)) << core;
  EXPECT_EQ(loaded_core("OPENBLAS_CORETYPE=Prescott"), "Prescott");
}

}  // namespace
}  // namespace dact::launch
