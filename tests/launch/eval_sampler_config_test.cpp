// The eval section's sampler controls and autoguidance keys: they reach the
// evaluation config (the guide snapshot as an absolute path, so evaluators started
// elsewhere find it), and bad values are refused naming the section and control.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "config/config_error.h"
#include "launch/config/run_config.h"
#include "tests/support/temp_dir.h"

namespace dact::launch {
namespace {

using nlohmann::json;

json with_eval(const json& eval) {
  return {{"model", {{"arch", "edm2-precond"}, {"preset", "edm2-fashion-tiny"}}}, {"eval", eval}};
}

std::string eval_error_of(const json& document) {
  try {
    parse_run_config(document);
  } catch (const config::ConfigError& e) {
    return e.what();
  }
  return "";
}

TEST(EvalSamplerConfig, ControlsAndGuideReachTheEvaluationConfig) {
  const dact::testing::TempDir dir("dact-eval-sampler-config");
  std::ofstream(dir / "guide.h5") << "a snapshot";
  const RunConfig config = parse_run_config(with_eval({{"sampler", "sed"}, {"rho", 5}, {"churn", 2},
                                                       {"s_max", 10}, {"guide_snapshot", dir / "guide.h5"},
                                                       {"guide_std", 0.045}}));
  EXPECT_EQ(config.eval.sampler, "sed");
  EXPECT_EQ(config.eval.edm.describe(), "--rho 5, --churn 2, --s-max 10");
  EXPECT_TRUE(std::filesystem::path(config.eval.guide_snapshot).is_absolute());
  EXPECT_EQ(config.eval.guide_std, 0.045);
  EXPECT_FALSE(parse_run_config(with_eval(json::object())).eval.edm.any());
}

TEST(EvalSamplerConfig, BadControlsAndAMissingGuideAreRefused) {
  EXPECT_NE(eval_error_of(with_eval({{"sigma_min", 2}, {"sigma_max", 1}}))
                .find("config section 'eval': sampler control --sigma-min must be below --sigma-max"),
            std::string::npos);
  EXPECT_NE(eval_error_of(with_eval({{"churn", -1}})).find("--churn must be >= 0"), std::string::npos);
  EXPECT_NE(eval_error_of(with_eval({{"guide_snapshot", "/nonexistent/guide.h5"}}))
                .find("config key 'eval.guide_snapshot': no file '/nonexistent/guide.h5'"),
            std::string::npos);
  EXPECT_NE(eval_error_of(with_eval({{"rh0", 5}})).find("eval.rh0"), std::string::npos);
}

}  // namespace
}  // namespace dact::launch
