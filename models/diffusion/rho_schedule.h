#pragma once
// EDM's noise levels (Karras et al. 2022, Eq. 5) as a function of schedule time:
//   sigma(u) = (A + u B)^rho,  A = sigma_max^(1/rho),  B = sigma_min^(1/rho) - A,
// with u in [0, 1]; step i of N sits at u = i / (N - 1), and a last step goes to 0.
// The SDE samplers integrate in u (as the second-order SED solver does), so its
// derivatives and inverse are here too.
#include <torch/torch.h>

#include <cstdint>

namespace dact::models {

struct RhoSchedule {
  int64_t num_steps = 32;
  double sigma_min = 0.002;
  double sigma_max = 80;
  double rho = 7;

  double sigma_at(double u) const;           // sigma(u)
  double dsigma_du(double u) const;          // rho B (A + u B)^(rho - 1)
  double d2sigma_du2(double u) const;        // rho (rho - 1) B^2 (A + u B)^(rho - 2)
  double u_at(double sigma) const;           // the inverse: (sigma^(1/rho) - A) / B
  double step_du() const { return 1.0 / static_cast<double>(num_steps - 1); }
};

// Noise levels t_0 > ... > t_{N-1} of EDM Eq. 5, then t_N = 0: [num_steps + 1], float64.
torch::Tensor edm_sigma_steps(const RhoSchedule& schedule);

// Where sigma lies on the rho-schedule: 0 at sigma_max, 1 at sigma_min (step i of N
// has progress i / (N - 1)); used by guidance schedules.
double edm_progress(const RhoSchedule& schedule, double sigma);

}  // namespace dact::models
