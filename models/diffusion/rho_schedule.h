#pragma once
// EDM's noise levels (Karras et al. 2022, Eq. 5) as a function of schedule time:
//   sigma(u) = (A + u B)^rho,  A = sigma_max^(1/rho),  B = sigma_min^(1/rho) - A,
// with u in [0, 1]; step i of N sits at u = i / (N - 1), and a last step goes to 0.
#include <torch/torch.h>

#include <cstdint>
#include <vector>

namespace dact::models {

struct RhoSchedule {
  int64_t num_steps = 32;
  double sigma_min = 0.002;
  double sigma_max = 80;
  double rho = 7;

  double u_at(double sigma) const;                  // the inverse of sigma(u): (sigma^(1/rho) - A) / B
  double dsigma_du_at_sigma(double sigma) const;    // sigma'(u) where sigma(u) = sigma: rho B sigma^((rho-1)/rho)
};

// Noise levels t_0 > ... > t_{N-1} of EDM Eq. 5, then t_N = 0: [num_steps + 1], float64.
torch::Tensor edm_sigma_steps(const RhoSchedule& schedule);

// The noise levels a sampler steps through: the rho-schedule's, or given ones.
struct SamplerNoiseLevels : RhoSchedule {
  // Non-empty: these noise levels t_0 > ... > t_{N-1} (a learned schedule,
  // learned_schedule.h; N = num_steps) instead of the rho-schedule's; then t_N = 0.
  std::vector<double> sigmas;

  torch::Tensor steps() const;  // t_0 .. t_N: [num_steps + 1], float64
};

// Where sigma lies on the rho-schedule: 0 at sigma_max, 1 at sigma_min (step i of N
// has progress i / (N - 1)); used by guidance schedules.
double edm_progress(const RhoSchedule& schedule, double sigma);

}  // namespace dact::models
