#pragma once
// The controls of EDM's samplers a user may set (`dact sample --rho ...`, `eval.rho`):
// the rho-schedule (Karras et al. 2022, Eq. 5) and the stochasticity of Algorithm 2.
// Unset ones take the sampler's defaults (edm_family_sampling.h). Torch-free, so
// evaluation jobs carry them as they are.
#include <optional>
#include <string>
#include <vector>

namespace dact::models {

struct EdmSamplerControls {
  std::optional<double> rho, sigma_min, sigma_max;
  std::optional<double> S_churn, S_min, S_max, S_noise;
  // A learned schedule's noise levels, largest first (`--schedule FILE`,
  // learned_schedule.h): they replace the rho-schedule, so rho and the sigma range
  // are not set with them; empty = none.
  std::vector<double> sigmas;

  bool any() const;
  // The set ones by their command-line names and values ("--rho 5, --churn 0").
  std::string describe() const;
  // Throws std::invalid_argument naming the control unless rho > 0,
  // 0 < sigma_min < sigma_max, churn >= 0, s_min <= s_max and s_noise > 0 (for those set),
  // and a schedule of >= 2 strictly decreasing positive levels without rho or a range.
  void validate() const;
};

}  // namespace dact::models
