#pragma once
// Test helpers: ../shared/reference/metrics_reference.h5 (feature sets A, B, logits,
// KID subsets) and its `expected` attribute (values of the reference Python tools).
#include <nlohmann/json.hpp>
#include <string>

#include "storage/h5_tensor_io.h"
#include "tests/support/test_paths.h"

namespace dact::testing {

inline std::string metrics_reference_path() {
  return dact::testing::reference_file("metrics_reference.h5");
}

inline torch::Tensor metrics_reference_tensor(const std::string& name) {
  const H5::H5File file = storage::open_h5_for_reading(metrics_reference_path());
  return storage::read_h5_tensor(file, name);
}

inline nlohmann::json metrics_reference_expected() {
  const H5::H5File file = storage::open_h5_for_reading(metrics_reference_path());
  return nlohmann::json::parse(storage::read_h5_string_attribute(file, "expected"));
}

}  // namespace dact::testing
