// MAR as a family (models/mar/): the masking schedules against their definitions, the
// objective as a function of its generator, and generation's controls.
#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "models/family.h"
#include "models/mar/mar_masking.h"

namespace dact::models {
namespace {

at::Generator generator(uint64_t seed) { return at::make_generator<at::CPUGeneratorImpl>(seed); }

// Samplers draw image i's noise in row i of `like` (evaluations seed each image).
NoiseSource seeded_randn(uint64_t seed, int64_t images) {
  at::Generator g = generator(seed);
  return [g, images](const torch::Tensor& like) mutable {
    EXPECT_EQ(like.size(0), images) << "noise not drawn per image";
    return torch::randn(like.sizes(), g, like.options());
  };
}

nlohmann::json tiny_mar() {
  return {{"arch", "mar"},          {"img_size", 8},           {"vae_stride", 1},          {"patch_size", 2},
          {"vae_embed_dim", 2},     {"encoder_embed_dim", 16}, {"encoder_depth", 1},       {"encoder_num_heads", 2},
          {"decoder_embed_dim", 16}, {"decoder_depth", 1},     {"decoder_num_heads", 2},   {"class_num", 3},
          {"buffer_size", 2},       {"diffloss_d", 1},         {"diffloss_w", 16},         {"diffusion_batch_mul", 2}};
}

std::string config_error(const nlohmann::json& model) {
  try {
    parse_model_spec(model, "model");
  } catch (const config::ConfigError& e) {
    return e.what();
  }
  return "";
}

TEST(MarMasking, EveryTokenIsPredictedExactlyOnce) {
  at::Generator g = generator(3);
  for (int64_t seq = 1; seq <= 64; ++seq) {
    const torch::Tensor orders = random_orders(2, seq, g);
    for (int64_t num_iter = 1; num_iter <= seq; ++num_iter) {
      const std::vector<int64_t> left = tokens_left_masked(seq, num_iter);
      ASSERT_EQ(static_cast<int64_t>(left.size()), num_iter);
      ASSERT_EQ(left.back(), 0);
      torch::Tensor mask = torch::ones({2, seq});
      torch::Tensor times_predicted = torch::zeros({2, seq});
      for (int64_t k = 0; k < num_iter; ++k) {
        const torch::Tensor next = mask_by_order(orders, left[k]);
        const torch::Tensor predicted = mask - next;
        ASSERT_TRUE((predicted >= 0).all().item<bool>()) << "seq " << seq << " num_iter " << num_iter;
        ASSERT_GE(predicted[0].sum().item<double>(), 1) << "seq " << seq << " num_iter " << num_iter << " round " << k;
        times_predicted += predicted;
        mask = next;
      }
      ASSERT_TRUE(times_predicted.eq(1).all().item<bool>()) << "seq " << seq << " num_iter " << num_iter;
    }
  }
  EXPECT_THROW(tokens_left_masked(4, 5), std::invalid_argument);
  EXPECT_THROW(tokens_left_masked(4, 0), std::invalid_argument);
}

TEST(MarMasking, SchedulesTheCosineOfMaskGit) {
  // floor(64 cos(pi/2 (k + 1) / 4)) for k = 0, 1, 2: 59, 45, 24.
  EXPECT_EQ(tokens_left_masked(64, 4), (std::vector<int64_t>{59, 45, 24, 0}));
}

TEST(MarMasking, MaskRatioIsTheTruncatedNormal) {
  // Normal(1, 0.25) truncated to [0.7, 1]: mean 1 + 0.25 (phi(a) - phi(0)) / (Phi(0) - Phi(a)), a = -1.2.
  const double a = -1.2, phi = [](double x) { return std::exp(-x * x / 2) / std::sqrt(2 * M_PI); }(a);
  const double expected = 1 + 0.25 * (phi - 1 / std::sqrt(2 * M_PI)) / (0.5 - 0.5 * std::erfc(-a / std::sqrt(2.0)));
  at::Generator g = generator(0);
  double sum = 0, low = 1, high = 0;
  const int draws = 20000;
  for (int i = 0; i < draws; ++i) {
    const double r = draw_mask_ratio(0.7, g);
    sum += r;
    low = std::min(low, r);
    high = std::max(high, r);
  }
  EXPECT_NEAR(sum / draws, expected, 0.002);  // standard error ~0.0006
  EXPECT_GE(low, 0.7);
  EXPECT_LT(low, 0.71);
  EXPECT_LE(high, 1.0);
  EXPECT_GT(high, 0.99);
}

TEST(MarFamily, ParseErrorsNameTheKey) {
  nlohmann::json odd = tiny_mar();
  odd["patch_size"] = 3;
  EXPECT_NE(config_error(odd).find("'model.patch_size' must divide"), std::string::npos);
  nlohmann::json dropout = tiny_mar();
  dropout["attn_dropout"] = 0.1;
  EXPECT_NE(config_error(dropout).find("model.attn_dropout"), std::string::npos);
  nlohmann::json steps = tiny_mar();
  steps["num_sampling_steps"] = "100";
  EXPECT_NE(config_error(steps).find("'model.num_sampling_steps': the DiffLoss sampler's steps are eval.steps"),
            std::string::npos);
  nlohmann::json preset = tiny_mar();
  preset["preset"] = "MAR-XL";
  EXPECT_NE(config_error(preset).find("unknown MAR preset 'MAR-XL'"), std::string::npos);
  const auto spec = parse_model_spec(tiny_mar(), "model");
  EXPECT_EQ(spec->image_shape().channels, 2);
  EXPECT_EQ(spec->image_shape().resolution, 8);
  EXPECT_EQ(spec->label_dim(), 3);
}

TEST(MarFamily, LossIsAFunctionOfTheGenerator) {
  torch::manual_seed(0);
  const auto model = parse_model_spec(tiny_mar(), "model")->build();
  const torch::Tensor x0 = torch::randn({4, 2, 8, 8}), labels = torch::tensor({0, 1, 2, 1});
  at::Generator a = generator(5), b = generator(5), c = generator(6);
  const MicroBatchLoss first = model->training_loss(x0, labels, a);
  const MicroBatchLoss again = model->training_loss(x0, labels, b);
  const MicroBatchLoss other = model->training_loss(x0, labels, c);
  ASSERT_EQ(first.loss.sizes(), torch::IntArrayRef({4}));
  EXPECT_TRUE(torch::equal(first.loss, again.loss));
  EXPECT_FALSE(torch::equal(first.loss, other.loss));
  EXPECT_TRUE(torch::allclose(first.loss, first.terms.at("mse") + first.terms.at("vb")));
  first.loss.sum().backward();
  for (const auto& p : model->module().named_parameters()) {
    if (p.key() == "fake_latent") continue;  // used only by the few dropped labels
    ASSERT_TRUE(p.value().grad().defined()) << p.key();
  }
}

// A network whose DiffLoss output depends on its input (the reference zero-initializes
// the output layers).
std::unique_ptr<Model> random_mar(const nlohmann::json& config = tiny_mar()) {
  torch::manual_seed(1);
  auto model = parse_model_spec(config, "model")->build();
  torch::NoGradGuard no_grad;
  for (auto& p : model->module().parameters()) p.add_(0.3 * torch::randn_like(p));
  return model;
}

torch::Tensor sample_at(Model& model, SamplingOptions options) {
  const torch::Tensor noise = torch::randn({3, 2, 8, 8}, generator(2));
  return model.sample(torch::tensor({0, 1, 2}), noise, options, seeded_randn(7, 3));
}

TEST(MarFamily, TemperatureToZeroApproachesTheDeterministicMean) {
  const auto model = random_mar();
  SamplingOptions options;
  options.steps = 10;
  options.masked.num_iter = 4;
  options.masked.temperature = 0;
  const torch::Tensor mean = sample_at(*model, options);
  double previous = 0;
  for (const double temperature : {1.0, 1e-2, 1e-4}) {
    options.masked.temperature = temperature;
    const double distance = (sample_at(*model, options) - mean).abs().max().item<double>();
    if (temperature == 1.0) {
      EXPECT_GT(distance, 1e-2);
    } else {
      // The step noise scales with the temperature; the rounds' conditioning is smooth in it.
      EXPECT_LT(distance, previous * temperature * 10) << temperature;
    }
    previous = distance / temperature;
  }
}

TEST(MarFamily, SamplesWithRoundsAndGuidance) {
  const auto model = random_mar();
  SamplingOptions options;
  options.steps = 4;
  options.masked.num_iter = 16;
  const torch::Tensor plain = sample_at(*model, options);
  EXPECT_EQ(plain.sizes(), torch::IntArrayRef({3, 2, 8, 8}));
  EXPECT_TRUE(torch::isfinite(plain).all().item<bool>());
  EXPECT_TRUE(torch::equal(plain, sample_at(*model, options)));
  options.guidance.weight = 3;
  const torch::Tensor constant = sample_at(*model, options);
  options.guidance.ramp = GuidanceRamp::linear;
  const torch::Tensor linear = sample_at(*model, options);
  EXPECT_FALSE(torch::equal(plain, constant));
  EXPECT_FALSE(torch::equal(constant, linear));
  options.masked.num_iter = 17;  // 16 tokens
  EXPECT_THROW(sample_at(*model, options), std::invalid_argument);
  options.masked.num_iter = 16;
  options.guidance.interval_high = 1;
  EXPECT_THROW(sample_at(*model, options), std::invalid_argument);
}

TEST(MarFamily, OtherFamiliesRefuseMaskedGenerationControls) {
  auto dit = parse_model_spec({{"arch", "dit-flow"}, {"input_size", 8}, {"patch_size", 4}, {"in_channels", 2},
                               {"hidden_size", 16}, {"depth", 1}, {"num_heads", 2}, {"num_classes", 3}},
                              "model")
                 ->build();
  SamplingOptions options;
  options.masked.temperature = 0.9;
  try {
    dit->sample(torch::tensor({0}), torch::randn({1, 2, 8, 8}), options, standard_normal_like);
    ADD_FAILURE() << "dit-flow sampled with --temperature";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("(--temperature 0.9) belong to the mar family; dit-flow"), std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace dact::models
