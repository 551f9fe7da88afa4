// The model-family interface: parsing (errors name the key), and for each family an
// objective that is a function of its generator alone and computes the loss its paper
// defines, and samplers that honour their options.
#include <gtest/gtest.h>

#include <string>

#include "models/family.h"

namespace dact::models {
namespace {

nlohmann::json tiny_dit(const std::string& arch) {
  return {{"arch", arch}, {"input_size", 8}, {"patch_size", 4}, {"in_channels", 2}, {"hidden_size", 16},
          {"depth", 1}, {"num_heads", 2}, {"num_classes", 3}, {"class_dropout_prob", 0.1}};
}

nlohmann::json tiny_edm2() {
  return {{"arch", "edm2-precond"}, {"img_resolution", 8}, {"img_channels", 2}, {"label_dim", 3},
          {"model_channels", 8}, {"channel_mult", {1}}, {"num_blocks", 1},
          {"attn_resolutions", nlohmann::json::array()}};
}

std::string config_error(const nlohmann::json& model, const nlohmann::json& loss = nlohmann::json::object()) {
  try {
    parse_model_spec(model, "model", loss, "trainer.loss");
  } catch (const config::ConfigError& e) {
    return e.what();
  }
  return "";
}

at::Generator generator(uint64_t seed) { return at::make_generator<at::CPUGeneratorImpl>(seed); }

TEST(ModelFamily, ParseErrorsNameTheKey) {
  EXPECT_NE(config_error({{"arch", "unet9"}}).find("'model.arch': unknown architecture 'unet9' (known: edm2-precond, "
                                                   "edm-precond, dit-flow, dit-ddpm, dit-energy, kl-autoencoder, mar)"),
            std::string::npos);
  nlohmann::json flow = tiny_dit("dit-flow");
  flow["learn_sigma"] = true;
  EXPECT_NE(config_error(flow).find("model.learn_sigma"), std::string::npos);
  EXPECT_NE(config_error(tiny_dit("dit-flow"), {{"time_distribution", "beta"}}).find("trainer.loss.time_distribution"),
            std::string::npos);
  EXPECT_NE(config_error(tiny_dit("dit-ddpm"), {{"P_mean", 0.0}}).find("trainer.loss.P_mean"), std::string::npos);
  nlohmann::json ddpm = tiny_dit("dit-ddpm");
  ddpm["noise_schedule"] = "sqrt";
  EXPECT_NE(config_error(ddpm).find("model.noise_schedule"), std::string::npos);
  ddpm = tiny_dit("dit-ddpm");
  ddpm["prediction"] = "x0";
  EXPECT_NE(config_error(ddpm).find("'model.prediction' is 'x0' (expected epsilon, v)"), std::string::npos);
  nlohmann::json odd = tiny_dit("dit-flow");
  odd["patch_size"] = 3;
  EXPECT_NE(config_error(odd).find("multiple of patch_size"), std::string::npos);
  EXPECT_NE(config_error(tiny_edm2(), {{"time_std", 1.0}}).find("trainer.loss.time_std"), std::string::npos);
}

TEST(ModelFamily, SpecsDescribeTheirModels) {
  for (const nlohmann::json& model : {tiny_edm2(), tiny_dit("dit-flow"), tiny_dit("dit-ddpm")}) {
    const auto spec = parse_model_spec(model, "model");
    const auto built = spec->build();
    EXPECT_EQ(spec->image_shape().channels, 2);
    EXPECT_EQ(spec->image_shape().resolution, 8);
    EXPECT_EQ(built->image_shape().resolution, 8);
    EXPECT_EQ(spec->label_dim(), 3);
    EXPECT_EQ(built->samplers(), spec->samplers());
  }
  EXPECT_EQ(parse_model_spec(tiny_dit("dit-flow"), "model")->samplers(),
            (std::vector<std::string>{"euler", "heun", "euler-stochastic"}));
  EXPECT_EQ(parse_model_spec(tiny_dit("dit-ddpm"), "model")->samplers().front(), "ddpm");
  EXPECT_EQ(parse_model_spec(tiny_edm2(), "model")->samplers().front(), "heun");
}

// The loss is a function of (weights, batch, generator seed), and trains the network.
// (Each loss on a fresh copy: EDM2 normalises its weights in place in training forwards.)
TEST(ModelFamily, LossIsAFunctionOfTheGeneratorAndHasGradients) {
  for (const nlohmann::json& model :
       {tiny_edm2(), tiny_dit("dit-flow"), tiny_dit("dit-ddpm"), tiny_dit("dit-energy")}) {
    const auto spec = parse_model_spec(model, "model");
    const torch::Tensor x0 = torch::rand({4, 2, 8, 8}) * 2 - 1;
    const torch::Tensor labels = torch::tensor({0, 1, 2, 0}, torch::kInt64);
    const auto loss_with_seed = [&](uint64_t seed, std::unique_ptr<Model>& built) {
      torch::manual_seed(0);
      built = spec->build();
      built->module().train();
      auto g = generator(seed);
      return built->training_loss(x0, labels, g).loss;
    };
    std::unique_ptr<Model> first, second, third;
    const torch::Tensor a = loss_with_seed(7, first);
    const torch::Tensor b = loss_with_seed(7, second);
    const torch::Tensor c = loss_with_seed(8, third);
    ASSERT_EQ(a.sizes(), (std::vector<int64_t>{4})) << model.dump();
    EXPECT_TRUE(torch::equal(a, b)) << model.dump();
    EXPECT_FALSE(torch::equal(a, c)) << model.dump();
    a.sum().backward();
    double grad_norm = 0;
    for (const auto& p : first->module().parameters()) {
      if (p.grad().defined()) grad_norm += p.grad().norm().item<double>();
    }
    EXPECT_GT(grad_norm, 0) << model.dump();
  }
}

// The noise level of each loss row (the loss by noise level of stats.jsonl) is the one
// the objective drew: EDM2's sigma = exp(P_mean + P_std n), the flow's logit-normal t
// = sigmoid(n) and DDPM's t / T are the generator's first draws.
TEST(ModelFamily, NoiseLevelsAreTheDrawnOnes) {
  const torch::Tensor x0 = torch::rand({4, 2, 8, 8}) * 2 - 1;
  const torch::Tensor labels = torch::tensor({0, 1, 2, 0}, torch::kInt64);
  const auto drawn = [&](const nlohmann::json& model) {
    torch::manual_seed(0);
    const auto built = parse_model_spec(model, "model")->build();
    auto g = generator(7);
    return built->training_loss(x0, labels, g);
  };
  const MicroBatchLoss edm2 = drawn(tiny_edm2());
  EXPECT_EQ(edm2.noise_level_name, "sigma");
  EXPECT_TRUE(torch::allclose(edm2.noise_level, torch::exp(-0.4 + torch::randn({4}, generator(7))), 1e-6, 0));
  EXPECT_TRUE(torch::equal(edm2.noise_level_loss, edm2.loss));

  const MicroBatchLoss flow = drawn(tiny_dit("dit-flow"));
  EXPECT_EQ(flow.noise_level_name, "t");
  EXPECT_TRUE(torch::allclose(flow.noise_level, torch::sigmoid(torch::randn({4}, generator(7))), 1e-6, 0));

  const MicroBatchLoss ddpm = drawn(tiny_dit("dit-ddpm"));
  EXPECT_EQ(ddpm.noise_level_name, "t");
  const torch::Tensor t = torch::randint(0, 1000, {4}, generator(7)).to(torch::kFloat64) / 1000;
  EXPECT_TRUE(torch::equal(ddpm.noise_level, t)) << ddpm.noise_level;

  const MicroBatchLoss energy = drawn(tiny_dit("dit-energy"));
  EXPECT_EQ(energy.noise_level_name, "t");
  ASSERT_EQ(energy.noise_level.sizes(), (std::vector<int64_t>{4}));
  EXPECT_TRUE((energy.noise_level >= 0).all().item<bool>() && (energy.noise_level < 1).all().item<bool>());
}

// DiT zero-initialises its output layer, so the prediction starts at exactly 0 and the
// flow loss is mean((n - x0)^2) for the t and n the objective draws: t = sigmoid(m + s u)
// with u ~ N(0, 1), then n ~ N(0, I) (SD3 Eq. 19; the target is v = n - x0).
TEST(ModelFamily, FlowObjectiveRegressesTheVelocity) {
  const auto built = parse_model_spec(tiny_dit("dit-flow"), "model", {{"time_mean", 0.5}, {"time_std", 2.0}},
                                      "trainer.loss")
                         ->build();
  const torch::Tensor x0 = torch::rand({4, 2, 8, 8});
  auto g = generator(3);
  const MicroBatchLoss loss = built->training_loss(x0, torch::tensor({0, 1, 2, 0}, torch::kInt64), g);
  auto replay = generator(3);
  torch::randn({4}, replay);  // t
  const torch::Tensor n = torch::randn(x0.sizes(), replay);
  EXPECT_TRUE(torch::allclose(loss.loss, (n - x0).square().flatten(1).mean(1), 1e-6, 1e-7));
}

// With a zero output the learned-range variance sits at the middle of its range and
// epsilon at 0, so mse = mean(n^2) for t ~ U{0..T-1} then n ~ N(0, I) as drawn; the
// vb term is reported beside it and the loss is their sum (guided-diffusion's hybrid).
TEST(ModelFamily, DdpmObjectiveIsMsePlusVb) {
  const auto built = parse_model_spec(tiny_dit("dit-ddpm"), "model")->build();
  const torch::Tensor x0 = torch::rand({4, 2, 8, 8}) * 2 - 1;
  auto g = generator(5);
  const MicroBatchLoss loss = built->training_loss(x0, torch::tensor({0, 1, 2, 0}, torch::kInt64), g);
  auto replay = generator(5);
  torch::randint(0, 1000, {4}, replay);  // t
  const torch::Tensor n = torch::randn(x0.sizes(), replay);
  ASSERT_TRUE(loss.terms.count("mse") && loss.terms.count("vb"));
  EXPECT_TRUE(torch::allclose(loss.terms.at("mse"), n.square().flatten(1).mean(1), 1e-6, 1e-7));
  EXPECT_TRUE(torch::allclose(loss.loss, loss.terms.at("mse") + loss.terms.at("vb")));
  EXPECT_TRUE((loss.terms.at("vb") >= 0).all().item<bool>());
}

TEST(ModelFamily, SamplersHonourTheirOptions) {
  for (const nlohmann::json& model :
       {tiny_edm2(), tiny_dit("dit-flow"), tiny_dit("dit-ddpm"), tiny_dit("dit-energy")}) {
    torch::manual_seed(1);
    const auto built = parse_model_spec(model, "model")->build();
    const torch::Tensor noise = torch::randn({3, 2, 8, 8});
    const torch::Tensor labels = torch::tensor({0, 1, 2}, torch::kInt64);
    for (const std::string& sampler : built->samplers()) {
      SamplingOptions options;
      options.sampler = sampler;
      options.steps = 3;
      options.guidance.weight = 2;
      const torch::Tensor x = built->sample(labels, noise, options, standard_normal_like);
      EXPECT_EQ(x.sizes(), noise.sizes()) << model.dump() << " " << sampler;
      EXPECT_TRUE(torch::isfinite(x).all().item<bool>()) << model.dump() << " " << sampler;
    }
    SamplingOptions unknown;
    unknown.sampler = "rk45";
    EXPECT_THROW(built->sample(labels, noise, unknown, standard_normal_like), std::invalid_argument);
    SamplingOptions no_steps;
    no_steps.steps = 0;
    EXPECT_THROW(built->sample(labels, noise, no_steps, standard_normal_like), std::invalid_argument);
    // MCMC refinement is the energy family's alone; elsewhere its controls are errors.
    SamplingOptions refined;
    refined.steps = 2;
    refined.mcmc.steps_base = 3;
    refined.mcmc.step_size = 0.01;
    if (model["arch"] == "dit-energy") {
      EXPECT_EQ(built->sample(labels, noise, refined, standard_normal_like).sizes(), noise.sizes());
    } else {
      try {
        built->sample(labels, noise, refined, standard_normal_like);
        ADD_FAILURE() << model.dump() << " took MCMC controls";
      } catch (const std::invalid_argument& e) {
        EXPECT_NE(std::string(e.what()).find("--mcmc-steps-base 3, --mcmc-step-size 0.01"), std::string::npos)
            << e.what();
      }
    }
  }
}

// SD3's shift moves the flow's time grid, so it changes the sample.
TEST(ModelFamily, FlowTimeShiftMovesTheGrid) {
  torch::manual_seed(2);
  const auto built = parse_model_spec(tiny_dit("dit-flow"), "model")->build();
  for (auto& p : built->module().parameters()) {
    torch::NoGradGuard no_grad;
    p.normal_(0, 0.2);  // leave DiT's zero-initialised output layer, or v = 0 everywhere
  }
  const torch::Tensor noise = torch::randn({2, 2, 8, 8});
  const torch::Tensor labels = torch::tensor({0, 1}, torch::kInt64);
  SamplingOptions uniform;
  uniform.steps = 4;
  SamplingOptions shifted = uniform;
  shifted.time_shift = 3;
  EXPECT_FALSE(torch::allclose(built->sample(labels, noise, uniform, standard_normal_like),
                               built->sample(labels, noise, shifted, standard_normal_like)));
}

TEST(ModelFamily, UnconditionalModelsTrainAndSampleButAreNotGuided) {
  nlohmann::json edm2 = tiny_edm2(), flow = tiny_dit("dit-flow"), ddpm = tiny_dit("dit-ddpm"),
                 energy = tiny_dit("dit-energy");
  edm2["label_dim"] = 0;
  for (nlohmann::json* dit : {&flow, &ddpm, &energy}) {
    (*dit)["num_classes"] = 0;
    dit->erase("class_dropout_prob");
  }
  for (const nlohmann::json& model : {edm2, flow, ddpm, energy}) {
    const auto spec = parse_model_spec(model, "model");
    EXPECT_EQ(spec->label_dim(), 0);
    const auto built = spec->build();
    // No label embedding: the labels a dataset still carries change nothing.
    at::Generator first = generator(3), second = generator(3);
    const torch::Tensor x0 = torch::randn({2, 2, 8, 8});
    EXPECT_TRUE(torch::equal(built->training_loss(x0, torch::tensor({0, 1}), first).loss,
                             built->training_loss(x0, torch::tensor({2, 0}), second).loss))
        << model;
    const torch::Tensor labels = torch::zeros({2}, torch::kInt64);
    SamplingOptions options;
    options.steps = 2;
    EXPECT_EQ(built->sample(labels, torch::randn({2, 2, 8, 8}), options, standard_normal_like).sizes(),
              (std::vector<int64_t>{2, 2, 8, 8}));
    options.guidance.weight = 2;
    EXPECT_THROW(built->sample(labels, torch::randn({2, 2, 8, 8}), options, standard_normal_like),
                 std::invalid_argument);
  }
  for (const nlohmann::json& base : {flow, ddpm}) {
    nlohmann::json dropping = base;
    dropping["class_dropout_prob"] = 0.1;
    EXPECT_NE(config_error(dropping).find("'model.class_dropout_prob' must be 0 for an unconditional model"),
              std::string::npos);
  }
}

TEST(ModelFamily, GuidanceNeedsLabelDropout) {
  nlohmann::json model = tiny_dit("dit-flow");
  model["class_dropout_prob"] = 0.0;
  const auto built = parse_model_spec(model, "model")->build();
  SamplingOptions options;
  options.guidance.weight = 2;
  EXPECT_THROW(built->sample(torch::tensor({0}, torch::kInt64), torch::randn({1, 2, 8, 8}), options,
                             standard_normal_like),
               std::invalid_argument);
}

}  // namespace
}  // namespace dact::models
