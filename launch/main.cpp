#include "launch/blas_kernels.h"
#include "launch/cli.h"
#include "launch/freed_memory_reuse.h"

int main(int argc, char** argv) {
  dact::launch::use_fastest_blas_kernels(argv);
  dact::launch::keep_freed_memory_for_reuse();
  return dact::launch::run_cli(argc, argv);
}
