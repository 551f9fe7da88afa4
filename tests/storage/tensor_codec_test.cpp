#include "storage/tensor_codec.h"

#include <gtest/gtest.h>

#include <vector>

namespace dact::storage {
namespace {

std::vector<std::byte> encode(const NamedTensorMap& tensors) {
  std::vector<std::byte> buffer(encoded_tensors_size(tensors));
  encode_tensors(tensors, buffer.data());
  return buffer;
}

TEST(TensorCodec, RoundTripsNamesDtypesShapesAndValues) {
  NamedTensorMap tensors;
  tensors["images"] = torch::randint(0, 256, {4, 1, 3, 3}).to(torch::kUInt8);
  tensors["labels"] = torch::tensor({3, 1, 4, 1}, torch::kInt64);
  tensors["w.half"] = torch::randn({2, 5}).to(torch::kFloat16);
  tensors["scalar"] = torch::tensor(1.5);
  tensors["strided"] = torch::randn({6, 4}).t();  // non-contiguous input
  const NamedTensorMap decoded = [&] {
    const std::vector<std::byte> buffer = encode(tensors);
    return decode_tensors(buffer.data(), buffer.size());  // buffer freed after this
  }();
  ASSERT_EQ(decoded.size(), tensors.size());
  for (const auto& [name, tensor] : tensors) {
    EXPECT_TRUE(torch::equal(decoded.at(name), tensor)) << name;
    EXPECT_EQ(decoded.at(name).scalar_type(), tensor.scalar_type()) << name;
  }
}

TEST(TensorCodec, RejectsTruncatedAndPaddedBuffers) {
  NamedTensorMap tensors{{"w", torch::randn({16})}};
  std::vector<std::byte> buffer = encode(tensors);
  for (size_t cut : {size_t{0}, size_t{3}, buffer.size() / 2, buffer.size() - 1}) {
    EXPECT_THROW(decode_tensors(buffer.data(), cut), std::invalid_argument) << cut;
  }
  buffer.push_back(std::byte{0});
  EXPECT_THROW(decode_tensors(buffer.data(), buffer.size()), std::invalid_argument);
}

}  // namespace
}  // namespace dact::storage
