// The NFE that metrics lines record is what the samplers evaluate: counted on a
// denoiser that counts its calls.
#include <gtest/gtest.h>

#include "models/diffusion/flow_sampler.h"
#include "models/diffusion/function_evaluations.h"
#include "models/diffusion/sampler_edm.h"
#include "models/family.h"

namespace dact::models {
namespace {

TEST(FunctionEvaluations, HeunAndEulerCountWhatTheSamplersEvaluate) {
  const torch::Tensor noise = torch::randn({2, 1, 4, 4});
  for (int64_t steps : {1, 2, 7}) {
    int64_t calls = 0;
    const Denoiser counting_denoiser = [&calls](const torch::Tensor& x, double) {
      ++calls;
      return x * 0.5;
    };
    EdmSamplerOptions edm;
    edm.num_steps = steps;
    edm_sample(counting_denoiser, noise, edm);
    EXPECT_EQ(calls, heun_edm_evaluations(steps)) << steps;
    calls = 0;
    edm.heun = false;
    edm_sample(counting_denoiser, noise, edm);
    EXPECT_EQ(calls, steps);

    calls = 0;
    FlowSamplerOptions flow;
    flow.num_steps = steps;
    flow.solver = FlowSolver::heun;
    flow_sample(counting_denoiser, noise, flow);
    EXPECT_EQ(calls, heun_flow_evaluations(steps)) << steps;
  }
}

TEST(FunctionEvaluations, GuidanceDoublesOnlyWhenItGuidesEveryStep) {
  GuidanceSchedule guidance;
  EXPECT_EQ(with_guide_evaluations(10, guidance), 10);
  guidance.weight = 2;
  EXPECT_EQ(with_guide_evaluations(10, guidance), 20);
  guidance.interval_high = 1;
  EXPECT_EQ(with_guide_evaluations(10, guidance), std::nullopt);
  guidance.interval_high = std::numeric_limits<double>::infinity();
  guidance.ramp = GuidanceRamp::linear;
  EXPECT_EQ(with_guide_evaluations(10, guidance), std::nullopt);
}

TEST(FunctionEvaluations, FamiliesCountTheirSamplers) {
  const auto edm2 = parse_model_spec({{"arch", "edm2-precond"}, {"img_resolution", 8}, {"img_channels", 2},
                                      {"label_dim", 3}, {"model_channels", 8}, {"channel_mult", {1}},
                                      {"num_blocks", 1}, {"attn_resolutions", nlohmann::json::array()}},
                                     "model");
  SamplingOptions options;
  options.steps = 32;
  EXPECT_EQ(edm2->function_evaluations(options), 63);  // heun, the default
  options.sampler = "sed";
  EXPECT_EQ(edm2->function_evaluations(options), std::nullopt);
  const auto ddpm = parse_model_spec({{"arch", "dit-ddpm"}, {"input_size", 8}, {"patch_size", 4}, {"in_channels", 2},
                                      {"hidden_size", 16}, {"depth", 1}, {"num_heads", 2}, {"num_classes", 3},
                                      {"class_dropout_prob", 0.1}},
                                     "model");
  options.sampler = "ddim";
  options.guidance.weight = 4;
  EXPECT_EQ(ddpm->function_evaluations(options), 64);
}

}  // namespace
}  // namespace dact::models
