#include "models/diffusion/function_evaluations.h"

#include <limits>

namespace dact::models {

int64_t heun_edm_evaluations(int64_t steps) { return 2 * steps - 1; }

int64_t heun_flow_evaluations(int64_t steps) { return 2 * steps; }

std::optional<int64_t> with_guide_evaluations(int64_t unguided, const GuidanceSchedule& guidance) {
  if (guidance.weight == 1) return unguided;
  const bool everywhere = guidance.ramp == GuidanceRamp::constant && guidance.interval_low <= 0 &&
                          guidance.interval_high == std::numeric_limits<double>::infinity();
  if (!everywhere) return std::nullopt;
  return 2 * unguided;
}

}  // namespace dact::models
