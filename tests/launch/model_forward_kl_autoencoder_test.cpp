// `dact model forward --arch kl-autoencoder` end to end: the built binary reproduces
// MAR's models/vae.py outputs in tests/reference/kl_autoencoder_tiny.h5 (mean, logvar,
// decoded_z, reconstruction), with the reference's own `config` attribute as M.json.
// Error metric: max|ours - ref| / max|ref|, bound 1e-4 (float32).
#include <gtest/gtest.h>

#include <fstream>
#include <string>

#include "storage/h5_tensor_io.h"
#include "tests/support/run_dact_command.h"
#include "tests/support/temp_dir.h"
#include "tests/support/tensor_compare.h"
#include "tests/support/test_paths.h"

namespace dact::launch {
namespace {

using dact::testing::max_relative_error;

TEST(ModelForwardKlAutoencoder, ReproducesReferenceEncodingAndDecodings) {
  const dact::testing::TempDir dir("dact_kl_autoencoder_forward");
  const std::string reference = dact::testing::reference_file("kl_autoencoder_tiny.h5");
  const std::string config = dir / "config.json", out = dir / "out.h5";
  std::ofstream(config) << storage::read_h5_string_attribute(storage::open_h5_for_reading(reference), "config");
  const auto result = dact::testing::run_dact_command("model forward --arch kl-autoencoder --config " + config +
                                                          " --weights " + reference + " --input " + reference +
                                                          " --out " + out,
                                                      /*merge_stderr=*/true);
  ASSERT_EQ(result.exit_code, 0) << result.output;
  const H5::H5File ours = storage::open_h5_for_reading(out);
  const H5::H5File expected = storage::open_h5_for_reading(reference);
  for (const std::string name : {"mean", "logvar", "decoded_z", "reconstruction"}) {
    const double error =
        max_relative_error(storage::read_h5_tensor(ours, name), storage::read_h5_tensor(expected, "output/" + name));
    EXPECT_LE(error, 1e-4) << name;
    std::cout << name << ": max relative error " << error << "\n";
  }
}

TEST(ModelForwardKlAutoencoder, UnknownConfigKeyIsAnErrorNamingFileAndKey) {
  const dact::testing::TempDir dir("dact_kl_autoencoder_forward");
  const std::string reference = dact::testing::reference_file("kl_autoencoder_tiny.h5");
  const std::string config = dir / "config.json";
  std::ofstream(config) << R"({"ch": 32, "ch_mult": [1, 2], "in_channels": 1, "embed_dim": 4, "attn_type": "vanilla"})";
  const auto result = dact::testing::run_dact_command("model forward --arch kl-autoencoder --config " + config +
                                                          " --weights " + reference + " --input " + reference +
                                                          " --out " + (dir / "out.h5"),
                                                      /*merge_stderr=*/true);
  EXPECT_NE(result.exit_code, 0);
  EXPECT_NE(result.output.find("config.json"), std::string::npos) << result.output;
  EXPECT_NE(result.output.find("attn_type"), std::string::npos) << result.output;
}

}  // namespace
}  // namespace dact::launch
