// dact dataset convert from the sources users have: ImageNet's JPEG folder layout and
// EDM's dataset ZIP, written by make_image_sources.py with Pillow references; broken
// sources fail naming the file and leave no dataset (and nothing else) behind.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "storage/dataset_convert.h"
#include "storage/shard_dataset.h"
#include "storage/storage_error.h"
#include "tests/storage/image_source_files.h"

namespace dact::storage {
namespace {

namespace fs = std::filesystem;
using testing::entry_count;
using testing::image_sources_dir;
using testing::max_abs_difference;
using testing::read_hwc_images;

SampleBatch read_converted(const std::string& dataset_dir) {
  const ShardDataset dataset(dataset_dir);
  std::vector<int64_t> all(static_cast<size_t>(dataset.size()));
  for (size_t i = 0; i < all.size(); ++i) all[i] = static_cast<int64_t>(i);
  return dataset.read(all);
}

// The StorageError message of converting `source` into `dest`, "" when it succeeds.
std::string convert_error(const std::string& source, const std::string& dest,
                          const ConvertOptions& options) {
  try {
    convert_dataset(source, dest, options);
  } catch (const StorageError& e) {
    return e.what();
  }
  return "";
}

class ImageNetFolderConvert : public ::testing::TestWithParam<std::string> {};

TEST_P(ImageNetFolderConvert, ShardsHoldPillowsTransformOfEveryJpeg) {
  const std::string dir = image_sources_dir() + "/imagenet";
  const nlohmann::json listing = nlohmann::json::parse(std::ifstream(dir + ".json"));
  const int64_t resolution = listing.at("resolution");
  const dact::testing::TempDir temp;
  ConvertOptions options;
  options.resolution = resolution;
  options.transform = GetParam();
  options.shard_size = 2;
  const auto converted = convert_dataset(dir + "/train", temp / "out", options);
  ASSERT_EQ(converted.size(), 1u);
  EXPECT_EQ(converted[0].dir, temp / "out");
  EXPECT_EQ(converted[0].manifest.class_names,
            (std::vector<std::string>{"n01440764", "n01443537"}));
  EXPECT_EQ(converted[0].manifest.shards.size(), 3u);

  const SampleBatch batch = read_converted(temp / "out");
  const torch::Tensor expected = read_hwc_images(dir + "/" + GetParam() + ".u8", resolution);
  ASSERT_EQ(batch.samples.sizes(), expected.sizes());
  for (int64_t i = 0; i < expected.size(0); ++i) {
    EXPECT_LE(max_abs_difference(batch.samples[i], expected[i]), 1)
        << listing["images"][i].get<std::string>();
  }
  EXPECT_TRUE(torch::equal(batch.labels, torch::tensor(listing.at("labels").get<std::vector<int64_t>>())));
  EXPECT_EQ(entry_count(temp.path()), 1);  // "out" only: the staging directory is gone
}

INSTANTIATE_TEST_SUITE_P(EdmTransforms, ImageNetFolderConvert,
                         ::testing::Values("center-crop", "center-crop-dhariwal"));

TEST(ImageNetFolderConvertErrors, TruncatedJpegIsNamedAndLeavesNoDataset) {
  const dact::testing::TempDir temp;
  fs::copy(image_sources_dir() + "/imagenet/train", temp / "train", fs::copy_options::recursive);
  const std::string broken = temp / "train/n01443537/n01443537_1.jpeg";
  const auto size = fs::file_size(broken);
  fs::resize_file(broken, size * 2 / 3);
  ConvertOptions options;
  options.resolution = 8;
  options.shard_size = 1;  // three shards are written before the broken image is read
  fs::create_directories(temp / "datasets");
  const std::string error = convert_error(temp / "train", temp / "datasets/imagenet8", options);
  EXPECT_NE(error.find(broken + ": cannot decode JPEG: Premature end of JPEG file"),
            std::string::npos)
      << error;
  EXPECT_EQ(entry_count(temp / "datasets"), 0);  // no dataset, no staging directory
}

TEST(ImageNetFolderConvertErrors, NonEmptyDestinationIsRefusedAndLeftAsItWas) {
  const dact::testing::TempDir temp;
  fs::create_directories(temp / "dest");
  std::ofstream(temp / "dest/keep.txt") << "mine";
  ConvertOptions options;
  options.resolution = 8;
  const std::string error =
      convert_error(image_sources_dir() + "/imagenet/train", temp / "dest", options);
  EXPECT_NE(error.find(temp / "dest" + ": exists and is not an empty directory"),
            std::string::npos)
      << error;
  EXPECT_EQ(entry_count(temp / "dest"), 1);
  EXPECT_EQ(entry_count(temp.path()), 1);
}

TEST(ImageNetFolderConvertErrors, MixedSizesWithoutResolutionNameTheImage) {
  const dact::testing::TempDir temp;
  const std::string error = convert_error(image_sources_dir() + "/imagenet/train", temp / "out", {});
  EXPECT_NE(error.find("n01440764_1.JPEG: is 40x30 (WxH), not square: give --resolution"),
            std::string::npos)
      << error;
  EXPECT_FALSE(fs::exists(temp / "out"));
}

TEST(EdmZipConvert, KeepsPixelsLabelsAndSizeOfTheArchive) {
  const dact::testing::TempDir temp;
  const nlohmann::json listing = nlohmann::json::parse(std::ifstream(image_sources_dir() + "/edm.json"));
  const auto converted = convert_dataset(image_sources_dir() + "/edm.zip", temp / "out", {});
  ASSERT_EQ(converted.size(), 1u);
  const ShardManifest& manifest = converted[0].manifest;
  EXPECT_EQ(manifest.resolution, 8);
  EXPECT_EQ(manifest.class_names, (std::vector<std::string>{"0", "1", "2", "3", "4", "5", "6"}));
  const SampleBatch batch = read_converted(temp / "out");
  // PNG is lossless, so Pillow's pixels exactly (gray expanded, alpha dropped).
  EXPECT_TRUE(torch::equal(batch.samples, read_hwc_images(image_sources_dir() + "/edm.u8", 8)));
  EXPECT_TRUE(torch::equal(batch.labels, torch::tensor(listing.at("labels").get<std::vector<int64_t>>())));
}

TEST(EdmZipConvert, NullLabelsMakeOneUnlabeledClass) {
  const dact::testing::TempDir temp;
  ConvertOptions options;
  options.resolution = 4;
  options.transform = "center-crop-dhariwal";
  const auto converted = convert_dataset(image_sources_dir() + "/edm_unlabeled.zip", temp / "out", options);
  EXPECT_EQ(converted[0].manifest.class_names, (std::vector<std::string>{"unlabeled"}));
  const SampleBatch batch = read_converted(temp / "out");
  EXPECT_EQ(batch.samples.sizes(), (std::vector<int64_t>{6, 3, 4, 4}));
  EXPECT_EQ(batch.labels.count_nonzero().item<int64_t>(), 0);
}

struct BrokenZip {
  const char* file;
  const char* error;  // what the message says after the source's folder
};

class EdmZipConvertErrors : public ::testing::TestWithParam<BrokenZip> {};

TEST_P(EdmZipConvertErrors, NameTheFileAndLeaveNoDataset) {
  const dact::testing::TempDir temp;
  const std::string error =
      convert_error(image_sources_dir() + "/" + GetParam().file, temp / "out", {});
  EXPECT_NE(error.find(image_sources_dir() + "/" + GetParam().error), std::string::npos) << error;
  EXPECT_EQ(entry_count(temp.path()), 0) << error;
}

INSTANTIATE_TEST_SUITE_P(
    Sources, EdmZipConvertErrors,
    ::testing::Values(
        BrokenZip{"edm_missing_label.zip",
                  "edm_missing_label.zip:00001/img00000005.png: has no entry in dataset.json's labels"},
        BrokenZip{"edm_unknown_label.zip",
                  "edm_unknown_label.zip:dataset.json: labels '00001/img00000099.png', which is "
                  "not an image of the archive"},
        BrokenZip{"edm_not_png.zip",
                  "edm_not_png.zip:00000/img00000001.png: not a PNG or JPEG image"},
        BrokenZip{"edm_bad_json.zip", "edm_bad_json.zip:dataset.json: not valid JSON"},
        BrokenZip{"edm_truncated.zip", "edm_truncated.zip: cannot open as a ZIP archive"},
        BrokenZip{"edm_bad_crc.zip", "edm_bad_crc.zip:00001/img00000005.png: cannot read: CRC error"}));

}  // namespace
}  // namespace dact::storage
