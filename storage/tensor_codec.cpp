#include "storage/tensor_codec.h"

#include <cstring>
#include <stdexcept>

namespace dact::storage {
namespace {

// Dtype codes on the wire; fixed numbers, independent of LibTorch's enum.
constexpr std::pair<torch::Dtype, uint8_t> kDtypeCodes[] = {
    {torch::kFloat32, 1}, {torch::kFloat64, 2}, {torch::kFloat16, 3}, {torch::kBFloat16, 4},
    {torch::kInt64, 5},   {torch::kInt32, 6},   {torch::kUInt8, 7},   {torch::kBool, 8},
    {torch::kInt8, 9},    {torch::kInt16, 10}};

uint8_t code_of(torch::Dtype dtype) {
  for (const auto& [known, code] : kDtypeCodes) {
    if (known == dtype) return code;
  }
  throw std::invalid_argument("tensor codec: unsupported dtype " + std::string(c10::toString(dtype)));
}

torch::Dtype dtype_of(uint8_t code) {
  for (const auto& [dtype, known] : kDtypeCodes) {
    if (known == code) return dtype;
  }
  throw std::invalid_argument("tensor codec: unknown dtype code " + std::to_string(code));
}

size_t data_bytes(const torch::Tensor& tensor) { return tensor.numel() * tensor.element_size(); }

class Cursor {
 public:
  Cursor(const std::byte* data, size_t size) : data_(data), size_(size) {}
  template <class T>
  T read() {
    T value;
    std::memcpy(&value, take(sizeof(T)), sizeof(T));
    return value;
  }
  const std::byte* take(size_t count) {
    if (count > size_ - offset_) {
      throw std::invalid_argument("tensor codec: buffer of " + std::to_string(size_) +
                                  " bytes ends early at offset " + std::to_string(offset_));
    }
    const std::byte* at = data_ + offset_;
    offset_ += count;
    return at;
  }
  bool at_end() const { return offset_ == size_; }

 private:
  const std::byte* data_;
  size_t size_;
  size_t offset_ = 0;
};

}  // namespace

size_t encoded_tensors_size(const NamedTensorMap& tensors) {
  size_t size = sizeof(uint32_t);
  for (const auto& [name, tensor] : tensors) {
    size += sizeof(uint32_t) + name.size() + 2 + sizeof(int64_t) * tensor.dim() + sizeof(uint64_t) +
            data_bytes(tensor);
  }
  return size;
}

void encode_tensors(const NamedTensorMap& tensors, std::byte* out) {
  auto put = [&out](const void* data, size_t size) {
    std::memcpy(out, data, size);
    out += size;
  };
  const uint32_t count = static_cast<uint32_t>(tensors.size());
  put(&count, sizeof count);
  for (const auto& [name, tensor] : tensors) {
    const torch::Tensor data = tensor.detach().to(torch::kCPU).contiguous();
    const uint32_t name_length = static_cast<uint32_t>(name.size());
    const uint8_t code = code_of(data.scalar_type());
    const uint8_t ndim = static_cast<uint8_t>(data.dim());
    const uint64_t size = data_bytes(data);
    put(&name_length, sizeof name_length);
    put(name.data(), name.size());
    put(&code, 1);
    put(&ndim, 1);
    for (int64_t dim : data.sizes()) put(&dim, sizeof dim);
    put(&size, sizeof size);
    put(data.data_ptr(), size);
  }
}

NamedTensorMap decode_tensors(const std::byte* data, size_t size_bytes) {
  Cursor cursor(data, size_bytes);
  NamedTensorMap tensors;
  const uint32_t count = cursor.read<uint32_t>();
  for (uint32_t i = 0; i < count; ++i) {
    const uint32_t name_length = cursor.read<uint32_t>();
    const std::byte* name_bytes = cursor.take(name_length);
    std::string name(reinterpret_cast<const char*>(name_bytes), name_length);
    const torch::Dtype dtype = dtype_of(cursor.read<uint8_t>());
    std::vector<int64_t> sizes(cursor.read<uint8_t>());
    for (int64_t& dim : sizes) {
      dim = cursor.read<int64_t>();
      if (dim < 0) throw std::invalid_argument("tensor codec: negative dimension in '" + name + "'");
    }
    torch::Tensor tensor = torch::empty(sizes, torch::TensorOptions().dtype(dtype));
    const uint64_t size = cursor.read<uint64_t>();
    if (size != data_bytes(tensor)) {
      throw std::invalid_argument("tensor codec: '" + name + "' declares " + std::to_string(size) +
                                  " data bytes, its shape needs " + std::to_string(data_bytes(tensor)));
    }
    std::memcpy(tensor.data_ptr(), cursor.take(size), size);
    tensors.emplace(std::move(name), std::move(tensor));
  }
  if (!cursor.at_end()) throw std::invalid_argument("tensor codec: trailing bytes after the last tensor");
  return tensors;
}

}  // namespace dact::storage
