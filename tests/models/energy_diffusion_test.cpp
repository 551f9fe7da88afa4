// The energy family (dit-energy): its training losses and their double-backward
// gradients against finite differences and against energy_diffusion_reference.py (the
// original's math in PyTorch, with the differences it lists), the MCMC refinement, and
// one test per fault of the original code (issue 17) that the original would fail.
#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "models/diffusion/energy_diffusion_loss.h"
#include "models/diffusion/energy_mcmc.h"
#include "models/diffusion/energy_sampler.h"
#include "models/dit/dit_energy.h"
#include "models/family.h"
#include "models/state_dict.h"
#include "storage/h5_tensor_io.h"
#include "tests/support/python_written_files.h"
#include "tests/support/tensor_compare.h"
#include "tests/support/test_paths.h"

namespace dact::models {
namespace {

using dact::testing::max_relative_error;

DitConfig tiny_energy_dit() {
  DitConfig config;
  config.input_size = 4;
  config.patch_size = 2;
  config.in_channels = 4;
  config.hidden_size = 32;
  config.depth = 1;
  config.num_heads = 2;
  config.num_classes = 10;
  config.class_dropout_prob = 0.1;
  config.learn_sigma = false;
  config.use_energy = true;
  config.energy_gradient_multiplier = 2.0;
  return config;
}

// Random weights everywhere (DiT zero-initialises its adaLN layers, which would make the
// energy blind to t and y).
void randomize(torch::nn::Module& module, double std) {
  torch::NoGradGuard no_grad;
  for (auto& p : module.parameters()) {
    if (p.requires_grad()) p.normal_(0, std);
  }
}

GaussianDiffusion linear_diffusion(int64_t T) {
  DdpmConfig config;
  config.diffusion_steps = T;
  config.variance = DdpmVariance::fixed_small;
  return GaussianDiffusion(config);
}

// A non-convex energy per sample, E = sum(cos(3 x)) + 0.1 |x|^2, and its gradient.
EnergyField wavy_field() {
  return [](const torch::Tensor& x, bool) {
    const torch::Tensor e = (torch::cos(3 * x) + 0.1 * x.square()).flatten(1).sum(1);
    return EnergyAndGradient{e, -3 * torch::sin(3 * x) + 0.2 * x};
  };
}

TEST(EnergyMcmc, StepCountsFollowTheSeedsSchedule) {
  // S = clamp(int(b (1 + 2 t / T)), 1, 10).
  const auto S = mcmc_step_counts(2, torch::tensor({0.0, 250.0, 499.0, 999.0}), 1000);
  EXPECT_TRUE(torch::equal(S, torch::tensor({2, 3, 3, 5}, torch::kInt64)));
  EXPECT_TRUE(torch::equal(mcmc_step_counts(5, torch::tensor({999.0}), 1000), torch::tensor({10}, torch::kInt64)));
  EXPECT_TRUE(torch::equal(mcmc_step_counts(0, torch::tensor({0.0}), 1000), torch::tensor({1}, torch::kInt64)));
}

// Whatever the step size, no accepted step raises a sample's energy: each step k's
// result has energy <= step k-1's, for every sample; large steps are rejected.
TEST(EnergyMcmc, NeverRaisesTheEnergyOfAnAcceptedSample) {
  torch::manual_seed(3);
  const torch::Tensor x = torch::randn({16, 1, 4, 4}, torch::kFloat64) * 2;
  const EnergyField field = wavy_field();
  for (double alpha : {0.01, 0.3, 3.0}) {
    torch::Tensor previous = field(x, false).energy;
    double accepted = 0, proposed = 0;
    for (int64_t steps = 1; steps <= 6; ++steps) {
      const McmcRefinement refined =
          refine_by_energy_descent(field, x, torch::tensor(alpha), torch::full({16}, steps, torch::kInt64));
      const torch::Tensor energy = field(refined.x, false).energy;
      EXPECT_TRUE(torch::allclose(energy, refined.energy_after)) << alpha;
      EXPECT_TRUE((energy <= previous).all().item<bool>()) << "alpha " << alpha << " steps " << steps;
      previous = energy;
      accepted = refined.accepted.sum().item<double>();
      proposed = refined.proposed.sum().item<double>();
    }
    EXPECT_EQ(proposed, 16 * 6);
    if (alpha == 3.0) {
      EXPECT_LT(accepted, proposed);  // the check is not vacuous
    }
    if (alpha == 0.01) {
      EXPECT_EQ(accepted, proposed);
    }
  }
}

TEST(EnergyMcmc, PerSampleStepCountsStopEachSample) {
  const torch::Tensor x = torch::full({2, 1, 2, 2}, 0.3, torch::kFloat64);
  const McmcRefinement refined =
      refine_by_energy_descent(wavy_field(), x, torch::tensor(0.01), torch::tensor({0, 3}, torch::kInt64));
  EXPECT_TRUE(torch::equal(refined.x[0], x[0]));
  EXPECT_FALSE(torch::equal(refined.x[1], x[1]));
  EXPECT_TRUE(torch::equal(refined.proposed, torch::tensor({0.0, 3.0}, torch::kFloat64)));
}

// Fault 3: the original clamps every MCMC step to +-2 sqrt(abar_t), which at t = T - 1
// (sqrt(abar) ~ 0.0064 for T = 1000) flattens a noisy sample to +-0.013. A step here
// moves x by exactly -alpha dE/dx and leaves its scale alone.
TEST(EnergyMcmc, RefinementDoesNotClampNoisySamples) {
  torch::manual_seed(4);
  const torch::Tensor x = torch::randn({4, 4, 8, 8}, torch::kFloat64);
  const torch::Tensor c = torch::randn({1, 4, 8, 8}, torch::kFloat64) * 0.01;
  const EnergyField linear = [&c](const torch::Tensor& y, bool) {
    return EnergyAndGradient{(y * c).flatten(1).sum(1), c.expand_as(y)};
  };
  const McmcRefinement refined =
      refine_by_energy_descent(linear, x, torch::tensor(0.5), torch::full({4}, 1, torch::kInt64));
  EXPECT_TRUE(torch::allclose(refined.x, x - 0.5 * c));
  const double bound = 2 * std::sqrt(linear_diffusion(1000).alphas_cumprod()[999].item<double>());
  EXPECT_LT(bound, 0.02);
  EXPECT_GT(refined.x.abs().max().item<double>(), 100 * bound);
}

// Fault 5: at equal total descent, the more erratic trajectory costs more; the
// original's 0.1 * (-var) made it cost less.
TEST(EnergyMcmc, RefinementLossPenalisesErraticDescent) {
  // [S = 4, N = 2]: drops (1, 1, 1) and (0, 3, 0), both a descent of 3.
  const torch::Tensor trajectory = torch::tensor({3.0, 3.0, 2.0, 3.0, 1.0, 0.0, 0.0, 0.0}, torch::kFloat64).reshape({4, 2});
  const torch::Tensor loss = step_size_refinement_loss(trajectory, torch::tensor({4, 4}, torch::kInt64));
  EXPECT_GT(loss[1].item<double>(), loss[0].item<double>());
  // sigmoid((-3 + 0.1 var) / 4) with var (1, 1, 1) = 0 and var (0, 3, 0) = 2.
  EXPECT_NEAR(loss[0].item<double>(), 1 / (1 + std::exp(3.0 / 4)), 1e-12);
  EXPECT_NEAR(loss[1].item<double>(), 1 / (1 + std::exp((3 - 0.2) / 4)), 1e-12);
  // A sample with fewer steps uses only its own energies.
  const torch::Tensor short_loss = step_size_refinement_loss(trajectory, torch::tensor({2, 4}, torch::kInt64));
  EXPECT_NEAR(short_loss[0].item<double>(), 1 / (1 + std::exp(1.0 / 2)), 1e-12);
}

// For data ~ N(0, s^2 I) the ideal eps at timestep t is sqrt(1 - abar) x / v_t with
// v_t = abar s^2 + 1 - abar, the gradient of E = sqrt(1 - abar) |x|^2 / (2 v_t); and
// x at timestep t has variance v_t. So the variance of x tells the noise level the
// sampler gives the energy.
struct GaussianEnergy {
  GaussianDiffusion diffusion = linear_diffusion(100);
  double s2 = 0.25;
  std::vector<std::pair<int64_t, double>> calls;  // (timestep, variance of x)

