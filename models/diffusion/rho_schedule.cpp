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

double RhoSchedule::sigma_at(double u) const {
  const auto [A, B] = endpoints(*this);
  return std::pow(A + u * B, rho);
}

double RhoSchedule::dsigma_du(double u) const {
  const auto [A, B] = endpoints(*this);
  return rho * B * std::pow(A + u * B, rho - 1);
}

double RhoSchedule::d2sigma_du2(double u) const {
  const auto [A, B] = endpoints(*this);
  return rho * (rho - 1) * B * B * std::pow(A + u * B, rho - 2);
}

double RhoSchedule::u_at(double sigma) const {
  const auto [A, B] = endpoints(*this);
  return (std::pow(sigma, 1 / rho) - A) / B;
}

torch::Tensor edm_sigma_steps(const RhoSchedule& o) {
  // EDM Eq. 5: (sigma_max^(1/rho) + i/(N-1) (sigma_min^(1/rho) - sigma_max^(1/rho)))^rho.
  const auto i = torch::arange(o.num_steps, torch::kFloat64);
  const double a = std::pow(o.sigma_max, 1 / o.rho), b = std::pow(o.sigma_min, 1 / o.rho);
  const auto steps = torch::pow(a + i / (o.num_steps - 1) * (b - a), o.rho);
  return torch::cat({steps, torch::zeros({1}, torch::kFloat64)});
}

double edm_progress(const RhoSchedule& o, double sigma) {
  return std::clamp(o.u_at(sigma), 0.0, 1.0);
}

}  // namespace dact::models
