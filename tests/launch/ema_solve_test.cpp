// `dact ema solve` against NVlabs/edm2 solve_posthoc_coefficients (edm2_math.json).
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "tests/support/run_dact_command.h"
#include "tests/support/test_paths.h"

namespace dact::launch {
namespace {

std::string join(const nlohmann::json& values) {
  std::string out;
  for (const auto& value : values) {
    char text[32];
    std::snprintf(text, sizeof(text), "%.17g", value.get<double>());
    out += (out.empty() ? "" : ",") + std::string(text);
  }
  return out;
}

TEST(EmaSolveCommand, PrintsReferenceCoefficients) {
  std::ifstream in(dact::testing::reference_file("edm2_math.json"));
  ASSERT_TRUE(in);
  const auto reference = nlohmann::json::parse(in).at("solve_posthoc_coefficients");
  ASSERT_FALSE(reference.empty());
  for (const auto& entry : reference) {
    const std::string arguments =
        "ema solve --in-nimg " + join(entry.at("in_nimg")) + " --in-std " +
        join(entry.at("in_std")) + " --out-nimg " + join({entry.at("out_nimg")}) +
        " --out-std " + join(entry.at("out_std"));
    const auto result = dact::testing::run_dact_command(arguments);
    ASSERT_EQ(result.exit_code, 0) << arguments << "\n" << result.output;
    const auto printed = nlohmann::json::parse(result.output).at("coefficients");
    const auto expected = entry.at("coefficients").get<std::vector<std::vector<double>>>();
    ASSERT_EQ(printed.size(), expected.size());
    for (size_t i = 0; i < expected.size(); ++i) {
      ASSERT_EQ(printed[i].size(), expected[i].size());
      for (size_t k = 0; k < expected[i].size(); ++k) {
        // 1e-9 relative, with an absolute floor of 1e-14 for rounding noise of exact zeros.
        EXPECT_NEAR(printed[i][k].get<double>(), expected[i][k],
                    1e-9 * std::abs(expected[i][k]) + 1e-14)
            << "snapshot " << i << ", output " << k;
      }
    }
  }
}

TEST(EmaSolveCommand, MismatchedListsFailWithAClearError) {
  const auto result = dact::testing::run_dact_command(
      "ema solve --in-nimg 1000,2000 --in-std 0.05 --out-nimg 2000 --out-std 0.1", true);
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_NE(result.output.find("dact: error: post-hoc EMA"), std::string::npos) << result.output;
}

}  // namespace
}  // namespace dact::launch
