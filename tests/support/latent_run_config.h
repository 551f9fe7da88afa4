#pragma once
// What the latent-run tests of `dact train` share: a latent run's config around a tiny
// EDM2 U-Net, and a check that `dact train` refuses a config before any rank starts.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "tests/support/run_dact_command.h"

namespace dact::testing {

// A latent run of 4 x 4 latents of 4 channels (10 classes) on the `dataset` section
// given; a few images of training.
inline nlohmann::json tiny_latent_run(const nlohmann::json& dataset) {
  return {{"dataset", dataset},
          {"model", {{"arch", "edm2-precond"}, {"img_resolution", 4}, {"img_channels", 4}, {"label_dim", 10},
                     {"model_channels", 16}, {"channel_mult", {1}}, {"num_blocks", 1},
                     {"attn_resolutions", nlohmann::json::array()}}},
          {"trainer", {{"batch", 4}, {"batch_per_rank", 4}}},
          {"run", {{"duration_kimg", 0.004}}}};
}

// `dact train` on `config` (written to config_path) in run_dir: its output, checked to
// be an error before any world started (no run_dir/log.txt).
inline std::string train_fails_before_start(const nlohmann::json& config, const std::string& config_path,
                                            const std::string& run_dir) {
  std::ofstream(config_path) << config.dump(2);
  const auto result = run_dact_command("train --config " + config_path + " --run-dir " + run_dir, true);
  EXPECT_NE(result.exit_code, 0) << result.output;
  EXPECT_NE(result.output.find("dact: error:"), std::string::npos) << result.output;
  EXPECT_FALSE(std::filesystem::exists(run_dir + "/log.txt")) << "a world was started";
  return result.output;
}

}  // namespace dact::testing
