#include "storage/tensor_file.h"

#include "storage/atomic_file.h"
#include "storage/checksum.h"
#include "storage/h5_error.h"
#include "storage/h5_tensor_io.h"
#include "storage/storage_error.h"

namespace dact::storage {
namespace {

constexpr const char* kFormat = "dact-tensor-file";
// Version 2 adds header_xxh64; version 1 files (no metadata checksum) still read.
constexpr int kFormatVersion = 2;
constexpr int kOldestReadableVersion = 1;

std::string checksum_of(const torch::Tensor& tensor) {
  const torch::Tensor data = tensor.detach().to(torch::kCPU).contiguous();
  return xxh64_hex(data.data_ptr(), data.numel() * data.element_size());
}

H5::Group open_tensor_group(const H5::H5File& file, const std::string& path) {
  if (!h5_has_path(file, "tensors")) throw StorageError(path, "missing group '/tensors'");
  return file.openGroup("tensors");
}

// Returns the file's format version.
int check_format(const H5::H5File& file, const std::string& path) {
  if (!file.attrExists("format") || read_h5_string_attribute(file, "format") != kFormat) {
    throw StorageError(path, std::string("not a ") + kFormat + " (attribute 'format')");
  }
  const std::string version = read_h5_string_attribute(file, "format_version");
  for (int known = kOldestReadableVersion; known <= kFormatVersion; ++known) {
    if (version == std::to_string(known)) return known;
  }
  throw StorageError(path, "format_version " + version + ", expected " + std::to_string(kOldestReadableVersion) +
                               ".." + std::to_string(kFormatVersion));
}

// xxHash64 of everything a reader interprets besides the tensor bytes (which have their
// own checksums): the metadata text, and each tensor's name, dtype, shape and checksum.
// An edited "step" or a renamed key or tensor fails it.
std::string header_checksum(const std::string& metadata_text,
                            const std::map<std::string, std::pair<torch::Tensor, std::string>>& tensors) {
  std::string header = metadata_text;
  header += '\0' + std::to_string(tensors.size());
  for (const auto& [name, tensor_and_checksum] : tensors) {
    const torch::Tensor& tensor = tensor_and_checksum.first;
    header += '\0' + name + '\0' + std::string(c10::toString(tensor.scalar_type()));
    for (int64_t size : tensor.sizes()) header += ',' + std::to_string(size);
    header += '\0' + tensor_and_checksum.second;
  }
  return xxh64_hex(header.data(), header.size());
}

nlohmann::json parse_metadata(const std::string& text, const std::string& path) {
  try {
    return nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& e) {
    throw StorageError(path, std::string("attribute 'metadata' is not JSON: ") + e.what());
  }
}

TensorFile read_verified(const std::string& path) {
  const H5::H5File file = open_h5_for_reading(path);
  const int version = check_format(file, path);
  const std::string metadata_text = read_h5_string_attribute(file, "metadata");
  const H5::Group group = open_tensor_group(file, path);
  TensorFile contents;
  contents.tensors = read_h5_tensors(group);
  const std::string expected_count = read_h5_string_attribute(file, "tensor_count");
  if (std::to_string(contents.tensors.size()) != expected_count) {
    throw StorageError(path, "holds " + std::to_string(contents.tensors.size()) +
                                 " tensors, header says " + expected_count);
  }
  std::map<std::string, std::pair<torch::Tensor, std::string>> checked;
  for (const auto& [name, tensor] : contents.tensors) {
    const std::string stored = read_h5_string_attribute(group.openDataSet(name), "xxh64");
    const std::string computed = checksum_of(tensor);
    if (computed != stored) {
      throw StorageError(path, "tensor '" + name + "' fails its checksum (stored " + stored +
                                   ", computed " + computed + ")");
    }
    checked.emplace(name, std::make_pair(tensor, stored));
  }
  if (version >= 2) {
    const std::string stored = read_h5_string_attribute(file, "header_xxh64");
    const std::string computed = header_checksum(metadata_text, checked);
    if (computed != stored) {
      throw StorageError(path, "metadata or tensor names fail their checksum (attribute 'header_xxh64': stored " +
                                   stored + ", computed " + computed + "; edited by hand?)");
    }
  }
  contents.metadata = parse_metadata(metadata_text, path);
  return contents;
}

}  // namespace

void write_tensor_file(const std::string& path, const TensorFile& contents) {
  std::lock_guard<std::recursive_mutex> lock(hdf5_mutex());
  AtomicFile output(path);
  try {
    H5::H5File file(output.temp_path(), H5F_ACC_TRUNC, h5_untimed_file_properties());
    write_h5_string_attribute(file, "format", kFormat);
    write_h5_string_attribute(file, "format_version", std::to_string(kFormatVersion));
    const std::string metadata_text = contents.metadata.dump();
    write_h5_string_attribute(file, "metadata", metadata_text);
    write_h5_string_attribute(file, "tensor_count", std::to_string(contents.tensors.size()));
    H5::Group group = create_h5_group(file, "tensors");
    std::map<std::string, std::pair<torch::Tensor, std::string>> written;
    for (const auto& [name, tensor] : contents.tensors) {
      write_h5_tensor(group, name, tensor);
      H5::DataSet dataset = group.openDataSet(name);
      const std::string checksum = checksum_of(tensor);
      write_h5_string_attribute(dataset, "xxh64", checksum);
      written.emplace(name, std::make_pair(tensor, checksum));
    }
    write_h5_string_attribute(file, "header_xxh64", header_checksum(metadata_text, written));
    file.close();
  } catch (const H5::Exception& e) {
    throw StorageError(path, "cannot write tensor file (" + h5_error_reason(e) + ")");
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
  return parse_metadata(read_h5_string_attribute(file, "metadata"), path);
}

bool tensor_file_verifies(const std::string& path, std::string* reason) {
  try {
    read_tensor_file(path);
    return true;
  } catch (const std::exception& e) {  // any failure to read it, e.g. an allocation
    if (reason) *reason = e.what();
    return false;
  }
}

}  // namespace dact::storage
