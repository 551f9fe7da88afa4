#include "storage/shard_file.h"

#include <H5Cpp.h>
#include <fmt/format.h>

#include <fstream>
#include <mutex>

#include "storage/atomic_file.h"
#include "storage/checksum.h"
#include "storage/h5_error.h"
#include "storage/h5_tensor_io.h"
#include "storage/storage_error.h"

namespace dact::storage {
namespace {


H5::DataType sample_type_of(torch::Dtype dtype, const std::string& path) {
  switch (dtype) {
    case torch::kUInt8: return H5::PredType::STD_U8LE;
    case torch::kFloat16: return h5_half_type();
    case torch::kFloat32: return H5::PredType::IEEE_F32LE;
    default:
      throw StorageError(path, fmt::format("cannot store samples of dtype {} (expected uint8, "
                                           "float16 or float32)",
                                           c10::toString(dtype)));
  }
}

std::string dtype_name_of(const H5::DataSet& dataset) {
  const H5T_class_t type_class = dataset.getTypeClass();
  const size_t size = dataset.getDataType().getSize();
  if (type_class == H5T_INTEGER) {
    const bool is_signed = dataset.getIntType().getSign() != H5T_SGN_NONE;
    return fmt::format("{}int{}", is_signed ? "" : "u", 8 * size);
  }
  if (type_class == H5T_FLOAT) return fmt::format("float{}", 8 * size);
  return fmt::format("HDF5 type class {} of {} bytes", static_cast<int>(type_class), size);
}

std::vector<hsize_t> dims_of(const H5::DataSet& dataset) {
  const H5::DataSpace space = dataset.getSpace();
  std::vector<hsize_t> dims(static_cast<size_t>(space.getSimpleExtentNdims()));
  space.getSimpleExtentDims(dims.data());
  return dims;
}

std::string dims_text(const std::vector<hsize_t>& dims) {
  return fmt::format("[{}]", fmt::join(dims, ", "));
}

void write_dataset(H5::H5File& file, const std::string& name, const H5::DataType& file_type,
                   const H5::DataType& memory_type, const torch::Tensor& tensor,
                   int64_t chunk_samples) {
  std::vector<hsize_t> dims(tensor.sizes().begin(), tensor.sizes().end());
  std::vector<hsize_t> chunk_dims = dims;
  // HDF5 refuses chunks longer than a fixed-size dimension.
  chunk_dims[0] = std::min<hsize_t>(dims[0], static_cast<hsize_t>(chunk_samples));
  H5::DSetCreatPropList properties;
  properties.setChunk(static_cast<int>(chunk_dims.size()), chunk_dims.data());
  H5::DataSpace space(static_cast<int>(dims.size()), dims.data());
  H5::DataSet dataset = file.createDataSet(name, file_type, space, properties);
  dataset.write(tensor.data_ptr(), memory_type);
}

}  // namespace

std::string write_shard_file(const std::string& path, const std::string& sample_key,
                             const torch::Tensor& samples, const torch::Tensor& labels,
                             int64_t chunk_samples) {
  if (samples.dim() != 4 || labels.dim() != 1 || labels.size(0) != samples.size(0) ||
      samples.size(0) == 0) {
    throw StorageError(
        path, fmt::format("shard needs samples [N, C, H, W] and labels [N] "
                          "with N > 0, got [{}] and [{}]",
                          fmt::join(samples.sizes(), ", "), fmt::join(labels.sizes(), ", ")));
  }
  const H5::DataType sample_type = sample_type_of(samples.scalar_type(), path);
  const torch::Tensor contiguous_samples = samples.contiguous();
  const torch::Tensor labels_int32 = labels.to(torch::kInt32).contiguous();
  // The shard is built in memory (HDF5 core driver, no backing store) and written
  // in one piece: HDF5's many small writes leave the page cache in small folios
  // that later reads copy out ~2x slower (bench/results/shard_read.md).
  std::vector<char> image;
  {
    std::lock_guard<std::recursive_mutex> lock(hdf5_mutex());
    try {
      H5::FileAccPropList access;
      H5Pset_fapl_core(access.getId(), size_t{16} << 20, /*backing_store=*/false);
      H5::H5File file(path, H5F_ACC_TRUNC, H5::FileCreatPropList::DEFAULT, access);
      write_dataset(file, sample_key, sample_type, sample_type, contiguous_samples, chunk_samples);
      write_dataset(file, kLabelsDatasetName, H5::PredType::STD_I32LE, H5::PredType::NATIVE_INT32,
                    labels_int32, chunk_samples);
      file.flush(H5F_SCOPE_LOCAL);
      const ssize_t image_bytes = H5Fget_file_image(file.getId(), nullptr, 0);
      if (image_bytes <= 0) throw StorageError(path, "cannot build the shard's file image");
      image.resize(static_cast<size_t>(image_bytes));
      H5Fget_file_image(file.getId(), image.data(), image.size());
      file.close();
    } catch (const H5::Exception& e) {
      throw StorageError(path, "cannot write shard: " + h5_error_reason(e));
    }
  }
  write_file_atomically(path, std::string_view(image.data(), image.size()));
  return xxh64_hex(image.data(), image.size());
}

ShardFileLayout inspect_shard_file(const std::string& path, const ShardManifest& manifest,
                                   const ShardEntry& entry) {
  std::lock_guard<std::recursive_mutex> lock(hdf5_mutex());
  H5::H5File file = open_h5_for_reading(path);
  const auto fail = [&](const std::string& dataset, const std::string& what) {
    return StorageError(path, "dataset '" + dataset + "': " + what);
  };
  ShardFileLayout layout;
  try {
    const std::string& key = manifest.sample_key;
    if (!h5_has_path(file, key)) throw fail(key, "missing");
    const H5::DataSet samples = file.openDataSet(key);
    const std::string dtype = dtype_name_of(samples);
    if (dtype != manifest.dtype) {
      throw fail(key, "dtype " + dtype + " (manifest says " + manifest.dtype + ")");
    }
    std::vector<hsize_t> expected_dims{static_cast<hsize_t>(entry.count)};
    expected_dims.insert(expected_dims.end(), manifest.sample_shape.begin(),
                         manifest.sample_shape.end());
    if (dims_of(samples) != expected_dims) {
      throw fail(key, "shape " + dims_text(dims_of(samples)) + " (manifest says " +
                          dims_text(expected_dims) + ")");
    }
    const H5::DSetCreatPropList properties = samples.getCreatePlist();
    if (properties.getLayout() != H5D_CHUNKED || properties.getNfilters() != 0) {
      throw fail(key, "must be chunked along the sample axis without compression filters");
    }
    std::vector<hsize_t> chunk_dims(expected_dims.size());
    properties.getChunk(static_cast<int>(chunk_dims.size()), chunk_dims.data());
    std::vector<hsize_t> expected_chunk = expected_dims;
    expected_chunk[0] = std::min<hsize_t>(expected_dims[0], manifest.chunk_samples);
    if (chunk_dims != expected_chunk) {
      throw fail(key, "chunk shape " + dims_text(chunk_dims) + " (expected " +
                          dims_text(expected_chunk) + ")");
    }
    layout.chunk_samples = static_cast<int64_t>(chunk_dims[0]);
    const hsize_t expected_chunks = (expected_dims[0] + chunk_dims[0] - 1) / chunk_dims[0];
    // HDF5 1.10 does not handle H5S_ALL here: pass the dataset's own dataspace.
    const H5::DataSpace space = samples.getSpace();
    hsize_t chunk_count = 0;
    if (H5Dget_num_chunks(samples.getId(), space.getId(), &chunk_count) < 0) {
      throw fail(key, "cannot count the stored chunks");
    }
    if (chunk_count != expected_chunks) {
      throw fail(key, fmt::format("{} chunks stored (expected {})", chunk_count, expected_chunks));
    }
    layout.chunks.resize(chunk_count);
    for (hsize_t k = 0; k < chunk_count; ++k) {
      std::vector<hsize_t> chunk_origin(expected_dims.size());
      unsigned filter_mask = 0;
      haddr_t address = 0;
      hsize_t size_bytes = 0;
      if (H5Dget_chunk_info(samples.getId(), space.getId(), k, chunk_origin.data(), &filter_mask,
                            &address, &size_bytes) < 0) {
        throw fail(key, fmt::format("cannot locate chunk {}", k));
      }
      const hsize_t chunk_index = chunk_origin[0] / chunk_dims[0];
      if (chunk_index >= chunk_count ||
          size_bytes != chunk_dims[0] * static_cast<hsize_t>(manifest.sample_bytes())) {
        throw fail(
            key, fmt::format("chunk {} at sample {} has {} bytes", k, chunk_origin[0], size_bytes));
      }
      layout.chunks[chunk_index] = {static_cast<int64_t>(address),
                                    static_cast<int64_t>(size_bytes)};
    }

    if (!h5_has_path(file, kLabelsDatasetName)) throw fail(kLabelsDatasetName, "missing");
    const H5::DataSet labels = file.openDataSet(kLabelsDatasetName);
    if (dtype_name_of(labels) != "int32" ||
        dims_of(labels) != std::vector<hsize_t>{static_cast<hsize_t>(entry.count)}) {
      throw fail(kLabelsDatasetName,
                 fmt::format("{} {} (expected int32 [{}])", dtype_name_of(labels),
                             dims_text(dims_of(labels)), entry.count));
    }
    torch::Tensor labels_int32 = torch::empty({entry.count}, torch::kInt32);
    labels.read(labels_int32.data_ptr(), H5::PredType::NATIVE_INT32);
    const int64_t class_count = static_cast<int64_t>(manifest.class_names.size());
    if (labels_int32.min().item<int64_t>() < 0 ||
        labels_int32.max().item<int64_t>() >= class_count) {
      throw fail(kLabelsDatasetName, fmt::format("labels outside [0, {}) (min {}, max {})",
                                                 class_count, labels_int32.min().item<int64_t>(),
                                                 labels_int32.max().item<int64_t>()));
    }
    layout.labels = labels_int32.to(torch::kInt64);
  } catch (const H5::Exception& e) {
    throw StorageError(path, "unreadable HDF5 structure: " + e.getDetailMsg());
  }
  return layout;
}

void verify_shard_checksum(const std::string& path, const ShardEntry& entry) {
  const std::string checksum = xxh64_hex_of_file(path);
  if (checksum != entry.xxh64) {
    throw StorageError(path, "xxh64 checksum " + checksum + " does not match the manifest's " + entry.xxh64 +
                                 " (the file is corrupt)");
  }
}

}  // namespace dact::storage
