// DDPM / MAR DiffLoss against MAR's code (shared/reference/ddpm_reference.h5):
// SimpleMLPAdaLN forward, the hybrid training loss, and ancestral sampling with
// respacing, classifier-free guidance and temperature from recorded noise streams.
#include <gtest/gtest.h>

#include "models/diffusion/ddpm_diffusion.h"
#include "models/mar/diffloss_mlp.h"
#include "models/state_dict.h"
#include "storage/h5_tensor_io.h"
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

TEST(GaussianDiffusion, ReproducesLinearFixedSmallSampling) {
  const auto file = reference();
  const auto std = storage::read_h5_tensor(file, "linear_eps_sample/std");
  const auto abar = full_alphas_cumprod(BetaSchedule::linear);
  GaussianDiffusion diffusion({BetaSchedule::linear, 1000, "50", DdpmVariance::fixed_small});
  const std::vector<int64_t> recipe_timesteps{
      0,   20,  41,  61,  82,  102, 122, 143, 163, 183, 204, 224, 245, 265, 285, 306, 326,
      347, 367, 387, 408, 428, 449, 469, 489, 510, 530, 550, 571, 591, 612, 632, 652, 673,
      693, 714, 734, 754, 775, 795, 816, 836, 856, 877, 897, 917, 938, 958, 979, 999};
  EXPECT_EQ(diffusion.timestep_map(), recipe_timesteps);
  const auto out = diffusion.p_sample_loop(
      [&](const torch::Tensor& x, const torch::Tensor& t) { return gaussian_eps(x, t, abar, std); },
      storage::read_h5_tensor(file, "linear_eps_sample/noise_start"), 1.0,
      replay(storage::read_h5_tensor(file, "linear_eps_sample/step_noise")));
  EXPECT_LE(max_relative_error(out, storage::read_h5_tensor(file, "linear_eps_sample/output")), 1e-4);
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

}  // namespace
}  // namespace dact::models
