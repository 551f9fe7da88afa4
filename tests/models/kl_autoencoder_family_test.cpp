// The kl-autoencoder family: its loss against LDM's formula (contperceptual.py without
// the perceptual and GAN terms: per-sample sums of |x - D(z)| and of the Gaussian KL),
// its config keys and their errors, and reconstruction from the posterior mean.
#include <gtest/gtest.h>

#include <cmath>
#include <nlohmann/json.hpp>

#include "models/autoencoder/kl_autoencoder_family.h"
#include "models/autoencoding_model.h"
#include "models/family.h"

namespace dact::models::autoencoder {
namespace {

// 8x8x1 -> 4x4x4 with one attention-free level pair: small enough for exact checks.
nlohmann::json tiny_autoencoder_section() {
  return {{"arch", "kl-autoencoder"}, {"ch", 32}, {"ch_mult", {1, 2}}, {"num_res_blocks", 1},
          {"attn_resolutions", nlohmann::json::array()}, {"resolution", 8}, {"in_channels", 1},
          {"z_channels", 4}, {"embed_dim", 4}};
}

std::string autoencoder_spec_error(const nlohmann::json& model, const nlohmann::json& loss) {
  try {
    parse_model_spec(model, "model", loss, "trainer.loss");
  } catch (const config::ConfigError& e) {
    return e.what();
  }
  return "";
}

TEST(KlAutoencoderLoss, KlOfAGaussianPosteriorIsTheClosedForm) {
  // KL(N(m, s^2) || N(0, 1)) = 0.5 (m^2 + s^2 - 1 - log s^2) per element, summed.
  KlPosterior standard{torch::zeros({2, 4, 3, 3}), torch::zeros({2, 4, 3, 3})};
  EXPECT_TRUE(torch::allclose(kl_to_standard_normal(standard), torch::zeros({2})));
  KlPosterior shifted{torch::ones({1, 4, 3, 3}), torch::full({1, 4, 3, 3}, std::log(4.0))};
  EXPECT_NEAR(kl_to_standard_normal(shifted).item<double>(), 36 * 0.5 * (1 + 4 - 1 - std::log(4.0)), 1e-4);
}

TEST(KlAutoencoderLoss, ReconstructionErrorSumsOverEachSample) {
  const torch::Tensor x = torch::zeros({2, 1, 2, 2});
  const torch::Tensor y = torch::tensor({0.5, -0.5, 1.0, 0.0, 2.0, 0.0, 0.0, 0.0}).reshape({2, 1, 2, 2});
  EXPECT_TRUE(torch::allclose(reconstruction_error(x, y, ReconstructionDistance::l1), torch::tensor({2.0f, 2.0f})));
  EXPECT_TRUE(torch::allclose(reconstruction_error(x, y, ReconstructionDistance::l2), torch::tensor({1.5f, 4.0f})));
}

class KlAutoencoderFamilyLoss : public ::testing::TestWithParam<std::string> {};

TEST_P(KlAutoencoderFamilyLoss, TrainingLossIsLdmsFormulaWithZFromTheGenerator) {
  const double kl_weight = 0.25;  // large, so that a missing or mis-scaled KL term shows
  torch::manual_seed(7);
  const std::shared_ptr<const ModelSpec> spec =
      parse_model_spec(tiny_autoencoder_section(), "model", {{"reconstruction", GetParam()}, {"kl_weight", kl_weight}});
  const std::unique_ptr<Model> model = spec->build();
  model->module().train();
  const torch::Tensor x0 = torch::rand({3, 1, 8, 8}) * 2 - 1;
  auto generator = at::make_generator<at::CPUGeneratorImpl>(11);
  const MicroBatchLoss loss = model->training_loss(x0, torch::zeros({3}, torch::kInt64), generator);

  // The same network by its parts, z = mean + exp(logvar / 2) * eps with eps the
  // generator's first draw, the loss summed per sample as LDM does.
  torch::NoGradGuard no_grad;
  auto& net = dynamic_cast<KlAutoencoderImpl&>(model->module());
  const KlPosterior posterior = net.encode(x0);
  auto replay = at::make_generator<at::CPUGeneratorImpl>(11);
  const torch::Tensor eps = torch::randn(posterior.mean.sizes(), replay);
  const torch::Tensor reconstruction = net.decode(posterior.mean + torch::exp(0.5 * posterior.logvar) * eps);
  const torch::Tensor difference = (x0 - reconstruction).to(torch::kFloat64);
  const torch::Tensor error = GetParam() == "l1" ? difference.abs() : difference.pow(2);
  const torch::Tensor mean = posterior.mean.to(torch::kFloat64), logvar = posterior.logvar.to(torch::kFloat64);
  const torch::Tensor kl = 0.5 * (mean.pow(2) + logvar.exp() - 1 - logvar).sum({1, 2, 3});
  const torch::Tensor expected = error.sum({1, 2, 3}) + kl_weight * kl;

  ASSERT_EQ(loss.loss.sizes(), (std::vector<int64_t>{3}));
  EXPECT_TRUE(torch::allclose(loss.loss.to(torch::kFloat64), expected, 1e-5, 1e-5)) << loss.loss << expected;
  EXPECT_TRUE(torch::allclose(loss.terms.at("reconstruction").to(torch::kFloat64), error.sum({1, 2, 3}), 1e-5, 1e-5));
  EXPECT_TRUE(torch::allclose(loss.terms.at("kl").to(torch::kFloat64), kl, 1e-5, 1e-5));
  EXPECT_TRUE(loss.loss.requires_grad());
}

INSTANTIATE_TEST_SUITE_P(Distances, KlAutoencoderFamilyLoss, ::testing::Values("l1", "l2"));

TEST(KlAutoencoderFamily, DefaultsAreLdmsL1AndKlWeight) {
  torch::manual_seed(3);
  const std::unique_ptr<Model> model = parse_model_spec(tiny_autoencoder_section(), "model")->build();
  const torch::Tensor x0 = torch::rand({2, 1, 8, 8}) * 2 - 1;
  auto generator = at::make_generator<at::CPUGeneratorImpl>(5);
  const MicroBatchLoss loss = model->training_loss(x0, torch::zeros({2}, torch::kInt64), generator);
  EXPECT_TRUE(torch::allclose(loss.loss, loss.terms.at("reconstruction") + 1e-6 * loss.terms.at("kl")));
  // Same generator seed, same loss: what exact resume needs.
  auto again = at::make_generator<at::CPUGeneratorImpl>(5);
  EXPECT_TRUE(torch::equal(model->training_loss(x0, torch::zeros({2}, torch::kInt64), again).loss, loss.loss));
}

TEST(KlAutoencoderFamily, ReconstructsFromThePosteriorMeanAndDoesNotSample) {
  torch::manual_seed(4);
  const std::unique_ptr<Model> model = parse_model_spec(tiny_autoencoder_section(), "model")->build();
  EXPECT_EQ(model->label_dim(), 0);
  EXPECT_EQ(model->image_shape().channels, 1);
  EXPECT_EQ(model->image_shape().resolution, 8);
  AutoencodingModel* autoencoder = as_autoencoding(*model);
  ASSERT_NE(autoencoder, nullptr);
  const torch::Tensor x = torch::rand({2, 1, 8, 8}) * 2 - 1;
  auto& net = dynamic_cast<KlAutoencoderImpl&>(model->module());
  torch::NoGradGuard no_grad;
  EXPECT_TRUE(torch::equal(autoencoder->reconstruct(x), net.decode(net.encode(x).mean)));
  EXPECT_THROW(model->sample(torch::zeros({1}, torch::kInt64), torch::zeros({1, 1, 8, 8}), {}, standard_normal_like),
               std::invalid_argument);
  EXPECT_TRUE(is_autoencoding(*parse_model_spec(tiny_autoencoder_section(), "model")));
  EXPECT_FALSE(as_autoencoding(*parse_model_spec({{"arch", "dit-flow"}, {"input_size", 8}, {"patch_size", 4},
                                                   {"in_channels", 1}, {"hidden_size", 16}, {"depth", 1},
                                                   {"num_heads", 2}, {"num_classes", 2}},
                                                  "model")
                                     ->build()));
}

TEST(KlAutoencoderFamily, ConfigErrorsNameTheKey) {
  EXPECT_NE(autoencoder_spec_error(tiny_autoencoder_section(), {{"reconstruction", "l3"}})
                .find("'trainer.loss.reconstruction' is 'l3' (expected l1 or l2)"),
            std::string::npos);
  EXPECT_NE(autoencoder_spec_error(tiny_autoencoder_section(), {{"kl_weight", -1}}).find("'trainer.loss.kl_weight'"),
            std::string::npos);
  EXPECT_NE(autoencoder_spec_error(tiny_autoencoder_section(), {{"P_mean", 0}}).find("trainer.loss.P_mean"),
            std::string::npos);
  nlohmann::json dropout = tiny_autoencoder_section();
  dropout["dropout"] = 0.1;
  EXPECT_NE(autoencoder_spec_error(dropout, nlohmann::json::object()).find("'model.dropout' must be 0"), std::string::npos);
  nlohmann::json out_ch = tiny_autoencoder_section();
  out_ch["out_ch"] = 3;
  EXPECT_NE(autoencoder_spec_error(out_ch, nlohmann::json::object()).find("'model.out_ch' (3) must equal in_channels (1)"),
            std::string::npos);
  nlohmann::json odd = tiny_autoencoder_section();
  odd["ch"] = 20;
  EXPECT_NE(autoencoder_spec_error(odd, nlohmann::json::object()).find("'model.ch'"), std::string::npos);
}

}  // namespace
}  // namespace dact::models::autoencoder
