// Released KL-autoencoder checkpoints through tools/export_state_dict.py into
// `dact model forward --arch kl-autoencoder`: kl_autoencoder_reference.py (under
// /usr/bin/python3) writes, with random weights, MAR's kl16.ckpt format, a
// Stable-Diffusion-style checkpoint (float16, first_stage_model. next to other
// networks), and diffusers' AutoencoderKL as .safetensors and with the names before
// diffusers 0.17 (.bin), plus the outputs its own modules compute. The exported file
// must reproduce them. Error metric: max|ours - ref| / max|ref|, bound 1e-4 (float32).
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "storage/h5_tensor_io.h"
#include "tests/support/python_written_files.h"
#include "tests/support/run_dact_command.h"
#include "tests/support/temp_dir.h"
#include "tests/support/tensor_compare.h"
#include "tests/support/test_paths.h"

namespace dact::models::autoencoder {
namespace {

using dact::testing::max_relative_error;
using dact::testing::run_shell_command;

using dact::testing::kTestPython;

std::string export_tool() { return dact::testing::source_dir() + "/tools/export_state_dict.py"; }

// The checkpoints and the reference outputs, written once for all cases.
class KlAutoencoderImport : public dact::testing::PythonWrittenFiles<KlAutoencoderImport> {
 public:
  static constexpr char kTempPrefix[] = "dact_kl_autoencoder_import";
  static std::vector<std::string> script(const std::string& dir) {
    return {"tests/models/kl_autoencoder_reference.py", dir};
  }
};

TEST_P(KlAutoencoderImport, ExportedCheckpointReproducesTheReferenceModule) {
  const std::string& name = GetParam();
  const H5::H5File reference = storage::open_h5_for_reading(path("reference.h5"));
  const std::string checkpoint =
      path(storage::read_h5_string_attribute(reference.openGroup(name), "checkpoint"));
  const std::string config = path(name + ".json"), weights = path(name + ".h5"), out = path(name + ".out.h5");
  // --format auto: the tool tells the formats apart by their keys.
  const auto exported = run_shell_command(std::string(kTestPython) + " '" + export_tool() +
                                              "' --architecture kl-autoencoder --checkpoint '" + checkpoint +
                                              "' --config '" + config + "' --inputs '" + path(name + "_inputs.npz") +
                                              "' --out '" + weights + "'",
                                          true);
  ASSERT_EQ(exported.exit_code, 0) << exported.output;
  const auto forward = dact::testing::run_dact_command("model forward --arch kl-autoencoder --config '" + config +
                                                           "' --weights '" + weights + "' --input '" + weights +
                                                           "' --out '" + out + "'",
                                                       true);
  ASSERT_EQ(forward.exit_code, 0) << forward.output;
  const H5::H5File ours = storage::open_h5_for_reading(out);
  for (const std::string output : {"mean", "logvar", "decoded_z", "reconstruction"}) {
    const double error = max_relative_error(storage::read_h5_tensor(ours, output),
                                            storage::read_h5_tensor(reference, name + "/" + output));
    EXPECT_LE(error, 1e-4) << name << " " << output;
    std::cout << name << " " << output << ": max relative error " << error << "\n";
  }
}

INSTANTIATE_TEST_SUITE_P(Formats, KlAutoencoderImport,
                         ::testing::Values("mar", "ldm", "diffusers", "diffusers_deprecated"),
                         [](const ::testing::TestParamInfo<std::string>& info) { return info.param; });

TEST(KlAutoencoderExportTool, RejectsDiffusersAttentionOutsideTheMiddleBlock) {
  if (run_shell_command(std::string(kTestPython) + " -c 'import torch, h5py, numpy'", true).exit_code != 0) {
    GTEST_SKIP() << kTestPython << " cannot import torch, h5py and numpy";
  }
  // AttnDownEncoderBlock2D's attention is multi-head in diffusers: no exact LDM counterpart.
  const dact::testing::TempDir dir("dact_kl_autoencoder_export");
  const std::string checkpoint = dir / "vae.bin", config = dir / "config.json";
  const auto made = run_shell_command(
      std::string(kTestPython) + " -c \"import json, torch; torch.save({'encoder.down_blocks.0.resnets.0.conv1.weight': "
                             "torch.zeros(32, 32, 3, 3), 'encoder.down_blocks.0.attentions.0.to_q.weight': "
                             "torch.zeros(32, 32)}, '" + checkpoint + "'); json.dump({}, open('" + config + "', 'w'))\"",
      true);
  ASSERT_EQ(made.exit_code, 0) << made.output;
  const auto exported = run_shell_command(std::string(kTestPython) + " '" + export_tool() +
                                              "' --architecture kl-autoencoder --format diffusers --checkpoint '" +
                                              checkpoint + "' --config '" + config + "' --out '" + (dir / "w.h5") + "'",
                                          true);
  EXPECT_NE(exported.exit_code, 0);
  EXPECT_NE(exported.output.find("encoder.down_blocks.0.attentions.0.to_q.weight"), std::string::npos)
      << exported.output;
  EXPECT_NE(exported.output.find("multi-head"), std::string::npos) << exported.output;
}

}  // namespace
}  // namespace dact::models::autoencoder
