#include "storage/tensor_file.h"

#include "storage/atomic_file.h"
#include "storage/checksum.h"
#include "storage/h5_tensor_io.h"
#include "storage/storage_error.h"

namespace dact::storage {
namespace {

constexpr const char* kFormat = "dact-tensor-file";
constexpr int kFormatVersion = 1;

std::string checksum_of(const torch::Tensor& tensor) {
  const torch::Tensor data = tensor.detach().to(torch::kCPU).contiguous();
  return xxh64_hex(data.data_ptr(), data.numel() * data.element_size());
}

H5::Group open_tensor_group(const H5::H5File& file, const std::string& path) {
  if (!h5_has_path(file, "tensors")) throw StorageError(path, "missing group '/tensors'");
  return file.openGroup("tensors");
}

void check_format(const H5::H5File& file, const std::string& path) {
  if (!file.attrExists("format") || read_h5_string_attribute(file, "format") != kFormat) {
    throw StorageError(path, std::string("not a ") + kFormat + " (attribute 'format')");
  }
  const std::string version = read_h5_string_attribute(file, "format_version");
  if (version != std::to_string(kFormatVersion)) {
    throw StorageError(path, "format_version " + version + ", expected " +
                                 std::to_string(kFormatVersion));
  }
}

nlohmann::json parse_metadata(const H5::H5File& file, const std::string& path) {
  try {
    return nlohmann::json::parse(read_h5_string_attribute(file, "metadata"));
  } catch (const nlohmann::json::exception& e) {
    throw StorageError(path, std::string("attribute 'metadata' is not JSON: ") + e.what());
  }
}

TensorFile read_verified(const std::string& path) {
  const H5::H5File file = open_h5_for_reading(path);
  check_format(file, path);
  TensorFile contents;
  contents.metadata = parse_metadata(file, path);
  const H5::Group group = open_tensor_group(file, path);
  contents.tensors = read_h5_tensors(group);
  const std::string expected_count = read_h5_string_attribute(file, "tensor_count");
  if (std::to_string(contents.tensors.size()) != expected_count) {
    throw StorageError(path, "holds " + std::to_string(contents.tensors.size()) +
                                 " tensors, header says " + expected_count);
  }
  for (const auto& [name, tensor] : contents.tensors) {
    const std::string stored = read_h5_string_attribute(group.openDataSet(name), "xxh64");
    if (checksum_of(tensor) != stored) {
      throw StorageError(path, "tensor '" + name + "' fails its checksum (stored " + stored +
                                   ", computed " + checksum_of(tensor) + ")");
    }
  }
  return contents;
}

}  // namespace

void write_tensor_file(const std::string& path, const TensorFile& contents) {
  std::lock_guard<std::recursive_mutex> lock(hdf5_mutex());
  AtomicFile output(path);
  try {
    H5::H5File file(output.temp_path(), H5F_ACC_TRUNC);
    write_h5_string_attribute(file, "format", kFormat);
    write_h5_string_attribute(file, "format_version", std::to_string(kFormatVersion));
    write_h5_string_attribute(file, "metadata", contents.metadata.dump());
    write_h5_string_attribute(file, "tensor_count", std::to_string(contents.tensors.size()));
    H5::Group group = file.createGroup("tensors");
    for (const auto& [name, tensor] : contents.tensors) {
      write_h5_tensor(group, name, tensor);
      H5::DataSet dataset = group.openDataSet(name);
      write_h5_string_attribute(dataset, "xxh64", checksum_of(tensor));
    }
    file.close();
  } catch (const H5::Exception& e) {
    throw StorageError(path, "cannot write tensor file (" + e.getDetailMsg() + ")");
  }
  output.commit();
}

TensorFile read_tensor_file(const std::string& path) {
  std::lock_guard<std::recursive_mutex> lock(hdf5_mutex());
  try {
    return read_verified(path);
  } catch (const H5::Exception& e) {
    throw StorageError(path, "damaged tensor file (" + e.getDetailMsg() + ")");
  }
}

nlohmann::json read_tensor_file_metadata(const std::string& path) {
  std::lock_guard<std::recursive_mutex> lock(hdf5_mutex());
  const H5::H5File file = open_h5_for_reading(path);
  check_format(file, path);
  return parse_metadata(file, path);
}

bool tensor_file_verifies(const std::string& path, std::string* reason) {
  try {
    read_tensor_file(path);
    return true;
  } catch (const StorageError& e) {
    if (reason) *reason = e.what();
    return false;
  }
}

}  // namespace dact::storage
