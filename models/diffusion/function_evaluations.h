#pragma once
// Network evaluations per image of one sampling run (NFE, as papers count them: a
// guided evaluation of main and guide counts 2), where the settings alone fix it.
// Metrics lines record it beside the sampler and steps (workers/evaluator/evaluation_setting.h).
#include <cstdint>
#include <optional>

#include "models/diffusion/guidance.h"

namespace dact::models {

// EDM's Heun (Algorithm 1): 2 per step but 1 on the last, where t_N = 0: 2 N - 1.
int64_t heun_edm_evaluations(int64_t steps);
// Heun on a flow (flow_sampler.h): 2 per step, the last included (t = 0 is regular).
int64_t heun_flow_evaluations(int64_t steps);

// `unguided` with the guide's evaluations added: doubled when the weight is the same
// (!= 1) at every step; unknown (nullopt) when a ramp or an interval guides some steps
// and not others, as the count then depends on the noise levels the sampler visits.
std::optional<int64_t> with_guide_evaluations(int64_t unguided, const GuidanceSchedule& guidance);

}  // namespace dact::models
