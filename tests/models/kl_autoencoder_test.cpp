// LDM's KL autoencoder against MAR's models/vae.py (tests/reference/kl_autoencoder_tiny.h5,
// built from the file's own `config` attribute), and the config reader's contract.
// Error metric: max|ours - ref| / max|ref|, bound 1e-4 (float32).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "config/config_reader.h"
#include "models/autoencoder/kl_autoencoder.h"
#include "models/state_dict.h"
#include "storage/h5_tensor_io.h"
#include "tests/support/tensor_compare.h"
#include "tests/support/test_paths.h"

namespace dact::models::autoencoder {
namespace {

using dact::testing::max_relative_error;

KlAutoencoderConfig config_from_json(const nlohmann::json& json) {
  KlAutoencoderConfig config;
  config::ConfigReader reader(json, "model");
  read_kl_autoencoder_arguments(reader, config);
  reader.finish();
  return config;
}

class KlAutoencoderReference : public ::testing::Test {
 protected:
  void SetUp() override {
    file_ = storage::open_h5_for_reading(dact::testing::reference_file("kl_autoencoder_tiny.h5"));
    model_ = KlAutoencoder(
        config_from_json(nlohmann::json::parse(storage::read_h5_string_attribute(file_, "config"))));
    load_state_dict(*model_, storage::read_h5_tensors(file_.openGroup("weights")));
    model_->eval();
  }
  torch::Tensor reference(const std::string& name) const { return storage::read_h5_tensor(file_, name); }

  H5::H5File file_;
  KlAutoencoder model_{nullptr};
};

TEST_F(KlAutoencoderReference, EncodeMatchesPosteriorMeanAndClampedLogvar) {
  torch::NoGradGuard no_grad;
  const KlPosterior posterior = model_->encode(reference("input/images"));
  EXPECT_LE(max_relative_error(posterior.mean, reference("output/mean")), 1e-4);
  EXPECT_LE(max_relative_error(posterior.logvar, reference("output/logvar")), 1e-4);
}

TEST_F(KlAutoencoderReference, DecodeMatchesForGivenLatentsAndForTheMean) {
  torch::NoGradGuard no_grad;
  EXPECT_LE(max_relative_error(model_->decode(reference("input/z")), reference("output/decoded_z")), 1e-4);
  EXPECT_LE(max_relative_error(model_->decode(reference("output/mean")), reference("output/reconstruction")),
            1e-4);
}

TEST_F(KlAutoencoderReference, LatentsAreDownsampledByTwoPerExtraLevel) {
  torch::NoGradGuard no_grad;
  EXPECT_EQ(model_->config().downsampling_factor(), 2);
  EXPECT_EQ(model_->encode(torch::zeros({2, 1, 32, 32})).mean.sizes(), (std::vector<int64_t>{2, 4, 16, 16}));
  EXPECT_EQ(model_->decode(torch::zeros({2, 4, 16, 16})).sizes(), (std::vector<int64_t>{2, 1, 32, 32}));
}

TEST(KlAutoencoder, LogvarIsClampedToTheReferenceRange) {
  // A quant_conv that outputs a constant log-variance far outside [-30, 20].
  KlAutoencoderConfig config = config_from_json({{"ch", 32}, {"ch_mult", {1}}, {"num_res_blocks", 1},
                                                 {"attn_resolutions", nlohmann::json::array()},
                                                 {"resolution", 8}, {"in_channels", 1}, {"embed_dim", 2}});
  KlAutoencoder model(config);
  torch::NoGradGuard no_grad;
  model->quant_conv->weight.zero_();
  model->quant_conv->bias.copy_(torch::tensor({0.0f, 0.0f, 100.0f, -100.0f}));
  const KlPosterior posterior = model->encode(torch::randn({1, 1, 8, 8}));
  EXPECT_EQ(posterior.logvar.select(1, 0).max().item<float>(), 20.0f);
  EXPECT_EQ(posterior.logvar.select(1, 1).min().item<float>(), -30.0f);
}

TEST(KlAutoencoder, MarKl16PresetHasNoDecoderAttentionOutsideTheMiddle) {
  const KlAutoencoder model(config_from_json({{"preset", "mar-kl16"}}));
  const auto names = state_dict(*model);
  EXPECT_EQ(names.count("encoder.down.4.attn.1.q.weight"), 1u);  // 16x16 after four halvings of 256
  EXPECT_EQ(names.count("decoder.up.4.attn.0.q.weight"), 0u);
  EXPECT_EQ(names.count("decoder.mid.attn_1.q.weight"), 1u);
  EXPECT_EQ(names.at("quant_conv.weight").sizes(), (std::vector<int64_t>{32, 32, 1, 1}));
  EXPECT_EQ(names.at("decoder.up.0.block.2.conv2.weight").sizes(), (std::vector<int64_t>{128, 128, 3, 3}));
}

TEST(KlAutoencoder, SdVaePresetHasItsLatentWidthAndLevels) {
  const KlAutoencoder model(config_from_json({{"preset", "sd-vae"}}));
  const auto names = state_dict(*model);
  EXPECT_EQ(names.at("encoder.conv_out.weight").sizes(), (std::vector<int64_t>{8, 512, 3, 3}));
  EXPECT_EQ(names.at("post_quant_conv.weight").sizes(), (std::vector<int64_t>{4, 4, 1, 1}));
  EXPECT_EQ(names.count("encoder.down.3.downsample.conv.weight"), 0u);
  EXPECT_EQ(names.count("decoder.up.3.upsample.conv.weight"), 1u);
  EXPECT_EQ(model->config().downsampling_factor(), 8);
}

TEST(KlAutoencoderConfig, OutChannelsAndZChannelsDefaultToInputAndEmbedDim) {
  const KlAutoencoderConfig config = config_from_json({{"in_channels", 1}, {"embed_dim", 8}});
  EXPECT_EQ(config.output_channels(), 1);
  EXPECT_EQ(config.latent_channels(), 8);
  const KlAutoencoderConfig explicit_config =
      config_from_json({{"in_channels", 1}, {"out_ch", 3}, {"embed_dim", 8}, {"z_channels", 4}});
  EXPECT_EQ(explicit_config.output_channels(), 3);
  EXPECT_EQ(explicit_config.latent_channels(), 4);
}

TEST(KlAutoencoderConfig, ErrorsNameTheKey) {
  const auto message = [](const nlohmann::json& json) -> std::string {
    try {
      config_from_json(json);
    } catch (const config::ConfigError& e) {
      return e.what();
    }
    return "no error";
  };
  EXPECT_NE(message({{"ch", 48}}).find("model.ch"), std::string::npos) << message({{"ch", 48}});
  EXPECT_NE(message({{"resolution", 100}}).find("model.resolution"), std::string::npos);
  EXPECT_NE(message({{"double_z", false}}).find("model.double_z"), std::string::npos);
  EXPECT_NE(message({{"preset", "kl-f4"}}).find("mar-kl16"), std::string::npos);
  EXPECT_NE(message({{"z_channel", 4}}).find("model.z_channel"), std::string::npos);
}

}  // namespace
}  // namespace dact::models::autoencoder
