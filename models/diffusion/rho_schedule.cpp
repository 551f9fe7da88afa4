#include "models/diffusion/rho_schedule.h"

#include <algorithm>
#include <cmath>

namespace dact::models {
namespace {

struct Endpoints {
  double A, B;
};
Endpoints endpoints(const RhoSchedule& s) {
  const double A = std::pow(s.sigma_max, 1 / s.rho);
  return {A, std::pow(s.sigma_min, 1 / s.rho) - A};
}

}  // namespace

double RhoSchedule::u_at(double sigma) const {
  const auto [A, B] = endpoints(*this);
  return (std::pow(sigma, 1 / rho) - A) / B;
}

double RhoSchedule::dsigma_du_at_sigma(double sigma) const {
  const auto [A, B] = endpoints(*this);
  return rho * B * std::pow(sigma, (rho - 1) / rho);
}

torch::Tensor edm_sigma_steps(const RhoSchedule& o) {
  // EDM Eq. 5: (sigma_max^(1/rho) + i/(N-1) (sigma_min^(1/rho) - sigma_max^(1/rho)))^rho.
  const auto i = torch::arange(o.num_steps, torch::kFloat64);
  const double a = std::pow(o.sigma_max, 1 / o.rho), b = std::pow(o.sigma_min, 1 / o.rho);
  const auto steps = torch::pow(a + i / (o.num_steps - 1) * (b - a), o.rho);
  return torch::cat({steps, torch::zeros({1}, torch::kFloat64)});
}

torch::Tensor SamplerNoiseLevels::steps() const {
  const auto levels = sigmas.empty() ? edm_sigma_steps(*this)
                                     : torch::cat({torch::tensor(sigmas, torch::kFloat64), torch::zeros({1}, torch::kFloat64)});
  TORCH_CHECK(levels.size(0) == num_steps + 1, sigmas.size(), " noise levels for ", num_steps, " sampler steps");
  return levels;
}

double edm_progress(const RhoSchedule& o, double sigma) {
  return std::clamp(o.u_at(sigma), 0.0, 1.0);
}

}  // namespace dact::models
