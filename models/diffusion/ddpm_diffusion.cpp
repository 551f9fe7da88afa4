#include "models/diffusion/ddpm_diffusion.h"

#include <algorithm>
#include <cmath>
#include <set>
#include <sstream>
#include <stdexcept>

namespace dact::models {
namespace {

const double kPi = 3.14159265358979323846;

torch::Tensor table(const std::vector<double>& values) {
  return torch::tensor(values, torch::kFloat64);
}

// Mean over all non-batch dimensions.
torch::Tensor mean_flat(const torch::Tensor& x) { return x.flatten(1).mean(1); }

// KL(N(mean1, e^logvar1) || N(mean2, e^logvar2)) elementwise, in nats.
torch::Tensor normal_kl(const torch::Tensor& mean1, const torch::Tensor& logvar1,
                        const torch::Tensor& mean2, const torch::Tensor& logvar2) {
  return 0.5 * (-1.0 + logvar2 - logvar1 + torch::exp(logvar1 - logvar2) +
                (mean1 - mean2).square() * torch::exp(-logvar2));
}

// tanh approximation of the standard normal CDF (guided-diffusion).
torch::Tensor approx_standard_normal_cdf(const torch::Tensor& x) {
  return 0.5 * (1.0 + torch::tanh(std::sqrt(2.0 / kPi) * (x + 0.044715 * x.pow(3))));
}

// log-likelihood of x (8-bit data in [-1, 1]) under a Gaussian discretized to bins
// of width 2/255, with open-ended edge bins.
torch::Tensor discretized_gaussian_log_likelihood(const torch::Tensor& x, const torch::Tensor& means,
                                                  const torch::Tensor& log_scales) {
  const auto centered = x - means;
  const auto inv_stdv = torch::exp(-log_scales);
  const auto cdf_plus = approx_standard_normal_cdf(inv_stdv * (centered + 1.0 / 255.0));
  const auto cdf_min = approx_standard_normal_cdf(inv_stdv * (centered - 1.0 / 255.0));
  const auto log_cdf_plus = torch::log(cdf_plus.clamp_min(1e-12));
  const auto log_one_minus_cdf_min = torch::log((1.0 - cdf_min).clamp_min(1e-12));
  const auto log_cdf_delta = torch::log((cdf_plus - cdf_min).clamp_min(1e-12));
  return torch::where(x < -0.999, log_cdf_plus,
                      torch::where(x > 0.999, log_one_minus_cdf_min, log_cdf_delta));
}

// DDIM's noise scale sigma_t(eta) = eta sqrt((1 - abar_prev) / (1 - abar))
// sqrt(1 - abar / abar_prev) (Song et al. 2021, Eq. 16); eta = 1 gives DDPM's
// posterior variance beta~_t.
torch::Tensor ddim_sigma(const torch::Tensor& abar, const torch::Tensor& abar_prev, double eta) {
  return eta * torch::sqrt((1 - abar_prev) / (1 - abar)) * torch::sqrt(1 - abar / abar_prev);
}

// x_{t-1} = sqrt(abar_prev) x0 + sqrt(1 - abar_prev - sigma^2) eps + sigma z
// (Song et al. 2021, Eq. 12; guided-diffusion ddim_sample).
torch::Tensor ddim_step(const torch::Tensor& pred_xstart, const torch::Tensor& eps, const torch::Tensor& abar,
                        const torch::Tensor& abar_prev, double eta, const torch::Tensor& z) {
  const auto sigma = ddim_sigma(abar, abar_prev, eta);
  return torch::sqrt(abar_prev) * pred_xstart + torch::sqrt(1 - abar_prev - sigma.square()) * eps + sigma * z;
}

}  // namespace

std::vector<double> named_beta_schedule(BetaSchedule schedule, int64_t T) {
  std::vector<double> betas(T);
  if (schedule == BetaSchedule::linear) {
    // np.linspace(scale * 1e-4, scale * 0.02, T).
    const double scale = 1000.0 / T, start = scale * 0.0001, end = scale * 0.02;
    const double step = T > 1 ? (end - start) / (T - 1) : 0.0;
    for (int64_t i = 0; i < T; ++i) betas[i] = start + i * step;
    if (T > 1) betas[T - 1] = end;
    return betas;
  }
  // betas_for_alpha_bar with alpha_bar(t) = cos((t + 0.008) / 1.008 * pi / 2)^2.
  const auto alpha_bar = [](double t) { return std::pow(std::cos((t + 0.008) / 1.008 * kPi / 2), 2); };
  for (int64_t i = 0; i < T; ++i) {
    betas[i] = std::min(1 - alpha_bar(double(i + 1) / T) / alpha_bar(double(i) / T), 0.999);
  }
  return betas;
}

std::vector<int64_t> space_timesteps(int64_t num_timesteps, const std::string& respacing) {
  std::vector<int64_t> section_counts;
  if (respacing.empty()) {
    section_counts.push_back(num_timesteps);
  } else {
    std::stringstream stream(respacing);
    std::string item;
    while (std::getline(stream, item, ',')) {
      try {
        section_counts.push_back(std::stoll(item));
      } catch (const std::exception&) {
        throw std::invalid_argument("timestep_respacing '" + respacing + "': '" + item +
                                    "' is not a step count");
      }
    }
  }
  const int64_t sections = section_counts.size();
  const int64_t size_per = num_timesteps / sections, extra = num_timesteps % sections;
  std::set<int64_t> steps;
  int64_t start = 0;
  for (int64_t i = 0; i < sections; ++i) {
    const int64_t size = size_per + (i < extra ? 1 : 0), count = section_counts[i];
    if (count < 1 || size < count) {
      throw std::invalid_argument("timestep_respacing '" + respacing + "': cannot take " +
                                  std::to_string(count) + " steps from " + std::to_string(size));
    }
    const double stride = count <= 1 ? 1.0 : double(size - 1) / double(count - 1);
    double index = 0.0;
    for (int64_t k = 0; k < count; ++k) {
      steps.insert(start + static_cast<int64_t>(std::nearbyint(index)));  // Python round: half to even
      index += stride;
    }
    start += size;
  }
  return {steps.begin(), steps.end()};
}

GaussianDiffusion::GaussianDiffusion(const DdpmConfig& config)
    : variance_(config.variance), prediction_(config.prediction), clip_denoised_(config.clip_denoised) {
  // SpacedDiffusion: keep alpha-bar at the chosen steps and rederive the betas.
  const auto base_betas = named_beta_schedule(config.schedule, config.diffusion_steps);
  const auto use = space_timesteps(config.diffusion_steps, config.timestep_respacing);
  std::vector<double> betas;
  double alpha_cumprod = 1.0, last = 1.0;
  for (int64_t i = 0; i < config.diffusion_steps; ++i) {
    alpha_cumprod *= 1.0 - base_betas[i];
    if (std::binary_search(use.begin(), use.end(), i)) {
      betas.push_back(1 - alpha_cumprod / last);
      last = alpha_cumprod;
      timestep_map_.push_back(i);
    }
  }
  const size_t T = betas.size();
  std::vector<double> abar(T), abar_prev(T), post_var(T);
  double product = 1.0;
  for (size_t i = 0; i < T; ++i) {
    abar_prev[i] = product;
    product *= 1.0 - betas[i];
    abar[i] = product;
    post_var[i] = betas[i] * (1.0 - abar_prev[i]) / (1.0 - abar[i]);
  }
  betas_ = table(betas);
  alphas_cumprod_ = table(abar);
  alphas_cumprod_prev_ = table(abar_prev);
  const auto& abar_t = alphas_cumprod_;
  const auto& abar_prev_t = alphas_cumprod_prev_;
  sqrt_alphas_cumprod_ = abar_t.sqrt();
  sqrt_one_minus_alphas_cumprod_ = (1.0 - abar_t).sqrt();
  sqrt_recip_alphas_cumprod_ = (1.0 / abar_t).sqrt();
  sqrt_recipm1_alphas_cumprod_ = (1.0 / abar_t - 1).sqrt();
  posterior_variance_ = table(post_var);
  // The posterior variance is 0 at t = 0: the log uses beta~_1 there.
  auto clipped = post_var;
  if (T > 1) clipped[0] = post_var[1];
  posterior_log_variance_clipped_ = table(clipped).log();
  posterior_mean_coef1_ = betas_ * abar_prev_t.sqrt() / (1.0 - abar_t);
  posterior_mean_coef2_ = (1.0 - abar_prev_t) * (1.0 - betas_).sqrt() / (1.0 - abar_t);
  log_betas_ = betas_.log();
  auto large = betas;
  if (T > 1) large[0] = post_var[1];
  fixed_large_variance_ = table(large);
  fixed_large_log_variance_ = fixed_large_variance_.log();
}

torch::Tensor GaussianDiffusion::extract(const torch::Tensor& values, const torch::Tensor& t,
                                         const torch::Tensor& like) const {
  std::vector<int64_t> shape(like.dim(), 1);
  shape[0] = t.size(0);
  return values.index_select(0, t.to(torch::kInt64).cpu()).to(like.options()).reshape(shape);
}

torch::Tensor GaussianDiffusion::original_timesteps(const torch::Tensor& t) const {
  return torch::tensor(timestep_map_, torch::kInt64).index_select(0, t.to(torch::kInt64).cpu()).to(t.device());
}

torch::Tensor GaussianDiffusion::predict_eps_from_xstart(const torch::Tensor& x_t, const torch::Tensor& t,
                                                         const torch::Tensor& pred_xstart) const {
  return (extract(sqrt_recip_alphas_cumprod_, t, x_t) * x_t - pred_xstart) /
         extract(sqrt_recipm1_alphas_cumprod_, t, x_t);
}

torch::Tensor GaussianDiffusion::q_sample(const torch::Tensor& x0, const torch::Tensor& t,
                                          const torch::Tensor& noise) const {
  return extract(sqrt_alphas_cumprod_, t, x0) * x0 + extract(sqrt_one_minus_alphas_cumprod_, t, x0) * noise;
}

torch::Tensor GaussianDiffusion::predict_xstart(const torch::Tensor& prediction, const torch::Tensor& x_t,
                                               const torch::Tensor& t) const {
  if (prediction_ == DdpmPrediction::velocity) {
    // x0 = sqrt(abar) x_t - sqrt(1 - abar) v.
    return extract(sqrt_alphas_cumprod_, t, x_t) * x_t - extract(sqrt_one_minus_alphas_cumprod_, t, x_t) * prediction;
  }
  // x0 = sqrt(1 / abar) x_t - sqrt(1 / abar - 1) eps.
  return extract(sqrt_recip_alphas_cumprod_, t, x_t) * x_t - extract(sqrt_recipm1_alphas_cumprod_, t, x_t) * prediction;
}

DdpmMeanVariance GaussianDiffusion::q_posterior(const torch::Tensor& x0, const torch::Tensor& x_t,
                                                const torch::Tensor& t) const {
  return {extract(posterior_mean_coef1_, t, x_t) * x0 + extract(posterior_mean_coef2_, t, x_t) * x_t,
          extract(posterior_variance_, t, x_t), extract(posterior_log_variance_clipped_, t, x_t), x0};
}

DdpmMeanVariance GaussianDiffusion::p_mean_variance(const torch::Tensor& model_output,
                                                    const torch::Tensor& x, const torch::Tensor& t, bool clip) const {
  torch::Tensor prediction = model_output, variance, log_variance;
  if (variance_ == DdpmVariance::learned_range) {
    const auto parts = model_output.split(x.size(1), 1);
    prediction = parts[0];
    // v in [-1, 1] interpolates log variance between beta~_t and beta_t (IDDPM Eq. 15).
    const auto frac = (parts[1] + 1) / 2;
    log_variance = frac * extract(log_betas_, t, x) + (1 - frac) * extract(posterior_log_variance_clipped_, t, x);
    variance = log_variance.exp();
  } else if (variance_ == DdpmVariance::fixed_small) {
    variance = extract(posterior_variance_, t, x);
    log_variance = extract(posterior_log_variance_clipped_, t, x);
  } else {
    variance = extract(fixed_large_variance_, t, x);
    log_variance = extract(fixed_large_log_variance_, t, x);
  }
  torch::Tensor pred_xstart = predict_xstart(prediction, x, t);
  if (clip) pred_xstart = pred_xstart.clamp(-1, 1);
  const auto posterior = q_posterior(pred_xstart, x, t);
  return {posterior.mean, variance, log_variance, pred_xstart};
}

torch::Tensor GaussianDiffusion::p_sample_loop(const DdpmModel& model, const torch::Tensor& noise,
                                               double temperature, const DdpmStepNoise& step_noise) const {
  torch::NoGradGuard no_grad;
  auto x = noise;
  for (int64_t i = num_timesteps() - 1; i >= 0; --i) {
    const auto t = torch::full({x.size(0)}, i, torch::TensorOptions(torch::kInt64).device(x.device()));
    const auto out = p_mean_variance(model(x, original_timesteps(t)), x, t, clip_denoised_);
    const auto z = step_noise(x);
    const double nonzero = i != 0 ? 1.0 : 0.0;
    x = out.mean + nonzero * torch::exp(0.5 * out.log_variance) * z * temperature;
  }
  return x;
}

torch::Tensor GaussianDiffusion::ddim_sample_loop(const DdpmModel& model, const torch::Tensor& noise, double eta,
                                                  const DdpmStepNoise& step_noise) const {
  torch::NoGradGuard no_grad;
  auto x = noise;
  for (int64_t i = num_timesteps() - 1; i >= 0; --i) {
    const auto t = torch::full({x.size(0)}, i, torch::TensorOptions(torch::kInt64).device(x.device()));
    const auto out = p_mean_variance(model(x, original_timesteps(t)), x, t, clip_denoised_);
    const auto eps = predict_eps_from_xstart(x, t, out.pred_xstart);
    const auto z = step_noise(x);
    x = ddim_step(out.pred_xstart, eps, extract(alphas_cumprod_, t, x), extract(alphas_cumprod_prev_, t, x), eta,
                  i != 0 ? z : torch::zeros_like(z));
  }
  return x;
}

DdpmLosses GaussianDiffusion::training_losses(const DdpmModel& model, const torch::Tensor& x0,
                                              const torch::Tensor& t, const torch::Tensor& noise) const {
  const auto x_t = q_sample(x0, t, noise);
  const auto output = model(x_t, original_timesteps(t));
  DdpmLosses losses;
  torch::Tensor prediction = output;
  if (variance_ == DdpmVariance::learned_range) {
    const auto parts = output.split(x0.size(1), 1);
    prediction = parts[0];
    // VLB term with a frozen mean: it only trains the variance (IDDPM Sec. 3.1).
    const auto frozen = torch::cat({prediction.detach(), parts[1]}, 1);
    const auto p = p_mean_variance(frozen, x_t, t);
    const auto q = q_posterior(x0, x_t, t);
    const auto kl = mean_flat(normal_kl(q.mean, q.log_variance, p.mean, p.log_variance)) / std::log(2.0);
    const auto decoder_nll =
        mean_flat(-discretized_gaussian_log_likelihood(x0, p.mean, 0.5 * p.log_variance)) / std::log(2.0);
    losses.vb = torch::where(t.to(x0.device()) == 0, decoder_nll, kl);
  }
  // v = sqrt(abar) eps - sqrt(1 - abar) x0 (Salimans & Ho 2022, Eq. 8 notation).
  const torch::Tensor target = prediction_ == DdpmPrediction::velocity
                                   ? extract(sqrt_alphas_cumprod_, t, x0) * noise -
                                         extract(sqrt_one_minus_alphas_cumprod_, t, x0) * x0
                                   : noise;
  losses.mse = mean_flat((target - prediction).square());
  losses.loss = losses.vb.defined() ? losses.mse + losses.vb : losses.mse;
  return losses;
}

}  // namespace dact::models
