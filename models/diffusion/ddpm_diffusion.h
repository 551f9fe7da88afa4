#pragma once
// DDPM's Gaussian diffusion with epsilon (or v) prediction and timestep respacing, as in
// guided-diffusion / DiT / MAR (LTH14/mar diffusion/gaussian_diffusion.py,
// respace.py, create_diffusion): linear or cosine betas, learned-range or fixed
// variances, the hybrid loss mse + vb (Nichol & Dhariwal 2021) and ancestral sampling
// with MAR's temperature, and DDIM sampling (Song et al. 2021). Schedules are float64;
// per-step coefficients are cast to the dtype of x as the reference does.
#include <torch/torch.h>

#include <functional>
#include <string>
#include <vector>

#include "models/diffusion/sampler_types.h"

namespace dact::models {

enum class BetaSchedule { linear, cosine };

enum class DdpmVariance {
  learned_range,  // model outputs [eps, v], log var = interpolation of the two below (v in [-1, 1])
  fixed_small,    // posterior variance beta~_t (clipped log at t = 0)
  fixed_large,    // beta_t (posterior variance at t = 0)
};

// Ho et al. 2020 linear betas (scaled to T steps) or Nichol & Dhariwal's cosine
// alpha-bar (s = 0.008, betas clipped at 0.999): [T] float64.
std::vector<double> named_beta_schedule(BetaSchedule schedule, int64_t num_diffusion_timesteps);

// respace.py space_timesteps: "" (all), "50" or "10,15,20" (per equal section) ->
// the kept original timesteps, ascending. Bad strings throw std::invalid_argument.
std::vector<int64_t> space_timesteps(int64_t num_timesteps, const std::string& respacing);

// What the network's first C channels predict: the noise (DDPM, guided-diffusion) or
// the velocity v = sqrt(abar) eps - sqrt(1 - abar) x0 (Salimans & Ho 2022, Sec. 4).
enum class DdpmPrediction { epsilon, velocity };

struct DdpmConfig {
  BetaSchedule schedule = BetaSchedule::linear;
  int64_t diffusion_steps = 1000;
  std::string timestep_respacing;  // "" = no respacing
  DdpmVariance variance = DdpmVariance::learned_range;
  DdpmPrediction prediction = DdpmPrediction::epsilon;
  // Sampling clamps the predicted x0 to [-1, 1] (guided-diffusion's clip_denoised,
  // right for pixels; latents are not bounded, so DiT samples without it).
  bool clip_denoised = false;
};

// model(x_t, t): t holds ORIGINAL timesteps (int64) even when respaced; returns the
// prediction [N, C, ...], or [N, 2C, ...] = [prediction, v_var] for learned_range.
using DdpmModel = std::function<torch::Tensor(const torch::Tensor& x, const torch::Tensor& t)>;

// Noise for one sampling step, shaped like x (called once per step, the last too).
using DdpmStepNoise = std::function<torch::Tensor(const torch::Tensor& x)>;

struct DdpmMeanVariance {
  torch::Tensor mean, variance, log_variance, pred_xstart;
};

struct DdpmLosses {
  torch::Tensor mse, vb, loss;  // [N] each; loss = mse + vb (vb undefined unless learned)
};

class GaussianDiffusion {
 public:
  explicit GaussianDiffusion(const DdpmConfig& config);

  int64_t num_timesteps() const { return static_cast<int64_t>(timestep_map_.size()); }
  // Respaced index -> original timestep.
  const std::vector<int64_t>& timestep_map() const { return timestep_map_; }
  // alpha-bar at each respaced index, float64 [num_timesteps()].
  const torch::Tensor& alphas_cumprod() const { return alphas_cumprod_; }

  // x_t = sqrt(abar_t) x0 + sqrt(1 - abar_t) noise; t: respaced indices [N].
  torch::Tensor q_sample(const torch::Tensor& x0, const torch::Tensor& t, const torch::Tensor& noise) const;

  // p(x_{t-1} | x_t) from a model output at respaced indices t; clip clamps the
  // predicted x0 to [-1, 1] before the posterior mean is formed.
  DdpmMeanVariance p_mean_variance(const torch::Tensor& model_output, const torch::Tensor& x,
                                   const torch::Tensor& t, bool clip = false) const;

  // Ancestral sampling from x_T = noise; every step's noise is scaled by temperature
  // (MAR) and the last step adds none. Both loops clip x0 when config.clip_denoised.
  torch::Tensor p_sample_loop(const DdpmModel& model, const torch::Tensor& noise,
                              double temperature, const DdpmStepNoise& step_noise) const;

  // DDIM sampling from x_T = noise (guided-diffusion's ddim_sample_loop): eta = 0 is the deterministic DDIM, eta = 1 has DDPM's
  // marginals (it equals p_sample_loop with fixed_small variance). Learned variances
  // are ignored. step_noise is called once per step, the last too, as the reference
  // draws it; the last step adds none. Guidance goes into `model` (e.g. lerp of the
  // conditional and unconditional eps, guidance.h's guided()).
  torch::Tensor ddim_sample_loop(const DdpmModel& model, const torch::Tensor& noise, double eta = 0,
                                 const DdpmStepNoise& step_noise = standard_normal_like) const;

  // Hybrid loss at respaced indices t: mse of the prediction (eps or v), plus for
  // learned_range the VLB term (bits per dim) computed with the prediction detached.
  DdpmLosses training_losses(const DdpmModel& model, const torch::Tensor& x0, const torch::Tensor& t,
                             const torch::Tensor& noise) const;

 private:
  torch::Tensor extract(const torch::Tensor& table, const torch::Tensor& t, const torch::Tensor& like) const;
  torch::Tensor original_timesteps(const torch::Tensor& t) const;
  // eps = (sqrt(1 / abar) x_t - x0) / sqrt(1 / abar - 1), the inverse of pred_xstart.
  torch::Tensor predict_eps_from_xstart(const torch::Tensor& x_t, const torch::Tensor& t,
                                        const torch::Tensor& pred_xstart) const;
  // q(x_{t-1} | x_t, x0): mean, variance, clipped log variance.
  DdpmMeanVariance q_posterior(const torch::Tensor& x0, const torch::Tensor& x_t, const torch::Tensor& t) const;

  // x0 from the network's prediction channels.
  torch::Tensor predict_xstart(const torch::Tensor& prediction, const torch::Tensor& x_t, const torch::Tensor& t) const;

  DdpmVariance variance_;
  DdpmPrediction prediction_;
  bool clip_denoised_;
  std::vector<int64_t> timestep_map_;
  torch::Tensor betas_, alphas_cumprod_, alphas_cumprod_prev_, sqrt_alphas_cumprod_, sqrt_one_minus_alphas_cumprod_,
      sqrt_recip_alphas_cumprod_, sqrt_recipm1_alphas_cumprod_, posterior_variance_,
      posterior_log_variance_clipped_, posterior_mean_coef1_, posterior_mean_coef2_,
      log_betas_, fixed_large_variance_, fixed_large_log_variance_;
};

}  // namespace dact::models
