#pragma once
// Helpers for the shard dataset tests (header-only: the suite builds *_test.cpp
// files only): a temporary directory that cleans up after itself (tests/support), and
// writers for the source formats (gzipped IDX, PNG) built from tensors.
#include <png.h>
#include <torch/torch.h>
#include <zlib.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "tests/support/temp_dir.h"

namespace dact::storage::testing {

using TempDir = dact::testing::TempDir;

// uint8 tensor (any dims) -> gzipped IDX file with those dims (big-endian header).
inline void write_idx_gz(const std::string& path, const torch::Tensor& data) {
  std::vector<unsigned char> header = {0, 0, 0x08, static_cast<unsigned char>(data.dim())};
  for (int64_t dim : data.sizes()) {
    for (int shift : {24, 16, 8, 0}) header.push_back(static_cast<unsigned char>(dim >> shift));
  }
  const torch::Tensor bytes = data.to(torch::kUInt8).contiguous();
  gzFile file = gzopen(path.c_str(), "wb");
  if (file == nullptr) throw std::runtime_error("cannot write " + path);
  gzwrite(file, header.data(), static_cast<unsigned>(header.size()));
  gzwrite(file, bytes.data_ptr(), static_cast<unsigned>(bytes.numel()));
  gzclose(file);
}

// uint8 [3, H, W] -> 8-bit RGB PNG.
inline void write_png_rgb(const std::string& path, const torch::Tensor& image) {
  const torch::Tensor pixels = image.permute({1, 2, 0}).contiguous();
  png_image png;
  std::memset(&png, 0, sizeof png);
  png.version = PNG_IMAGE_VERSION;
  png.width = static_cast<png_uint_32>(image.size(2));
  png.height = static_cast<png_uint_32>(image.size(1));
  png.format = PNG_FORMAT_RGB;
  if (!png_image_write_to_file(&png, path.c_str(), 0, pixels.data_ptr(), 0, nullptr)) {
    throw std::runtime_error("cannot write " + path);
  }
}

// XOR one byte of a file with 0xff, in place.
inline void flip_byte(const std::string& path, int64_t offset_bytes) {
  std::fstream file(path, std::ios::in | std::ios::out | std::ios::binary);
  file.seekg(offset_bytes);
  char byte = 0;
  file.read(&byte, 1);
  byte = static_cast<char>(byte ^ 0xff);
  file.seekp(offset_bytes);
  file.write(&byte, 1);
  if (!file) throw std::runtime_error("cannot flip a byte of " + path);
}

}  // namespace dact::storage::testing