  double v(int64_t t) const {
    const double abar = diffusion.alphas_cumprod()[t].item<double>();
    return abar * s2 + 1 - abar;
  }
  TimedEnergyField field() {
    return [this](const torch::Tensor& x, const torch::Tensor& t) {
      const int64_t step = static_cast<int64_t>(t[0].item<double>());
      calls.emplace_back(step, x.var().item<double>());
      const double abar = diffusion.alphas_cumprod()[step].item<double>();
      const double scale = std::sqrt(1 - abar) / v(step);
      return EnergyAndGradient{0.5 * scale * x.square().flatten(1).sum(1), scale * x};
    };
  }
};

// Fault 1: the original refines after respaced step k at the respaced index k (for the
// network, alpha-bar and S) although x is then at the level of the next kept step.
// With all T = 100 steps and with a quarter of them, every call of the energy (denoising
// and refinement) must come with the timestep whose variance x has.
TEST(EnergySampler, RefinementSeesTheNoiseLevelXHas) {
  for (int64_t steps : {100, 25}) {
    GaussianEnergy gaussian;
    DdpmConfig config;
    config.diffusion_steps = 100;
    config.variance = DdpmVariance::fixed_small;
    config.timestep_respacing = steps == 100 ? "" : std::to_string(steps);
    const GaussianDiffusion respaced(config);
    EnergySamplerSettings settings;
    settings.step_size = 1e-5;  // greedy descent on E shrinks x; keep that below the check's resolution
    settings.diffusion_steps = 100;
    EnergySamplerStats stats;
    torch::manual_seed(5);
    sample_energy_ddpm(respaced, gaussian.field(), torch::randn({64, 1, 8, 8}, torch::kFloat64), settings,
                       standard_normal_like, &stats);
    EXPECT_GT(stats.proposed, 0);
    const std::set<int64_t> kept(respaced.timestep_map().begin(), respaced.timestep_map().end());
    std::set<int64_t> seen;
    for (const auto& [t, variance] : gaussian.calls) {
      // Below t = 10 the levels barely differ (v_t ~ s^2) and the sampler's own
      // discretization error (up to 14%) dominates; the seed's levels are off by 30% and more.
      if (t >= 10) {
        EXPECT_NEAR(variance / gaussian.v(t), 1, 0.2) << steps << " steps, t " << t;
      }
      seen.insert(t);
    }
    // The energy sees the kept original timesteps (0, 4, 8, ... 95, 99 of 25), never
    // respaced indices (1, 2, 3 ...), and every one of them: the first at a denoising
    // step, all but the first as refinement levels, 0 after the last step.
    EXPECT_EQ(seen, kept) << steps << " steps";
  }
  EXPECT_EQ(refinement_timestep({0, 4, 8, 12}, 2), 4);
  EXPECT_EQ(refinement_timestep({0, 4, 8, 12}, 0), 0);
}

// Fault 2: guidance on every channel with real null-label passes, and the guided energy
// E_u + w (E_c - E_u) (what refinement descends).
TEST(EnergyGuidance, GuidesEveryChannelWithNullLabelPasses) {
  torch::manual_seed(6);
  Dit net(tiny_energy_dit());
  randomize(*net, 0.2);
  const torch::Tensor x = torch::randn({3, 4, 4, 4}), t = torch::full({3}, 300.0);
  const torch::Tensor labels = torch::tensor({1, 4, 7}, torch::kInt64), null = torch::full({3}, 10, torch::kInt64);
  const EnergyAndGradient c = dit_energy_field(net, x, t, labels, false);
  const EnergyAndGradient u = dit_energy_field(net, x, t, null, false);
  ASSERT_GT((c.gradient - u.gradient).abs().amax({0, 2, 3}).min().item<double>(), 1e-4);  // labels matter
  GuidanceSchedule schedule;
  schedule.weight = 3;
  const EnergyAndGradient guided_field = dit_guided_energy(net, labels, 10, schedule, 1000)(x, t);
  EXPECT_LE(max_relative_error(guided_field.energy, u.energy + 3 * (c.energy - u.energy)), 1e-5);
  EXPECT_LE(max_relative_error(guided_field.gradient, u.gradient + 3 * (c.gradient - u.gradient)), 1e-5);
  // Channel 3 is guided too (the original guided channels 0-2 only).
  EXPECT_GT((guided_field.gradient.select(1, 3) - c.gradient.select(1, 3)).abs().max().item<double>(), 1e-4);
}

// Training losses on fixed inputs: the double-backward gradients of mse + refinement
// (all of it differentiable; the contrastive negatives are detached, as in the
// original) equal central finite differences, in float64, with either prediction.
class EnergyDiffusionLoss : public ::testing::TestWithParam<EnergyPrediction> {};

TEST_P(EnergyDiffusionLoss, GradientsEqualFiniteDifferences) {
  torch::manual_seed(7);
  Dit net(tiny_energy_dit());
  randomize(*net, 0.15);
  net->to(torch::kFloat64);
  const GaussianDiffusion diffusion = linear_diffusion(100);
  const torch::Tensor x0 = torch::rand({3, 4, 4, 4}, torch::kFloat64) * 2 - 1;
  const torch::Tensor y = torch::tensor({2, 10, 5}, torch::kInt64);
  EnergyLossConfig config;
  config.refinement_weight = 0.1;
  auto g = at::make_generator<at::CPUGeneratorImpl>(8);
  EnergyLossDraws draws = draw_energy_loss_inputs(x0, 100, config, g);
  draws.t = torch::tensor({5, 60, 97}, torch::kInt64);
  torch::Tensor alpha = torch::tensor(0.5, torch::kFloat64).requires_grad_(true);
  const ConditionalEnergy energy = dit_conditional_energy(net, y);
  const EnergyParameterisation parameterisation{GetParam(), net->config().energy_gradient_multiplier};
  const auto total = [&] {
    return energy_diffusion_loss(diffusion, energy, parameterisation, x0, draws, alpha, config).loss.sum();
  };
  total().backward();
  std::vector<std::pair<std::string, torch::Tensor>> checked{{"alpha", alpha}};
  for (const auto& [name, p] : trained_parameters(*net)) {
    if (name == "energy_layer.energy_head.0.weight" || name == "blocks.0.attn.qkv.weight" ||
        name == "x_embedder.proj.weight" || name == "t_embedder.mlp.2.weight" || name == "blocks.0.adaLN_modulation.1.bias") {
      checked.emplace_back(name, p);
    }
  }
  ASSERT_EQ(checked.size(), 6u);
  for (const auto& [name, p] : checked) {
    ASSERT_TRUE(p.grad().defined()) << name;
    const torch::Tensor flat = p.view({-1}), grad = p.grad().reshape({-1});
    for (int64_t i : {int64_t{0}, flat.numel() / 2, flat.numel() - 1}) {
      const double h = 1e-6, original = flat[i].item<double>();
      double f[2];
      for (int side = 0; side < 2; ++side) {
        torch::NoGradGuard no_grad;
        flat[i].fill_(original + (side ? h : -h));
        {
          torch::AutoGradMode on(true);
          f[side] = total().item<double>();
        }
        flat[i].fill_(original);
      }
      const double fd = (f[1] - f[0]) / (2 * h), ad = grad[i].item<double>();
      EXPECT_NEAR(ad, fd, 1e-6 + 1e-5 * std::abs(fd)) << name << "[" << i << "]";
    }
  }
  EXPECT_NE(alpha.grad().item<double>(), 0);
}

INSTANTIATE_TEST_SUITE_P(Predictions, EnergyDiffusionLoss,
                         ::testing::Values(EnergyPrediction::epsilon, EnergyPrediction::velocity),
                         [](const auto& info) { return info.param == EnergyPrediction::epsilon ? "eps" : "v"; });

// v prediction keeps a conservative field: the potential's gradient is m dU/dx of its
// energy U (what MCMC's acceptance compares), and a network whose m dE/dx is the true v
// gives the true noise, whose x0 is the data.
TEST(EnergyParameterisation, VelocityPotentialIsConservativeAndExact) {
  torch::manual_seed(3);
  Dit net(tiny_energy_dit());
  randomize(*net, 0.15);
  net->to(torch::kFloat64);
  const GaussianDiffusion diffusion = linear_diffusion(100);
  const torch::Tensor t = torch::tensor({0, 40, 99}, torch::kInt64);
  const torch::Tensor abar = diffusion.alphas_cumprod().index_select(0, t);
  const EnergyParameterisation v{EnergyPrediction::velocity, net->config().energy_gradient_multiplier};
  const torch::Tensor x = torch::randn({3, 4, 4, 4}, torch::kFloat64).requires_grad_(true);
  const torch::Tensor y = torch::tensor({1, 4, 10}, torch::kInt64);
  const EnergyAndGradient potential =
      v.potential(dit_energy_field(net, x, t.to(torch::kFloat64), y, /*create_graph=*/false), x.detach(), abar);
  const torch::Tensor energy = v.potential_energy(net->energy(x, t.to(torch::kFloat64), y).squeeze(1), x, abar);
  const torch::Tensor dU_dx = torch::autograd::grad({energy.sum()}, {x})[0];
  EXPECT_LE(max_relative_error(potential.gradient, v.gradient_multiplier * dU_dx), 1e-12);
  EXPECT_LE(max_relative_error(potential.energy, energy.detach()), 1e-12);

  const torch::Tensor x0 = torch::rand({3, 4, 4, 4}, torch::kFloat64) * 2 - 1, noise = torch::randn_like(x0);
  const torch::Tensor x_t = diffusion.q_sample(x0, t, noise);
  const EnergyAndGradient exact = v.potential({torch::zeros({3}, torch::kFloat64), v.target(x0, noise, abar)}, x_t, abar);
  EXPECT_LE((exact.gradient - noise).abs().max().item<double>(), 1e-12);
  const EnergyParameterisation eps{EnergyPrediction::epsilon, 2.0};
  EXPECT_TRUE(torch::equal(eps.target(x0, noise, abar), noise));
}

// The original's math in PyTorch (energy_diffusion_reference.py) on the reference DiT's
// weights: per-sample loss, every term, and the gradient of every parameter and alpha.
class EnergyDiffusionReference : public dact::testing::PythonWrittenFiles<EnergyDiffusionReference> {
 public:
  static constexpr char kTempPrefix[] = "dact_energy_diffusion_reference";
  static std::vector<std::string> script(const std::string& dir) {
    return {"tests/models/energy_diffusion_reference.py", dact::testing::reference_file("dit_energy_tiny.h5"),
            dir + "/reference.h5"};
  }
};

TEST_P(EnergyDiffusionReference, LossTermsAndGradientsEqualTheReference) {
  const H5::H5File file = storage::open_h5_for_reading(path("reference.h5"));
  const H5::H5File weights_file = storage::open_h5_for_reading(dact::testing::reference_file("dit_energy_tiny.h5"));
  DitConfig config = tiny_energy_dit();
  config.input_size = 8;
  config.hidden_size = 64;
  config.depth = 2;
  config.num_heads = 4;
  Dit net(config);
  load_state_dict(*net, storage::read_h5_tensors(weights_file.openGroup("weights")));
  net->to(torch::kFloat64);
  const auto input = [&](const std::string& name) { return storage::read_h5_tensor(file, "input/" + name); };
  EnergyLossDraws draws{input("t"), input("noise"), input("contrastive_noise"), input("negative_offset"),
                        input("refinement_noise")};
  EnergyLossConfig loss_config;
  loss_config.contrastive_weight = 0.05;
  loss_config.refinement_weight = 0.1;
  loss_config.steps_base = 2;
  torch::Tensor alpha = input("alpha").to(torch::kFloat64).requires_grad_(true);
  const torch::Tensor x0 = input("x0");
  const MicroBatchLoss loss =
      energy_diffusion_loss(linear_diffusion(100), dit_conditional_energy(net, input("y")),
                            EnergyParameterisation{EnergyPrediction::epsilon, config.energy_gradient_multiplier}, x0,
                            draws, alpha, loss_config);
  EXPECT_LE(max_relative_error(loss.loss, storage::read_h5_tensor(file, "output/loss")), 1e-9);
  for (const std::string term : {"mse", "energy", "alpha", "contrastive", "energy_negative", "accept_rate",
                                 "refinement", "descent_rate"}) {
    ASSERT_TRUE(loss.terms.count(term)) << term;
    EXPECT_LE(max_relative_error(loss.terms.at(term), storage::read_h5_tensor(file, "output/terms/" + term)), 1e-9)
        << term;
  }
  (loss.loss.sum() / x0.size(0)).backward();
  EXPECT_LE(max_relative_error(alpha.grad(), storage::read_h5_tensor(file, "output/grad/alpha")), 1e-7);
  int64_t compared = 0;
  for (const auto& [name, p] : trained_parameters(*net)) {
    // final_layer is unused in energy mode (no gradient); energy_head.2.bias cancels
    // from every term (only differences and dE/dx of E enter), so both are ~0.
    const torch::Tensor ours = p.grad().defined() ? p.grad() : torch::zeros_like(p);
    const torch::Tensor expected = storage::read_h5_tensor(file, "output/grad/dit." + name);
    const double scale = std::max(expected.abs().max().item<double>(), 1e-9);
    EXPECT_LE((ours - expected).abs().max().item<double>() / scale, 1e-7) << name;
    ++compared;
  }
  EXPECT_GT(compared, 20);
}

INSTANTIATE_TEST_SUITE_P(Float64, EnergyDiffusionReference, ::testing::Values("tiny"));

nlohmann::json energy_model_config() {
  return {{"arch", "dit-energy"}, {"input_size", 4}, {"patch_size", 2}, {"in_channels", 4}, {"hidden_size", 32},
          {"depth", 1}, {"num_heads", 2}, {"num_classes", 10}, {"class_dropout_prob", 0.5},
          {"diffusion_steps", 100}, {"learnable_mcmc_step_size", true}, {"mcmc_step_size", 0.05}};
}

// A family's model with random weights (seeded by `seed`) and its training loss on n
// images with labels 0 .. n-1, drawn from generator `seed` + 1.
struct FamilyLoss {
  std::unique_ptr<Model> model;
  EnergyDiffusionNetImpl* net;
  torch::Tensor x0, labels;
  MicroBatchLoss loss;
};

FamilyLoss family_loss(const nlohmann::json& model_config, const nlohmann::json& loss_config, uint64_t seed,
                       int64_t n) {
  FamilyLoss out;
  const auto spec = parse_model_spec(model_config, "model", loss_config, "trainer.loss");
  torch::manual_seed(seed);
  out.model = spec->build();
  out.net = &dynamic_cast<EnergyDiffusionNetImpl&>(out.model->module());
  randomize(*out.net->dit, 0.1);
  out.x0 = torch::rand({n, 4, 4, 4}) * 2 - 1;
  out.labels = torch::arange(n, torch::kInt64);
  auto g = at::make_generator<at::CPUGeneratorImpl>(seed + 1);
  out.loss = out.model->training_loss(out.x0, out.labels, g);
  return out;
}

// Fault 4: label dropout is drawn once per sample and step. The family's loss equals the
// loss at one fixed set of labels (drawn after the other inputs from the same
// generator); the original redrew dropout at each of the step's many network calls.
// Fault 6: the terms (in stats.jsonl) hold the accept rate, mean energies, alpha and
// every loss term.
TEST(EnergyFamily, LabelsAreDroppedOncePerStepAndEveryTermIsReported) {
  const FamilyLoss family = family_loss(energy_model_config(), {{"contrastive_weight", 0.05}}, 9, 8);
  const torch::Tensor &x0 = family.x0, &labels = family.labels;
  const MicroBatchLoss& loss = family.loss;
  EnergyDiffusionNetImpl& net = *family.net;

  auto again = at::make_generator<at::CPUGeneratorImpl>(10);
  EnergyLossConfig config;
  config.contrastive_weight = 0.05;
  config.refinement_weight = 0.1;
  const EnergyLossDraws draws = draw_energy_loss_inputs(x0, 100, config, again);
  const torch::Tensor dropped = torch::rand({8}, again) < 0.5;
  const torch::Tensor y = torch::where(dropped, torch::full_like(labels, 10), labels);
  ASSERT_TRUE(dropped.any().item<bool>() && !dropped.all().item<bool>());
  const MicroBatchLoss expected =
      energy_diffusion_loss(linear_diffusion(100), dit_conditional_energy(net.dit, y),
                            EnergyParameterisation{EnergyPrediction::epsilon, net.dit->config().energy_gradient_multiplier},
                            x0, draws, net.alpha, config);
  EXPECT_TRUE(torch::allclose(loss.loss, expected.loss, 1e-5, 1e-6));

  for (const std::string term : {"mse", "contrastive", "refinement", "energy", "energy_negative", "accept_rate",
                                 "descent_rate", "alpha"}) {
    ASSERT_TRUE(loss.terms.count(term)) << term;
    EXPECT_EQ(loss.terms.at(term).sizes(), torch::IntArrayRef({8})) << term;
    EXPECT_TRUE(torch::isfinite(loss.terms.at(term)).all().item<bool>()) << term;
  }
  EXPECT_FLOAT_EQ(loss.terms.at("alpha")[0].item<float>(), 0.05f);
}

// The original's state-dict names (PureDiffusion: dit.*, alpha), alpha without weight
// decay (a scalar) and with its own learning-rate factor.
TEST(EnergyFamily, AlphaIsNamedAsTheOriginalAndHasItsOwnLearningRate) {
  const auto spec = parse_model_spec(energy_model_config(), "model", {{"alpha_lr_multiplier", 7.0}}, "trainer.loss");
  const auto built = spec->build();
  const auto weights = state_dict(built->module());
  EXPECT_TRUE(weights.count("alpha") && weights.count("dit.final_layer.linear.weight") &&
              weights.count("dit.energy_layer.energy_head.2.bias"));
  EXPECT_EQ(weights.at("alpha").dim(), 0);
  EXPECT_EQ(built->learning_rate_multipliers(), (std::map<std::string, double>{{"alpha", 7.0}}));
  nlohmann::json fixed = energy_model_config();
  fixed.erase("learnable_mcmc_step_size");
  const auto fixed_model = parse_model_spec(fixed, "model")->build();
  EXPECT_TRUE(fixed_model->learning_rate_multipliers().empty());
  EXPECT_EQ(trained_parameters(fixed_model->module()).size() + 1, trained_parameters(built->module()).size());
}

TEST(EnergyFamily, ConfigErrorsNameTheKey) {
  const auto error = [](nlohmann::json model, nlohmann::json loss) {
    try {
      parse_model_spec(model, "model", loss, "trainer.loss");
    } catch (const config::ConfigError& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  nlohmann::json fixed = energy_model_config();
  fixed.erase("learnable_mcmc_step_size");
  EXPECT_NE(error(fixed, {{"refinement_weight", 0.1}}).find("'trainer.loss.refinement_weight'"), std::string::npos);
  EXPECT_NE(error(fixed, {{"alpha_lr_multiplier", 3.0}}).find("'trainer.loss.alpha_lr_multiplier'"),
            std::string::npos);
  nlohmann::json sigma = energy_model_config();
  sigma["learn_sigma"] = true;
  EXPECT_NE(error(sigma, nlohmann::json::object()).find("'model.learn_sigma'"), std::string::npos);
  nlohmann::json short_schedule = energy_model_config();
  short_schedule["diffusion_steps"] = 10;
  EXPECT_NE(error(short_schedule, nlohmann::json::object()).find("'model.diffusion_steps'"), std::string::npos);
  EXPECT_NE(error(energy_model_config(), {{"contrastive_scale", 1.0}}).find("trainer.loss.contrastive_scale"),
            std::string::npos);
  nlohmann::json x0_prediction = energy_model_config();
  x0_prediction["prediction"] = "x0";
  EXPECT_NE(error(x0_prediction, nlohmann::json::object()).find("'model.prediction'"), std::string::npos);
}

// With `prediction: v` the family's mse compares m dE/dx_t with v = sqrt(abar) eps -
// sqrt(1 - abar) x0 (computed here from the draws, not by the loss's code).
TEST(EnergyFamily, VelocityPredictionTrainsTheGradientOnV) {
  nlohmann::json config = energy_model_config();
  config["prediction"] = "v";
  config["class_dropout_prob"] = 0.0;
  config.erase("learnable_mcmc_step_size");
  const FamilyLoss family = family_loss(config, nlohmann::json::object(), 13, 6);
  const torch::Tensor &x0 = family.x0, &labels = family.labels;

  auto again = at::make_generator<at::CPUGeneratorImpl>(14);
  const EnergyLossDraws draws = draw_energy_loss_inputs(x0, 100, EnergyLossConfig{}, again);
  const torch::Tensor abar = linear_diffusion(100).alphas_cumprod().index_select(0, draws.t).to(torch::kFloat32);
  const torch::Tensor a = abar.view({-1, 1, 1, 1});
  const torch::Tensor x_t = a.sqrt() * x0 + (1 - a).sqrt() * draws.noise;
  const torch::Tensor v = a.sqrt() * draws.noise - (1 - a).sqrt() * x0;
  const torch::Tensor m_dE_dx =
      dit_energy_field(family.net->dit, x_t, draws.t.to(torch::kFloat32), labels, /*create_graph=*/false).gradient;
  const torch::Tensor expected = (v - m_dE_dx).square().flatten(1).mean(1);
  EXPECT_TRUE(torch::allclose(family.loss.terms.at("mse"), expected, 1e-4, 1e-6))
      << family.loss.terms.at("mse") << expected;
}

// Sampling: MCMC changes the sample, --no-mcmc gives plain ancestral DDPM, guidance
// changes it, and options of other families are errors.
TEST(EnergyFamily, SamplerHonoursMcmcAndGuidanceOptions) {
  torch::manual_seed(11);
  const auto built = parse_model_spec(energy_model_config(), "model")->build();
  randomize(*dynamic_cast<EnergyDiffusionNetImpl&>(built->module()).dit, 0.1);
  const torch::Tensor noise = torch::randn({2, 4, 4, 4});
  const torch::Tensor labels = torch::tensor({3, 5}, torch::kInt64);
  const auto sample = [&](const SamplingOptions& options) {
    torch::manual_seed(12);
    return built->sample(labels, noise, options, standard_normal_like);
  };
  SamplingOptions plain;
  plain.steps = 5;
  plain.mcmc.off = true;
  SamplingOptions refined = plain;
  refined.mcmc.off = false;
  refined.mcmc.step_size = 0.5;
  SamplingOptions guided = plain;
  guided.guidance.weight = 3;
  const torch::Tensor a = sample(plain), b = sample(refined), c = sample(guided);
  EXPECT_TRUE(torch::isfinite(b).all().item<bool>());
  EXPECT_FALSE(torch::allclose(a, b));
  EXPECT_FALSE(torch::allclose(a, c));
  EXPECT_TRUE(torch::equal(a, sample(plain)));
  SamplingOptions shifted = plain;
  shifted.time_shift = 3;
  EXPECT_THROW(sample(shifted), std::invalid_argument);
  SamplingOptions churn = plain;
  churn.edm.S_churn = 1;
  EXPECT_THROW(sample(churn), std::invalid_argument);
  SamplingOptions bad_size = plain;
  bad_size.mcmc.step_size = -1;
  EXPECT_THROW(sample(bad_size), std::invalid_argument);
}

}  // namespace
}  // namespace dact::models
