#include "storage/npy_format.h"

#include <fmt/format.h>

#include <cstring>
#include <regex>

#include "storage/storage_error.h"

namespace dact::storage {

namespace {

constexpr char kMagic[] = "\x93NUMPY";
constexpr size_t kMagicBytes = 6;

struct DtypeName {
  const char* descr;  // without the byte-order character
  torch::ScalarType type;
};
constexpr DtypeName kDtypes[] = {{"f2", torch::kFloat16}, {"f4", torch::kFloat32}, {"f8", torch::kFloat64},
                                 {"i4", torch::kInt32},   {"i8", torch::kInt64},   {"u1", torch::kUInt8},
                                 {"b1", torch::kBool}};

uint32_t little_endian(std::string_view bytes, size_t offset, size_t width) {
  uint32_t value = 0;
  for (size_t i = 0; i < width; ++i) value |= static_cast<uint32_t>(static_cast<uint8_t>(bytes[offset + i])) << (8 * i);
  return value;
}

}  // namespace

torch::Tensor decode_npy(std::string_view bytes, const std::string& name) {
  if (bytes.size() < kMagicBytes + 4 || bytes.substr(0, kMagicBytes) != std::string_view(kMagic, kMagicBytes)) {
    throw StorageError(name, "not a .npy array (no \\x93NUMPY magic)");
  }
  const int major = static_cast<uint8_t>(bytes[6]);
  if (major < 1 || major > 3) throw StorageError(name, fmt::format(".npy format version {} is not supported", major));
  const size_t length_bytes = major == 1 ? 2 : 4;
  const size_t header_begin = 8 + length_bytes;
  if (bytes.size() < header_begin) throw StorageError(name, "truncated .npy header");
  const size_t header_length = little_endian(bytes, 8, length_bytes);
  if (bytes.size() < header_begin + header_length) throw StorageError(name, "truncated .npy header");
  const std::string header(bytes.substr(header_begin, header_length));

  static const std::regex descr_pattern(R"('descr'\s*:\s*'([<>|=])([a-z]\d+)')");
  static const std::regex order_pattern(R"('fortran_order'\s*:\s*(True|False))");
  static const std::regex shape_pattern(R"('shape'\s*:\s*\(([\d,\s]*)\))");
  std::smatch descr, order, shape;
  if (!std::regex_search(header, descr, descr_pattern) || !std::regex_search(header, order, order_pattern) ||
      !std::regex_search(header, shape, shape_pattern)) {
    throw StorageError(name, "unreadable .npy header: " + header.substr(0, 200));
  }
  if (descr[1] == ">") throw StorageError(name, "big-endian arrays are not supported");
  if (order[1] == "True") throw StorageError(name, "Fortran-order arrays are not supported");
  const DtypeName* dtype = nullptr;
  for (const DtypeName& known : kDtypes) {
    if (descr[2] == known.descr) dtype = &known;
  }
  if (dtype == nullptr) throw StorageError(name, "dtype '" + descr[2].str() + "' is not supported");
  std::vector<int64_t> sizes;
  const std::string dims = shape[1];
  static const std::regex number(R"(\d+)");
  for (std::sregex_iterator it(dims.begin(), dims.end(), number), end; it != end; ++it) {
    if (it->str().size() > 12) throw StorageError(name, "shape dimension too large: " + it->str());
    sizes.push_back(std::stoll(it->str()));
  }
  const torch::Tensor tensor = torch::empty(sizes, torch::TensorOptions().dtype(dtype->type));
  const size_t data_bytes = static_cast<size_t>(tensor.numel()) * tensor.element_size();
  const size_t data_begin = header_begin + header_length;
  if (bytes.size() != data_begin + data_bytes) {
    throw StorageError(name, fmt::format("holds {} data bytes, its shape and dtype need {}", bytes.size() - data_begin,
                                         data_bytes));
  }
  if (data_bytes > 0) std::memcpy(tensor.data_ptr(), bytes.data() + data_begin, data_bytes);
  return tensor;
}

std::string encode_npy(const torch::Tensor& tensor) {
  const torch::Tensor data = tensor.contiguous().cpu();
  const DtypeName* dtype = nullptr;
  for (const DtypeName& known : kDtypes) {
    if (data.scalar_type() == known.type) dtype = &known;
  }
  if (dtype == nullptr) throw std::invalid_argument(std::string("no .npy dtype for ") + c10::toString(data.scalar_type()));
  std::string shape;
  for (int64_t size : data.sizes()) shape += fmt::format("{}, ", size);
  if (!shape.empty()) shape.resize(shape.size() - (data.dim() == 1 ? 1 : 2));  // (3,) but (3, 4)
  const char order = dtype->type == torch::kUInt8 || dtype->type == torch::kBool ? '|' : '<';
  std::string header = fmt::format("{{'descr': '{}{}', 'fortran_order': False, 'shape': ({}), }}", order, dtype->descr, shape);
  const size_t unpadded = kMagicBytes + 4 + header.size() + 1;
  header.append((64 - unpadded % 64) % 64, ' ');
  header += '\n';
  std::string bytes(kMagic, kMagicBytes);
  bytes += '\x01';
  bytes += '\x00';
  bytes += static_cast<char>(header.size() & 0xff);
  bytes += static_cast<char>(header.size() >> 8);
  bytes += header;
  bytes.append(static_cast<const char*>(data.data_ptr()), static_cast<size_t>(data.numel()) * data.element_size());
  return bytes;
}

}  // namespace dact::storage
