#pragma once
// Two tensor files (checkpoints, EMA states, snapshots) hold the same tensors, bit for bit.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <string>

#include "storage/tensor_file.h"

namespace dact::testing {

inline void expect_same_tensor_files(const std::string& a_path, const std::string& b_path) {
  const storage::TensorFile a = storage::read_tensor_file(a_path);
  const storage::TensorFile b = storage::read_tensor_file(b_path);
  ASSERT_EQ(a.tensors.size(), b.tensors.size()) << a_path << " and " << b_path;
  for (const auto& [name, tensor] : a.tensors) {
    ASSERT_TRUE(b.tensors.count(name)) << name << " is missing in " << b_path;
    EXPECT_TRUE(torch::equal(tensor, b.tensors.at(name))) << name << " differs between " << a_path << " and " << b_path;
  }
}

}  // namespace dact::testing
