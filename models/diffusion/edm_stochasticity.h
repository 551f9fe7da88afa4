#pragma once
// EDM's stochasticity controls (Karras et al. 2022, Algorithm 2): how much noise a
// sampler adds, and at which noise levels.
#include <limits>

namespace dact::models {

struct EdmStochasticity {
  double S_churn = 0;  // strength; 0 = deterministic
  double S_min = 0;    // noise is added only at steps with S_min <= sigma <= S_max
  double S_max = std::numeric_limits<double>::infinity();
  double S_noise = 1;  // inflation of the added noise's std

  bool adds_noise_at(double sigma) const { return S_churn > 0 && S_min <= sigma && sigma <= S_max; }
};

}  // namespace dact::models
