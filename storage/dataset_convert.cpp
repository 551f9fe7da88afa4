#include "storage/dataset_convert.h"

#include <fmt/format.h>

#include <glog/logging.h>

#include <filesystem>
#include <stdexcept>

#include "storage/idx_file.h"
#include "storage/image_resize.h"
#include "storage/image_sources/image_source.h"
#include "storage/image_sources/image_transform.h"
#include "storage/shard_writer.h"
#include "storage/staged_directory.h"
#include "storage/storage_error.h"

namespace dact::storage {
namespace fs = std::filesystem;
namespace {

// Converted in slices so large sources never need a second full copy in memory.
constexpr int64_t kConvertBatch = 4096;

struct IdxSplit {
  const char* file_prefix;  // as the IDX files are named
  const char* split_name;   // as the dataset directory is named
};
constexpr IdxSplit kIdxSplits[] = {{"train", "train"}, {"t10k", "test"}};

// The label order of Fashion-MNIST (github.com/zalandoresearch/fashion-mnist).
const std::vector<std::string> kFashionMnistClasses = {
    "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
    "Sandal",      "Shirt",   "Sneaker",  "Bag",   "Ankle boot"};

std::string find_idx_file(const std::string& source, const std::string& name) {
  for (const std::string& candidate : {name + ".gz", name}) {
    const fs::path path = fs::path(source) / candidate;
    if (fs::is_regular_file(path)) return path.string();
  }
  throw StorageError((fs::path(source) / name).string() + "[.gz]", "missing IDX file");
}

std::string folder_name(const std::string& path) {
  fs::path normal = fs::path(path).lexically_normal();
  if (normal.filename().empty()) normal = normal.parent_path();
  return normal.filename().string();
}

ConvertedDataset convert_idx_split(const std::string& source, const IdxSplit& split,
                                   const std::string& dest, const ConvertOptions& options) {
  const std::string images_path =
      find_idx_file(source, std::string(split.file_prefix) + "-images-idx3-ubyte");
  const std::string labels_path =
      find_idx_file(source, std::string(split.file_prefix) + "-labels-idx1-ubyte");
  const torch::Tensor images = read_idx_file(images_path);
  const torch::Tensor labels = read_idx_file(labels_path);
  if (images.dim() != 3 || images.size(1) != images.size(2)) {
    throw StorageError(images_path, "expected square images [N, S, S]");
  }
  if (labels.dim() != 1 || labels.size(0) != images.size(0)) {
    throw StorageError(labels_path, fmt::format("expected {} labels [N]", images.size(0)));
  }
  const int64_t source_resolution = images.size(1);
  const int64_t resolution = options.resolution > 0 ? options.resolution : source_resolution;

  ShardWriterOptions writer_options;
  writer_options.sample_shape = {1, resolution, resolution};
  writer_options.resolution = resolution;
  writer_options.shard_size = options.shard_size;
  const int64_t class_count = labels.max().item<int64_t>() + 1;
  if (folder_name(source) == "fashion-mnist" && class_count <= 10) {
    writer_options.class_names = kFashionMnistClasses;
  } else {
    for (int64_t c = 0; c < class_count; ++c)
      writer_options.class_names.push_back(std::to_string(c));
  }
  StagedDirectory staged((fs::path(dest) / split.split_name).string());
  ShardWriter writer(staged.staging_path(), writer_options);
  for (int64_t start = 0; start < images.size(0); start += kConvertBatch) {
    const int64_t end = std::min(images.size(0), start + kConvertBatch);
    writer.add(fit_square_images(images.slice(0, start, end).unsqueeze(1), resolution),
               labels.slice(0, start, end).to(torch::kInt32));
  }
  ConvertedDataset converted{staged.final_path(), writer.finish()};
  staged.commit();
  return converted;
}

// Without --resolution the source's size is kept: image 0 sets it, and every image must
// already be that square, since nothing is to be resized.
int64_t source_resolution(const ImageSource& source, int64_t requested) {
  if (requested > 0) return requested;
  const torch::Tensor first = source.decode(0);
  if (first.size(1) != first.size(2)) {
    throw StorageError(source.name(0), fmt::format("is {}x{} (WxH), not square: give --resolution",
                                                   first.size(2), first.size(1)));
  }
  return first.size(1);
}

torch::Tensor image_at_resolution(const ImageSource& source, int64_t index,
                                  const ConvertOptions& options, ImageTransform transform,
                                  int64_t resolution) {
  const torch::Tensor image = source.decode(index);
  if (options.resolution > 0) return apply_image_transform(transform, image, resolution);
  if (image.size(1) != resolution || image.size(2) != resolution) {
    throw StorageError(source.name(index),
                       fmt::format("is {}x{} (WxH) but the first image is {}x{}: give --resolution",
                                   image.size(2), image.size(1), resolution, resolution));
  }
  return image;
}

ConvertedDataset convert_image_source(const std::string& source_path, const std::string& dest,
                                      const ConvertOptions& options) {
  if (options.split != "all") {
    throw std::invalid_argument(
        "--split applies to IDX sources only (an image source is converted as one dataset)");
  }
  const ImageTransform transform = parse_image_transform(options.transform);
  StagedDirectory staged(dest);  // before listing: a refused destination fails at once
  const std::unique_ptr<ImageSource> source = open_image_source(source_path);
  const int64_t resolution = source_resolution(*source, options.resolution);
  ShardWriterOptions writer_options;
  writer_options.sample_shape = {3, resolution, resolution};
  writer_options.resolution = resolution;
  writer_options.shard_size = options.shard_size;
  writer_options.class_names = source->class_names();
  ShardWriter writer(staged.staging_path(), writer_options);
  const int64_t count = source->size();
  for (int64_t start = 0; start < count; start += kConvertBatch) {
    const int64_t end = std::min(count, start + kConvertBatch);
    torch::Tensor images = torch::empty({end - start, 3, resolution, resolution}, torch::kUInt8);
    torch::Tensor labels = torch::empty({end - start}, torch::kInt32);
    for (int64_t i = start; i < end; ++i) {
      images[i - start].copy_(image_at_resolution(*source, i, options, transform, resolution));
      labels[i - start] = source->label(i);
    }
    writer.add(images, labels);
    if (count > kConvertBatch) LOG(INFO) << source_path << ": " << end << "/" << count << " images";
  }
  ConvertedDataset converted{staged.final_path(), writer.finish()};
  staged.commit();
  return converted;
}

}  // namespace

bool is_idx_source(const std::string& source) {
  for (const char* name : {"train-images-idx3-ubyte", "t10k-images-idx3-ubyte"}) {
    for (const std::string& candidate : {std::string(name) + ".gz", std::string(name)}) {
      if (fs::is_regular_file(fs::path(source) / candidate)) return true;
    }
  }
  return false;
}

std::vector<ConvertedDataset> convert_dataset(const std::string& source, const std::string& dest,
                                              const ConvertOptions& options) {
  if (options.shard_size <= 0) throw std::invalid_argument("--shard-size must be > 0");
  if (options.resolution < 0) throw std::invalid_argument("--resolution must be > 0");
  if (!is_idx_source(source)) return {convert_image_source(source, dest, options)};

  if (options.transform != image_transform_names().front()) {
    throw std::invalid_argument("--transform applies to image sources only (IDX images are "
                                "zero-padded or downscaled, see --resolution)");
  }
  if (options.split != "all" && options.split != "train" && options.split != "test") {
    throw std::invalid_argument("--split must be train, test or all, not '" + options.split + "'");
  }
  std::vector<ConvertedDataset> converted;
  for (const IdxSplit& split : kIdxSplits) {
    if (options.split != "all" && options.split != split.split_name) continue;
    converted.push_back(convert_idx_split(source, split, dest, options));
  }
  return converted;
}

}  // namespace dact::storage
