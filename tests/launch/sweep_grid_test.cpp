// The grid of `dact ema sweep`: --stds LOW:HIGH:COUNT and --guidance lists, and the
// errors a malformed one gets.
#include "launch/sweep/sweep_grid.h"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>

namespace {

using dact::launch::parse_guidance_list;
using dact::launch::parse_std_range;

std::string error_of(const std::string& stds) {
  try {
    parse_std_range(stds);
  } catch (const std::invalid_argument& error) {
    return error.what();
  }
  return "";
}

TEST(SweepGrid, StdRangeIsEvenlySpacedWithBothEnds) {
  const std::vector<double> stds = parse_std_range("0.01:0.20:20");
  ASSERT_EQ(stds.size(), 20u);
  EXPECT_EQ(stds.front(), 0.01);
  EXPECT_EQ(stds.back(), 0.20);
  for (size_t i = 0; i < stds.size(); ++i) EXPECT_NEAR(stds[i], 0.01 * static_cast<double>(i + 1), 1e-15);
  EXPECT_EQ(parse_std_range("0.1:0.1:1"), std::vector<double>{0.1});
  EXPECT_EQ(parse_std_range("0.02:0.18:5")[3], 0.14);  // as typed, not 0.13999999999999999
}

TEST(SweepGrid, BadStdStringsGetErrorsSayingWhatIsWrong) {
  EXPECT_NE(error_of("0.01:0.2").find("expected LOW:HIGH:COUNT"), std::string::npos) << error_of("0.01:0.2");
  EXPECT_NE(error_of("0.01,0.2,3").find("expected LOW:HIGH:COUNT"), std::string::npos);
  EXPECT_NE(error_of("abc:0.2:3").find("LOW 'abc' is not a number"), std::string::npos) << error_of("abc:0.2:3");
  EXPECT_NE(error_of("0.01::3").find("HIGH '' is not a number"), std::string::npos);
  EXPECT_NE(error_of("0.01:0.2:2.5").find("COUNT '2.5' is not a whole number >= 1"), std::string::npos);
  EXPECT_NE(error_of("0.01:0.2:0").find("COUNT '0'"), std::string::npos);
  EXPECT_NE(error_of("0.2:0.01:3").find("HIGH is below LOW"), std::string::npos);
  EXPECT_NE(error_of("0.01:0.2:1").find("COUNT 1 needs LOW == HIGH"), std::string::npos);
  EXPECT_NE(error_of("0:0.2:3").find("std 0 has no power-function EMA profile"), std::string::npos) << error_of("0:0.2:3");
  EXPECT_NE(error_of("0.1:0.5:3").find("std 0.5 has no power-function EMA profile"), std::string::npos)
      << error_of("0.1:0.5:3");
  EXPECT_NE(error_of("0.1:0.1004:3").find("stds closer than 0.001"), std::string::npos);
  for (const char* bad : {"0.01:0.2", "abc:0.2:3", "0.2:0.01:3"}) {
    EXPECT_EQ(error_of(bad).rfind("--stds '", 0), 0u) << "the error names the option: " << error_of(bad);
  }
}

TEST(SweepGrid, GuidanceListAndItsErrors) {
  EXPECT_EQ(parse_guidance_list("1.0,1.2,1.4"), (std::vector<double>{1.0, 1.2, 1.4}));
  EXPECT_EQ(parse_guidance_list("1"), std::vector<double>{1.0});
  EXPECT_THROW(parse_guidance_list(""), std::invalid_argument);
  EXPECT_THROW(parse_guidance_list("1,,2"), std::invalid_argument);
  EXPECT_THROW(parse_guidance_list("1,x"), std::invalid_argument);
  EXPECT_THROW(parse_guidance_list("-1"), std::invalid_argument);
  EXPECT_THROW(parse_guidance_list("1,1.0"), std::invalid_argument);
}

}  // namespace
