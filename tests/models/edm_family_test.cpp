// The edm family (models/edm/edm_family.h): its config selects EDM train.py's networks
// and preconditionings and refuses what EDM does not train; its losses are EDM's
// training/loss.py, checked against closed forms: with the ideal denoiser of Gaussian
// data the expected loss per element is known for every sigma, and the sigma
// distributions are the ones the paper tabulates (EDM Table 1).
#include <gtest/gtest.h>

#include <cmath>

#include "models/edm/edm_family.h"
#include "models/edm/edm_objective.h"

namespace dact::models {
namespace {

using edm::EdmObjectiveConfig;
using edm::PrecondKind;

nlohmann::json tiny_edm(const std::string& network, const std::string& precond) {
  return {{"arch", "edm-precond"}, {"network", network}, {"precond", precond}, {"img_resolution", 8},
          {"img_channels", 2}, {"label_dim", 3}, {"model_channels", 8}, {"channel_mult", {1, 2}},
          {"num_blocks", 1}, {"attn_resolutions", nlohmann::json::array()}};
}

std::string edm_config_error(const nlohmann::json& model, const nlohmann::json& loss = nlohmann::json::object()) {
  try {
    parse_model_spec(model, "model", loss, "trainer.loss");
  } catch (const config::ConfigError& e) {
    return e.what();
  }
  return "";
}

// Parameter names and shapes of a module, for comparing two networks' structure.
std::map<std::string, std::vector<int64_t>> parameter_shapes(torch::nn::Module& module) {
  std::map<std::string, std::vector<int64_t>> shapes;
  for (const auto& item : module.named_parameters()) shapes[item.key()] = item.value().sizes().vec();
  return shapes;
}

TEST(EdmFamily, NetworkSetsTrainPyArgumentsAndExplicitKeysOverride) {
  // EDM train.py --arch ncsnpp: SongUNet with fourier embedding, residual encoder,
  // channel_mult_noise 2, resample_filter [1,3,3,1]; model_channels etc. from the keys.
  edm::EdmPrecondConfig expected;
  expected.precond = PrecondKind::ve;
  expected.img_resolution = 8;
  expected.img_channels = 2;
  expected.label_dim = 3;
  expected.model_type = edm::ModelType::song_unet;
  expected.song_unet.embedding_type = edm::EmbeddingType::fourier;
  expected.song_unet.encoder_type = edm::EncoderType::residual;
  expected.song_unet.channel_mult_noise = 2;
  expected.song_unet.resample_filter = {1, 3, 3, 1};
  expected.song_unet.model_channels = 8;
  expected.song_unet.channel_mult = {1, 2};
  expected.song_unet.num_blocks = 1;
  expected.song_unet.attn_resolutions = {};
  edm::EdmPrecond reference(expected);
  const auto built = parse_model_spec(tiny_edm("ncsnpp", "ve"), "model")->build();
  EXPECT_EQ(parameter_shapes(built->module()), parameter_shapes(*reference));
  EXPECT_EQ(built->samplers(), (std::vector<std::string>{"heun", "euler", "sed"}));
  // adm: DhariwalUNet, whose parameter names differ from SongUNet's.
  nlohmann::json adm = tiny_edm("adm", "edm");
  const auto adm_names = parameter_shapes(parse_model_spec(adm, "model")->build()->module());
  EXPECT_NE(adm_names, parameter_shapes(*reference));
}

TEST(EdmFamily, ParseErrorsNameTheKey) {
  EXPECT_NE(edm_config_error(tiny_edm("ddpmpp", "iddpm")).find("'model.precond': EDM trains no iDDPM network"),
            std::string::npos);
  EXPECT_NE(edm_config_error(tiny_edm("unet", "vp")).find("'model.network' is 'unet' (expected ddpmpp, ncsnpp, adm)"),
            std::string::npos);
  // Each loss takes its own keyword arguments only.
  EXPECT_NE(edm_config_error(tiny_edm("ddpmpp", "vp"), {{"P_mean", -1.2}}).find("trainer.loss.P_mean"),
            std::string::npos);
  EXPECT_NE(edm_config_error(tiny_edm("ddpmpp", "ve"), {{"beta_d", 19.9}}).find("trainer.loss.beta_d"),
            std::string::npos);
  EXPECT_NE(edm_config_error(tiny_edm("ddpmpp", "edm"), {{"sigma_max", 80.0}}).find("trainer.loss.sigma_max"),
            std::string::npos);
  EXPECT_EQ(edm_config_error(tiny_edm("ddpmpp", "edm"), {{"P_mean", -1.0}, {"P_std", 1.0}, {"sigma_data", 0.5}}), "");
  EXPECT_EQ(edm_config_error(tiny_edm("ddpmpp", "vp"), {{"beta_d", 19.9}, {"beta_min", 0.1}, {"epsilon_t", 1e-5}}), "");
  // DhariwalUNet takes no embedding_type (the reference's keyword arguments).
  nlohmann::json adm = tiny_edm("adm", "edm");
  adm["embedding_type"] = "fourier";
  EXPECT_NE(edm_config_error(adm).find("model.embedding_type"), std::string::npos);
}

TEST(EdmFamilyLoss, TrainingSigmasFollowEdmTableOne) {
  // VP: t = 1 + u (epsilon_t - 1); sigma(t) = sqrt(exp(beta_d t^2 / 2 + beta_min t) - 1).
  const torch::Tensor u = torch::tensor({0.0, 0.5, 1.0}, torch::kFloat64);
  const torch::Tensor vp = vp_training_sigma(u, 19.9, 0.1, 1e-5);
  const double t_half = 1 + 0.5 * (1e-5 - 1);
  EXPECT_NEAR(vp[0].item<double>(), std::sqrt(std::exp(19.9 / 2 + 0.1) - 1), 1e-9);
  EXPECT_NEAR(vp[1].item<double>(), std::sqrt(std::exp(19.9 * t_half * t_half / 2 + 0.1 * t_half) - 1), 1e-12);
  EXPECT_NEAR(vp[2].item<double>(), std::sqrt(std::exp(19.9 * 1e-10 / 2 + 0.1 * 1e-5) - 1), 1e-12);
  // VE: ln(sigma) uniform on [ln 0.02, ln 100]: the midpoint is the geometric mean.
  const torch::Tensor ve = ve_training_sigma(u, 0.02, 100);
  EXPECT_NEAR(ve[0].item<double>(), 0.02, 1e-15);
  EXPECT_NEAR(ve[1].item<double>(), std::sqrt(0.02 * 100), 1e-12);
  EXPECT_NEAR(ve[2].item<double>(), 100, 1e-12);
}

constexpr double kDataStd = 0.5;  // data ~ N(0, kDataStd^2) per element

// The expected loss per element of the ideal denoiser D*(x) = s^2 / (s^2 + sigma^2) x for
// data N(0, s^2): lambda(sigma) s^2 sigma^2 / (s^2 + sigma^2), averaged over sigma.
double mean_ideal_loss(const EdmObjectiveConfig& config, uint64_t seed) {
  auto generator = at::make_generator<at::CPUGeneratorImpl>(seed);
  const torch::Tensor y = torch::randn({4096, 1, 8, 8}, generator, torch::kFloat64) * kDataStd;
  const edm::TrainedDenoiser ideal = [](const torch::Tensor& x, const torch::Tensor& sigma, const torch::Tensor&) {
    return x * (kDataStd * kDataStd) / (kDataStd * kDataStd + sigma.square().to(torch::kFloat64));
  };
  const torch::Tensor loss = edm::edm_per_sample_loss(ideal, y, {}, config, generator).loss;
  EXPECT_EQ(loss.sizes(), (std::vector<int64_t>{4096}));
  return loss.mean().item<double>() / 64;
}

TEST(EdmFamilyLoss, EdmLossOfTheIdealDenoiserIsOnePerElement) {
  // lambda(sigma) = (sigma^2 + sigma_data^2) / (sigma sigma_data)^2 exactly cancels the
  // ideal error when sigma_data is the data's std (EDM Sec. 5, "unit loss weight"):
  // every element's weighted error is chi-squared(1), mean 1, std sqrt(2) / sqrt(262144).
  EdmObjectiveConfig config;
  config.kind = PrecondKind::edm;
  EXPECT_NEAR(mean_ideal_loss(config, 11), 1.0, 0.015);
}

TEST(EdmFamilyLoss, VeLossOfTheIdealDenoiserMatchesItsIntegral) {
  // lambda = 1 / sigma^2: E = mean over l = ln sigma ~ U[a, b] of s^2 / (s^2 + e^{2l})
  //   = [l - ln(s^2 + e^{2l}) / 2]_a^b / (b - a).
  EdmObjectiveConfig config;
  config.kind = PrecondKind::ve;
  const double a = std::log(0.02), b = std::log(100.0), s2 = kDataStd * kDataStd;
  const auto F = [s2](double l) { return l - 0.5 * std::log(s2 + std::exp(2 * l)); };
  const double expected = (F(b) - F(a)) / (b - a);
  EXPECT_NEAR(mean_ideal_loss(config, 12), expected, 0.015 * expected + 0.003);
}

TEST(EdmFamilyLoss, VpLossOfTheIdealDenoiserMatchesItsIntegral) {
  // lambda = 1 / sigma^2, t ~ U[epsilon_t, 1]: E = integral of s^2 / (s^2 + sigma(t)^2) dt
  // / (1 - epsilon_t), by the midpoint rule.
  EdmObjectiveConfig config;
  config.kind = PrecondKind::vp;
  const double s2 = kDataStd * kDataStd, eps = config.vp.epsilon_t;
  const int n = 100000;
  double integral = 0;
  for (int i = 0; i < n; ++i) {
    const double t = eps + (1 - eps) * (i + 0.5) / n;
    const double sigma2 = std::exp(0.5 * config.vp.beta_d * t * t + config.vp.beta_min * t) - 1;
    integral += s2 / (s2 + sigma2) / n;
  }
  EXPECT_NEAR(mean_ideal_loss(config, 13), integral, 0.015 * integral + 0.003);
}

TEST(EdmFamilyLoss, TheFamilysLossIsAFunctionOfItsGeneratorEvenWithDropout) {
  nlohmann::json model = tiny_edm("ddpmpp", "edm");
  model["dropout"] = 0.3;
  model["label_dropout"] = 0.2;
  auto net = parse_model_spec(model, "model")->build();
  const torch::Tensor x0 = torch::rand({4, 2, 8, 8}) * 2 - 1;
  const torch::Tensor labels = torch::tensor({0, 1, 2, 0}, torch::kInt64);
  auto first = at::make_generator<at::CPUGeneratorImpl>(5);
  const torch::Tensor a = net->training_loss(x0, labels, first).loss;
  torch::rand({100});  // the default generator moves on in between
  auto second = at::make_generator<at::CPUGeneratorImpl>(5);
  const torch::Tensor b = net->training_loss(x0, labels, second).loss;
  EXPECT_TRUE(torch::equal(a, b));
  auto other = at::make_generator<at::CPUGeneratorImpl>(6);
  EXPECT_FALSE(torch::equal(a, net->training_loss(x0, labels, other).loss));
  EXPECT_EQ(a.sizes(), (std::vector<int64_t>{4}));
}

TEST(EdmFamily, SamplesWithEachTrainedPreconditioningAndSampler) {
  for (const char* precond : {"vp", "ve", "edm"}) {
    auto net = parse_model_spec(tiny_edm("ddpmpp", precond), "model")->build();
    for (const std::string sampler : {"heun", "euler", "sed"}) {
      SamplingOptions options;
      options.sampler = sampler;
      options.steps = 3;
      const torch::Tensor out = net->sample(torch::tensor({0, 1}, torch::kInt64), torch::randn({2, 2, 8, 8}), options,
                                            [](const torch::Tensor& like) { return torch::randn_like(like); });
      EXPECT_EQ(out.sizes(), (std::vector<int64_t>{2, 2, 8, 8}));
      EXPECT_TRUE(torch::isfinite(out).all().item<bool>()) << precond << " " << sampler;
    }
  }
}

}  // namespace
}  // namespace dact::models
