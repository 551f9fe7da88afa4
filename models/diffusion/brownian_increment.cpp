#include "models/diffusion/brownian_increment.h"

#include <cmath>
#include <utility>

namespace dact::models {

BrownianSource brownian_increments(NoiseSource randn) {
  return [randn = std::move(randn)](const torch::Tensor& like, double dt) {
    // The Cholesky factor of the covariance: Var dZ = dt^3 (1/4 + 1/12) = dt^3 / 3,
    // Cov(dW, dZ) = dt^2 / 2.
    const auto z1 = randn(like), z2 = randn(like);
    const double sqrt_dt = std::sqrt(dt);
    return BrownianIncrement{sqrt_dt * z1, dt * sqrt_dt * (0.5 * z1 + z2 / (2 * std::sqrt(3.0)))};
  };
}

}  // namespace dact::models
