// `dact model forward --arch dit` end to end: the built binary reproduces the
// energy-diffusion seed's DiT outputs (../shared/reference/dit_tiny.h5: out;
// dit_energy_tiny.h5: energy, grad), with the reference's own `config` attribute as
// M.json. Error metric: max|ours - ref| / max|ref|, bound 1e-4 (float32).
#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "storage/h5_tensor_io.h"
#include "tests/support/run_dact_command.h"
#include "tests/support/tensor_compare.h"
#include "tests/support/test_paths.h"

namespace dact::launch {
namespace {

namespace fs = std::filesystem;

using dact::testing::max_relative_error;

// Runs the binary on a reference file; returns the written outputs' file path.
std::string forward_reference(const std::string& name) {
  const std::string reference = dact::testing::reference_file(name);
  const fs::path dir = fs::temp_directory_path() / ("dact_dit_forward_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const std::string config = (dir / (name + ".json")).string(), out = (dir / (name + ".out.h5")).string();
  std::ofstream(config) << storage::read_h5_string_attribute(storage::open_h5_for_reading(reference), "config");
  const auto result = testing::run_dact_command("model forward --arch dit --config " + config + " --weights " +
                                                    reference + " --input " + reference + " --out " + out,
                                                /*merge_stderr=*/true);
  EXPECT_EQ(result.exit_code, 0) << result.output;
  return out;
}

TEST(ModelForwardDit, ReproducesReferenceOutput) {
  const auto out = storage::open_h5_for_reading(forward_reference("dit_tiny.h5"));
  const auto reference = storage::open_h5_for_reading(dact::testing::reference_file("dit_tiny.h5"));
  EXPECT_LE(max_relative_error(storage::read_h5_tensor(out, "out"),
                               storage::read_h5_tensor(reference, "output/out")),
            1e-4);
}

TEST(ModelForwardDit, ReproducesReferenceEnergyAndGradient) {
  const auto out = storage::open_h5_for_reading(forward_reference("dit_energy_tiny.h5"));
  const auto reference = storage::open_h5_for_reading(dact::testing::reference_file("dit_energy_tiny.h5"));
  EXPECT_LE(max_relative_error(storage::read_h5_tensor(out, "energy"),
                               storage::read_h5_tensor(reference, "output/energy")),
            1e-4);
  EXPECT_LE(max_relative_error(storage::read_h5_tensor(out, "grad"),
                               storage::read_h5_tensor(reference, "output/grad")),
            1e-4);
}

}  // namespace
}  // namespace dact::launch
