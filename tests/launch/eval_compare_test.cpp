// `dact eval compare` on metrics_reference.h5 (A generated, B reference).
#include <gtest/gtest.h>

#include <cmath>
#include <nlohmann/json.hpp>
#include <string>

#include "storage/h5_tensor_io.h"
#include "tests/support/run_dact_command.h"
#include "tests/support/test_paths.h"

namespace dact::launch {
namespace {

std::string reference_file() { return dact::testing::reference_file("metrics_reference.h5"); }

nlohmann::json expected_metrics() {
  const H5::H5File file = storage::open_h5_for_reading(reference_file());
  return nlohmann::json::parse(storage::read_h5_string_attribute(file, "expected"));
}

TEST(EvalCompareCommand, FullSetMetricsMatchReference) {
  const std::string file = reference_file();
  const auto result = dact::testing::run_dact_command(
      "eval compare --gen '" + file + ":A' --ref '" + file +
      ":B' --kid-subsets 1 --kid-subset-size 2000 --k 3");
  ASSERT_EQ(result.exit_code, 0) << result.output;
  const auto printed = nlohmann::json::parse(result.output);
  const auto expected = expected_metrics();
  const double fd = expected.at("fd"), mmd2 = expected.at("mmd2_unbiased_full");
  EXPECT_NEAR(printed.at("fd").get<double>(), fd, 1e-9 * fd);
  EXPECT_NEAR(printed.at("kid_mean").get<double>(), mmd2, 1e-9 * mmd2);
  EXPECT_EQ(printed.at("kid_std").get<double>(), 0.0);
  EXPECT_EQ(printed.at("precision").get<double>(), expected.at("precision_gen_A_real_B").get<double>());
  EXPECT_EQ(printed.at("recall").get<double>(), expected.at("recall_gen_A_real_B").get<double>());
}

TEST(EvalCompareCommand, MismatchedFeatureDimensionIsAClearError) {
  const std::string file = reference_file();
  const auto result = dact::testing::run_dact_command(
      "eval compare --gen '" + file + ":A' --ref '" + file + ":logits'", true);
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_NE(result.output.find("dact: error: feature dimensions differ"), std::string::npos)
      << result.output;
}

TEST(EvalCompareCommand, MissingDatasetNamesFileAndDataset) {
  const std::string file = reference_file();
  const auto result = dact::testing::run_dact_command(
      "eval compare --gen '" + file + ":A' --ref '" + file + ":no_such'", true);
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_NE(result.output.find("no_such"), std::string::npos) << result.output;
  EXPECT_NE(result.output.find("metrics_reference.h5"), std::string::npos) << result.output;
}

}  // namespace
}  // namespace dact::launch
