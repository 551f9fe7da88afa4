#pragma once
// Test helpers: ../shared/reference/edm2_math.json (NVlabs/edm2 outputs) and a
// relative-error assertion.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include "tests/support/test_paths.h"

namespace dact::testing {

inline nlohmann::json edm2_math() {
  const std::string path = dact::testing::reference_file("edm2_math.json");
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot open " + path);
  return nlohmann::json::parse(in);
}

inline void expect_relative(double actual, double expected, double tolerance) {
  EXPECT_LE(std::abs(actual - expected), tolerance * std::abs(expected))
      << "actual " << actual << " expected " << expected;
}

}  // namespace dact::testing
