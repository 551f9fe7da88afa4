#include "storage/image_sources/edm_dataset_zip.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>

#include "storage/image_sources/image_decode.h"
#include "storage/image_sources/zip_archive.h"
#include "storage/storage_error.h"

namespace dact::storage {
namespace {

constexpr const char* kEdmLabelsEntry = "dataset.json";
// A label is a class index; one this large is a mistake, not a class count to allocate.
constexpr int64_t kEdmMaxLabel = 1000000;

struct EdmZipImage {
  std::string entry;
  int64_t label = 0;
};

// dataset.json's "labels" as entry -> label; empty when the dataset is unlabelled.
std::map<std::string, int64_t> read_edm_labels(const ZipArchive& archive) {
  std::map<std::string, int64_t> labels;
  if (!archive.contains(kEdmLabelsEntry)) return labels;
  const std::string file = archive.path() + ":" + kEdmLabelsEntry;
  nlohmann::json document;
  try {
    document = nlohmann::json::parse(archive.read(kEdmLabelsEntry));
  } catch (const nlohmann::json::exception& e) {
    throw StorageError(file, std::string("not valid JSON: ") + e.what());
  }
  if (!document.is_object() || !document.contains("labels")) {
    throw StorageError(file, "expected an object with key 'labels'");
  }
  const nlohmann::json& entries = document["labels"];
  if (entries.is_null()) return labels;
  if (!entries.is_array()) throw StorageError(file, "'labels' must be a list or null");
  for (size_t i = 0; i < entries.size(); ++i) {
    const nlohmann::json& entry = entries[i];
    if (!entry.is_array() || entry.size() != 2 || !entry[0].is_string() ||
        !entry[1].is_number_integer() || entry[1].get<int64_t>() < 0 ||
        entry[1].get<int64_t>() > kEdmMaxLabel) {
      throw StorageError(file, fmt::format("labels[{}] = {}: expected [\"<image name>\", <label in "
                                           "[0, {}]>]", i, entry.dump(), kEdmMaxLabel));
    }
    if (!labels.emplace(entry[0].get<std::string>(), entry[1].get<int64_t>()).second) {
      throw StorageError(file, fmt::format("labels[{}]: '{}' is labelled twice", i,
                                           entry[0].get<std::string>()));
    }
  }
  return labels;
}

class EdmDatasetZipSource : public ImageSource {
 public:
  explicit EdmDatasetZipSource(const std::string& path) : archive_(path) {
    std::vector<std::string> entries;
    for (const std::string& entry : archive_.file_names()) {
      if (has_image_extension(entry)) entries.push_back(entry);
    }
    std::sort(entries.begin(), entries.end());
    if (entries.empty()) throw StorageError(path, "no .png/.jpg images in the archive");
    const std::map<std::string, int64_t> labels = read_edm_labels(archive_);
    label_images(entries, labels);
  }

  const std::vector<std::string>& class_names() const override { return class_names_; }
  int64_t size() const override { return static_cast<int64_t>(images_.size()); }
  int64_t label(int64_t index) const override { return images_.at(index).label; }
  std::string name(int64_t index) const override {
    return archive_.path() + ":" + images_.at(index).entry;
  }
  torch::Tensor decode(int64_t index) const override {
    return decode_image_rgb(archive_.read(images_.at(index).entry), name(index));
  }

 private:
  void label_images(const std::vector<std::string>& entries,
                    const std::map<std::string, int64_t>& labels) {
    const std::string labels_file = archive_.path() + ":" + kEdmLabelsEntry;
    if (labels.empty()) {
      class_names_ = {"unlabeled"};
      for (const std::string& entry : entries) images_.push_back({entry, 0});
      return;
    }
    for (const auto& [entry, label] : labels) {
      if (!std::binary_search(entries.begin(), entries.end(), entry)) {
        throw StorageError(labels_file, fmt::format("labels '{}', which is not an image of the archive", entry));
      }
    }
    int64_t largest_label = 0;
    for (const std::string& entry : entries) {
      const auto found = labels.find(entry);
      if (found == labels.end()) {
        throw StorageError(archive_.path() + ":" + entry,
                           std::string("has no entry in ") + kEdmLabelsEntry + "'s labels");
      }
      images_.push_back({entry, found->second});
      largest_label = std::max(largest_label, found->second);
    }
    for (int64_t c = 0; c <= largest_label; ++c) class_names_.push_back(std::to_string(c));
  }

  ZipArchive archive_;
  std::vector<std::string> class_names_;
  std::vector<EdmZipImage> images_;
};

}  // namespace

std::unique_ptr<ImageSource> open_edm_dataset_zip(const std::string& path) {
  return std::make_unique<EdmDatasetZipSource>(path);
}

}  // namespace dact::storage
