// DDPM / MAR DiffLoss against MAR's code (shared/reference/ddpm_reference.h5):
// SimpleMLPAdaLN forward, the hybrid training loss, and ancestral sampling with
// respacing, classifier-free guidance and temperature from recorded noise streams;
// DDIM against the same streams (eta = 1 is ancestral sampling) and Gaussian data.
#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <vector>

#include "models/diffusion/ddpm_diffusion.h"
#include "models/diffusion/guidance.h"
#include "models/mar/diffloss_mlp.h"
#include "models/state_dict.h"
#include "storage/h5_tensor_io.h"
#include "tests/models/gaussian_oracle.h"
#include "tests/support/tensor_compare.h"
#include "tests/support/test_paths.h"

namespace dact::models {
namespace {

// max |a - b| / max |b|
using dact::testing::max_relative_error;

H5::H5File reference() {
  return storage::open_h5_for_reading(dact::testing::reference_file("ddpm_reference.h5"));
}

DiffLossMlp reference_mlp(const H5::H5File& file) {
  DiffLossMlpConfig config;  // the group's `config` attribute
  config.in_channels = 16;
  config.model_channels = 64;
  config.out_channels = 32;
  config.z_channels = 24;
  config.num_res_blocks = 2;
  DiffLossMlp mlp(config);
  load_state_dict(*mlp, storage::read_h5_tensors(file.openGroup("diffloss/weights")));
  mlp->eval();
  return mlp;
}

// alpha-bar of the full (unrespaced) schedule, from the betas: prod (1 - beta).
torch::Tensor full_alphas_cumprod(BetaSchedule schedule) {
  return torch::cumprod(1 - torch::tensor(named_beta_schedule(schedule, 1000), torch::kFloat64), 0);
}

// The recipe's closed-form epsilon of Gaussian data with per-element std, evaluated
// at the original timesteps t: sqrt(1 - abar) x / (abar std^2 + 1 - abar).
torch::Tensor gaussian_eps(const torch::Tensor& x, const torch::Tensor& t, const torch::Tensor& abar_table,
                           const torch::Tensor& std) {
  std::vector<int64_t> shape(x.dim(), 1);
  shape[0] = x.size(0);
  const auto abar = abar_table.index_select(0, t).reshape(shape);
  const auto x64 = x.to(torch::kFloat64);
  return (torch::sqrt(1 - abar) * x64 / (abar * std.square() + 1 - abar)).to(x.dtype());
}

// Replays a recorded [steps, ...] noise stream, one slice per sampling step.
DdpmStepNoise replay(const torch::Tensor& step_noise) {
  auto next = std::make_shared<int64_t>(0);
  return [step_noise, next](const torch::Tensor&) { return step_noise[(*next)++]; };
}

TEST(DiffLossMlp, ReproducesReferenceOutput) {
  const auto file = reference();
  auto mlp = reference_mlp(file);
  torch::NoGradGuard no_grad;
  const auto out = mlp->forward(storage::read_h5_tensor(file, "diffloss/input/x"),
                                storage::read_h5_tensor(file, "diffloss/input/t"),
                                storage::read_h5_tensor(file, "diffloss/input/c"));
  EXPECT_LE(max_relative_error(out, storage::read_h5_tensor(file, "diffloss/output/out")), 1e-4);
}

TEST(GaussianDiffusion, ReproducesMarTrainingLosses) {
  const auto file = reference();
  auto mlp = reference_mlp(file);
  const auto c = storage::read_h5_tensor(file, "diffloss/train/c");
  GaussianDiffusion diffusion({BetaSchedule::cosine, 1000, "", DdpmVariance::learned_range});
  const auto losses = diffusion.training_losses(
      [&](const torch::Tensor& x, const torch::Tensor& t) { return mlp->forward(x, t, c); },
      storage::read_h5_tensor(file, "diffloss/train/target"), storage::read_h5_tensor(file, "diffloss/train/t"),
      storage::read_h5_tensor(file, "diffloss/train/noise"));
  EXPECT_LE(max_relative_error(losses.mse, storage::read_h5_tensor(file, "diffloss/train/mse")), 1e-4);
  EXPECT_LE(max_relative_error(losses.vb, storage::read_h5_tensor(file, "diffloss/train/vb")), 1e-4);
  EXPECT_LE(max_relative_error(losses.loss, storage::read_h5_tensor(file, "diffloss/train/loss")), 1e-4);
}

TEST(GaussianDiffusion, ReproducesMarGuidedSampling) {
  const auto file = reference();
  const auto c = storage::read_h5_tensor(file, "diffloss/sample/c");
  const auto std_cond = storage::read_h5_tensor(file, "diffloss/sample/std_cond");
  const auto std_uncond = storage::read_h5_tensor(file, "diffloss/sample/std_uncond");
  const int64_t rows = c.size(0), half = rows / 2, channels = std_cond.size(1);
  const auto std = torch::cat({std_cond.expand({half, channels}), std_uncond.expand({half, channels})});
  const auto abar = full_alphas_cumprod(BetaSchedule::cosine);
  const DdpmModel closed_form = [&](const torch::Tensor& x, const torch::Tensor& t) {
    return torch::cat({gaussian_eps(x, t, abar, std), 0.5 * torch::tanh(c.narrow(1, 0, channels))}, 1);
  };
  GaussianDiffusion diffusion({BetaSchedule::cosine, 1000, "8", DdpmVariance::learned_range});
  const auto out = diffusion.p_sample_loop(
      [&](const torch::Tensor& x, const torch::Tensor& t) {
        return mar_forward_with_cfg(closed_form, x, t, 2.0, channels);
      },
      storage::read_h5_tensor(file, "diffloss/sample/noise_start"), 0.9,
      replay(storage::read_h5_tensor(file, "diffloss/sample/step_noise")));
  EXPECT_LE(max_relative_error(out, storage::read_h5_tensor(file, "diffloss/sample/output")), 1e-4);
}

// A sampling loop of `diffusion` from a start with a step-noise stream.
using DdpmLoopRun = std::function<torch::Tensor(const GaussianDiffusion& diffusion, const DdpmModel& model,
                                                const torch::Tensor& start, const DdpmStepNoise& step_noise)>;

// max relative error of `run` on the linear_eps_sample recipe (linear betas respaced to
// 50, fixed small variance, closed-form eps) against the reference output.
double linear_eps_sample_error(const DdpmLoopRun& run) {
  const auto file = reference();
  const auto std = storage::read_h5_tensor(file, "linear_eps_sample/std");
  const auto abar = full_alphas_cumprod(BetaSchedule::linear);
  const GaussianDiffusion diffusion({BetaSchedule::linear, 1000, "50", DdpmVariance::fixed_small});
  const auto out = run(
      diffusion, [&](const torch::Tensor& x, const torch::Tensor& t) { return gaussian_eps(x, t, abar, std); },
      storage::read_h5_tensor(file, "linear_eps_sample/noise_start"),
      replay(storage::read_h5_tensor(file, "linear_eps_sample/step_noise")));
  return max_relative_error(out, storage::read_h5_tensor(file, "linear_eps_sample/output"));
}

TEST(GaussianDiffusion, ReproducesLinearFixedSmallSampling) {
  const GaussianDiffusion diffusion({BetaSchedule::linear, 1000, "50", DdpmVariance::fixed_small});
  const std::vector<int64_t> recipe_timesteps{
      0,   20,  41,  61,  82,  102, 122, 143, 163, 183, 204, 224, 245, 265, 285, 306, 326,
      347, 367, 387, 408, 428, 449, 469, 489, 510, 530, 550, 571, 591, 612, 632, 652, 673,
      693, 714, 734, 754, 775, 795, 816, 836, 856, 877, 897, 917, 938, 958, 979, 999};
  EXPECT_EQ(diffusion.timestep_map(), recipe_timesteps);
  EXPECT_LE(linear_eps_sample_error([](const GaussianDiffusion& d, const DdpmModel& model, const torch::Tensor& start,
                                       const DdpmStepNoise& step_noise) {
              return d.p_sample_loop(model, start, 1.0, step_noise);
            }),
            1e-4);
}

TEST(GaussianDiffusion, SpaceTimestepsPerSection) {
  // respace.py docstring example: 300 steps, "10,15,20" -> 10, 15 and 20 steps
  // taken evenly from each third.
  const auto steps = space_timesteps(300, "10,15,20");
  EXPECT_EQ(steps.size(), 45u);
  EXPECT_EQ(steps.front(), 0);
  EXPECT_EQ(steps[9], 99);
  EXPECT_EQ(steps[10], 100);
  EXPECT_EQ(steps.back(), 299);
  EXPECT_THROW(space_timesteps(10, "20"), std::invalid_argument);
}

TEST(GaussianDiffusion, ModelReceivesOriginalTimesteps) {
  // respace.py for "8" of 1000: stride 999 / 7, kept round(k * 142.71) = 0, 143, 285,
  // 428, 571, 714, 856, 999; both loops walk them from the top and hand the model the
  // original timestep, not the respaced index 7 ... 0.
  GaussianDiffusion diffusion({BetaSchedule::cosine, 1000, "8", DdpmVariance::learned_range});
  const std::vector<int64_t> kept{0, 143, 285, 428, 571, 714, 856, 999};
  EXPECT_EQ(diffusion.timestep_map(), kept);
  const std::vector<int64_t> expected(kept.rbegin(), kept.rend());
  std::vector<int64_t> seen;
  const DdpmModel recorder = [&](const torch::Tensor& x, const torch::Tensor& t) {
    EXPECT_TRUE((t == t[0]).all().item<bool>());
    seen.push_back(t[0].item<int64_t>());
    return torch::zeros({x.size(0), 2 * x.size(1)}, x.options());
  };
  const auto noise = torch::randn({2, 3}, torch::kFloat64);
  diffusion.p_sample_loop(recorder, noise, 1.0, standard_normal_like);
  EXPECT_EQ(seen, expected);
  seen.clear();
  diffusion.ddim_sample_loop(recorder, noise);
  EXPECT_EQ(seen, expected);
}

TEST(DdimSampler, EtaOneReproducesReferenceAncestralSampling) {
  // With eta = 1, sigma_t^2 is the posterior variance beta~_t and the mean
  // sqrt(abar_prev) x0 + sqrt(1 - abar_prev - beta~_t) eps equals the posterior mean
  // (Song et al. 2021, Sec. 4.1), so DDIM is DDPM's ancestral step with fixed_small
  // variance, noise stream for noise stream: MAR's reference output follows.
  EXPECT_LE(linear_eps_sample_error([](const GaussianDiffusion& d, const DdpmModel& model, const torch::Tensor& start,
                                       const DdpmStepNoise& step_noise) {
              return d.ddim_sample_loop(model, start, 1.0, step_noise);
            }),
            1e-4);
}

TEST(DdimSampler, IgnoresTheLearnedVarianceChannels) {
  const auto abar = full_alphas_cumprod(BetaSchedule::cosine);
  const auto std = torch::full({1, 4}, 0.6, torch::kFloat64);
  const DdpmModel eps_only = [&](const torch::Tensor& x, const torch::Tensor& t) {
    return gaussian_eps(x, t, abar, std);
  };
  const DdpmModel with_variance = [&](const torch::Tensor& x, const torch::Tensor& t) {
    return torch::cat({eps_only(x, t), torch::tanh(x)}, 1);
  };
  const auto noise = torch::randn({3, 4}, torch::kFloat64);
  const GaussianDiffusion learned({BetaSchedule::cosine, 1000, "20", DdpmVariance::learned_range});
  const GaussianDiffusion fixed({BetaSchedule::cosine, 1000, "20", DdpmVariance::fixed_small});
  EXPECT_TRUE(torch::equal(learned.ddim_sample_loop(with_variance, noise), fixed.ddim_sample_loop(eps_only, noise)));
}

TEST(DdimSampler, ClassifierFreeGuidanceThroughTheModelSamplesTheGuidedMean) {
  // Conditional data N(mu_c, Sigma), unconditional N(mu_u, Sigma): E[eps | x_t] =
  // sqrt(1 - abar) C^-1 (x - sqrt(abar) mu) is affine in mu with an x term free of mu,
  // so eps_u + w (eps_c - eps_u) is the ideal eps of N(mu_u + w (mu_c - mu_u), Sigma).
  // DDIM with the guided model must then give that law up to its discretisation error
  // (first order; 0.015 at 200 cosine steps, while the unguided means are 0.81 and
  // 1.35 away).
  namespace oracle = gaussian_oracle;
  const auto conditional = oracle::correlated_gaussian_3d();
  const oracle::GaussianData unconditional{conditional.mu + torch::tensor({-0.4, 0.2, 0.3}, torch::kFloat64),
                                           conditional.Sigma};
  const double w = 2.5;
  const oracle::GaussianData target{unconditional.mu + w * (conditional.mu - unconditional.mu), conditional.Sigma};
  const auto abar = full_alphas_cumprod(BetaSchedule::cosine);
  const auto eps_of = [&](const oracle::GaussianData& data, const torch::Tensor& x, const torch::Tensor& t) {
    return oracle::ideal_eps(data, x, abar[t[0].item<int64_t>()].item<double>());
  };
  const DdpmModel guided_model = [&](const torch::Tensor& x, const torch::Tensor& t) {
    return guided(eps_of(conditional, x, t), eps_of(unconditional, x, t), w);
  };
  const DdpmModel target_model = [&](const torch::Tensor& x, const torch::Tensor& t) {
    return eps_of(target, x, t);
  };
  const GaussianDiffusion diffusion({BetaSchedule::cosine, 1000, "200", DdpmVariance::fixed_small});
  const auto law_of = [&](const DdpmModel& model) {
    return oracle::exact_output_law(
        [&](const torch::Tensor& start, const NoiseSource& noise) {
          return diffusion.ddim_sample_loop(model, start, 0, noise);
        },
        3, 200);
  };
  const auto guided_law = law_of(guided_model), target_law = law_of(target_model);
  EXPECT_TRUE(torch::allclose(guided_law.mean, target_law.mean, 1e-10, 1e-10));
  EXPECT_TRUE(torch::allclose(guided_law.cov, target_law.cov, 1e-10, 1e-10));
  ::testing::Test::RecordProperty("guided_moment_error", std::to_string(oracle::moment_error(guided_law, target)));
  EXPECT_LE(oracle::moment_error(guided_law, target), 0.05) << guided_law.mean << guided_law.cov;
}

TEST(VelocityPrediction, SamplesTheSameAsTheEquivalentEpsilonModel) {
  // The ideal v = sqrt(abar) E[eps | x] - sqrt(1 - abar) E[x0 | x] carries the same
  // information as the ideal eps, so both loops must give the same samples once the
  // diffusion reads the channels as v.
  namespace oracle = gaussian_oracle;
  const auto data = oracle::correlated_gaussian_3d();
  const auto abar = full_alphas_cumprod(BetaSchedule::linear);
  const auto posterior_at = [&](const torch::Tensor& x, const torch::Tensor& t) {
    const double a = abar[t[0].item<int64_t>()].item<double>();
    return std::make_pair(a, oracle::gaussian_posterior(data, x, std::sqrt(a), std::sqrt(1 - a)));
  };
  const DdpmModel eps_model = [&](const torch::Tensor& x, const torch::Tensor& t) {
    return posterior_at(x, t).second.eps;
  };
  const DdpmModel v_model = [&](const torch::Tensor& x, const torch::Tensor& t) {
    const auto [a, posterior] = posterior_at(x, t);
    return std::sqrt(a) * posterior.eps - std::sqrt(1 - a) * posterior.x0;
  };
  DdpmConfig config{BetaSchedule::linear, 1000, "50", DdpmVariance::fixed_small};
  const GaussianDiffusion eps_diffusion(config);
  config.prediction = DdpmPrediction::velocity;
  const GaussianDiffusion v_diffusion(config);
  const auto noise = torch::randn({64, 3}, torch::kFloat64);
  const auto steps = [](const torch::Tensor& x) { return torch::ones_like(x) * 0.3; };
  EXPECT_TRUE(torch::allclose(v_diffusion.ddim_sample_loop(v_model, noise), eps_diffusion.ddim_sample_loop(eps_model, noise),
                              1e-9, 1e-9));
  EXPECT_TRUE(torch::allclose(v_diffusion.p_sample_loop(v_model, noise, 1.0, steps),
                              eps_diffusion.p_sample_loop(eps_model, noise, 1.0, steps), 1e-9, 1e-9));
}

TEST(VelocityPrediction, TheLossTargetIsV) {
  // A network that returns the true v = sqrt(abar) eps - sqrt(1 - abar) x0 of its
  // inputs has zero loss under v-prediction; read as eps it is wrong (except near t = 0,
  // where v -> eps).
  const auto abar = full_alphas_cumprod(BetaSchedule::cosine);
  const auto x0 = torch::rand({6, 2, 4, 4}, torch::kFloat64) * 2 - 1;
  const auto noise = torch::randn({6, 2, 4, 4}, torch::kFloat64);
  const auto t = torch::tensor({0, 1, 250, 500, 998, 999}, torch::kInt64);
  const DdpmModel true_v = [&](const torch::Tensor&, const torch::Tensor& timesteps) {
    const auto a = abar.index_select(0, timesteps).reshape({-1, 1, 1, 1});
    return a.sqrt() * noise - (1 - a).sqrt() * x0;
  };
  DdpmConfig config{BetaSchedule::cosine, 1000, "", DdpmVariance::fixed_small};
  const auto eps_losses = GaussianDiffusion(config).training_losses(true_v, x0, t, noise);
  config.prediction = DdpmPrediction::velocity;
  const auto v_losses = GaussianDiffusion(config).training_losses(true_v, x0, t, noise);
  EXPECT_LT(v_losses.mse.abs().max().item<double>(), 1e-24);
  EXPECT_GT(eps_losses.mse.mean().item<double>(), 0.1);
}

TEST(ClipDenoised, ClampsThePredictedX0BeforeThePosteriorMean) {
  // guided-diffusion's clip_denoised: pred_xstart is clamped to [-1, 1] and the
  // posterior mean is formed from the clamped value; without it, x0 is unbounded.
  const GaussianDiffusion diffusion({BetaSchedule::linear, 1000, "", DdpmVariance::fixed_small});
  const auto x = torch::randn({4, 1, 8, 8}, torch::kFloat64) * 3;
  const auto t = torch::tensor({999, 900, 500, 10}, torch::kInt64);
  const auto eps = -torch::randn_like(x);
  const auto free = diffusion.p_mean_variance(eps, x, t, /*clip=*/false);
  const auto clipped = diffusion.p_mean_variance(eps, x, t, /*clip=*/true);
  ASSERT_GT(free.pred_xstart.abs().max().item<double>(), 1.0);
  EXPECT_TRUE(torch::equal(clipped.pred_xstart, free.pred_xstart.clamp(-1, 1)));
  // The posterior mean is coef1 x0 + coef2 x_t with coef1 = beta sqrt(abar_prev) / (1 - abar).
  const auto abar = full_alphas_cumprod(BetaSchedule::linear);
  const auto abar_t = abar.index_select(0, t), abar_prev = abar.index_select(0, t - 1);
  const auto coef1 = ((1 - abar_t / abar_prev) * abar_prev.sqrt() / (1 - abar_t)).reshape({-1, 1, 1, 1});
  EXPECT_TRUE(torch::allclose(clipped.mean - free.mean, coef1 * (clipped.pred_xstart - free.pred_xstart), 1e-9, 1e-12));
}

}  // namespace
}  // namespace dact::models
