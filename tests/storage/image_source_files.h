#pragma once
// The image sources and Pillow references of make_image_sources.py, written once per
// test process into a temporary folder (header-only: the suite builds *_test.cpp
// files only). Pillow runs under /usr/bin/python3 (Debian's python3-pil, installed by
// tools/install_deps.sh): the references are Pillow's own outputs, not ours.
#include <torch/torch.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <string>

#include "tests/support/temp_dir.h"
#include "tests/support/test_paths.h"

namespace dact::storage::testing {

inline const std::string& image_sources_dir() {
  static const dact::testing::TempDir dir("dact-image-sources");
  static const bool written = [] {
    const std::string command = "/usr/bin/python3 '" + dact::testing::source_dir() +
                                "/tests/storage/make_image_sources.py' '" + dir.path() + "'";
    if (std::system(command.c_str()) != 0) throw std::runtime_error("failed: " + command);
    return true;
  }();
  (void)written;
  return dir.path();
}

// A raw uint8 file of `count` HWC images of size x size -> uint8 [count, 3, size, size].
inline torch::Tensor read_hwc_images(const std::string& path, int64_t size) {
  std::ifstream file(path, std::ios::binary);
  const std::string bytes{std::istreambuf_iterator<char>(file), std::istreambuf_iterator<char>()};
  const int64_t image_bytes = size * size * 3;
  if (bytes.empty() || static_cast<int64_t>(bytes.size()) % image_bytes != 0) {
    throw std::runtime_error("unexpected size of " + path);
  }
  const int64_t count = static_cast<int64_t>(bytes.size()) / image_bytes;
  return torch::from_blob(const_cast<char*>(bytes.data()), {count, size, size, 3}, torch::kUInt8)
      .permute({0, 3, 1, 2})
      .contiguous();
}

inline int64_t max_abs_difference(const torch::Tensor& a, const torch::Tensor& b) {
  if (a.sizes() != b.sizes()) return 1 << 30;
  return (a.to(torch::kInt32) - b.to(torch::kInt32)).abs().max().item<int64_t>();
}

// Every entry of `dir` (e.g. staging directories a failed conversion left behind).
inline int64_t entry_count(const std::string& dir) {
  return std::distance(std::filesystem::directory_iterator(dir),
                       std::filesystem::directory_iterator());
}

}  // namespace dact::storage::testing
