// dact dataset convert / verify on small synthetic sources: gzipped IDX files
// and a PNG class folder written by the test itself.
#include "storage/dataset_convert.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "storage/dataset_verify.h"
#include "storage/shard_dataset.h"
#include "storage/shard_file.h"
#include "storage/storage_error.h"
#include "tests/storage/shard_test_files.h"

namespace dact::storage {
namespace {

using testing::TempDir;

struct IdxSource {
  torch::Tensor train_images, train_labels, test_images, test_labels;
};

// 50 train and 20 test images of 6x6 with random pixels and labels 0..3.
IdxSource write_idx_source(const std::string& dir) {
  torch::manual_seed(7);
  IdxSource source{torch::randint(0, 256, {50, 6, 6}).to(torch::kUInt8),
                   torch::randint(0, 4, {50}).to(torch::kUInt8),
                   torch::randint(0, 256, {20, 6, 6}).to(torch::kUInt8),
                   torch::randint(0, 4, {20}).to(torch::kUInt8)};
  source.train_labels[0] = 3;  // the class count is derived from the largest label
  std::filesystem::create_directories(dir);
  testing::write_idx_gz(dir + "/train-images-idx3-ubyte.gz", source.train_images);
  testing::write_idx_gz(dir + "/train-labels-idx1-ubyte.gz", source.train_labels);
  testing::write_idx_gz(dir + "/t10k-images-idx3-ubyte.gz", source.test_images);
  testing::write_idx_gz(dir + "/t10k-labels-idx1-ubyte.gz", source.test_labels);
  return source;
}

SampleBatch read_all(const std::string& dataset_dir) {
  const ShardDataset dataset(dataset_dir);
  std::vector<int64_t> all(static_cast<size_t>(dataset.size()));
  for (size_t i = 0; i < all.size(); ++i) all[i] = static_cast<int64_t>(i);
  return dataset.read(all);
}

TEST(DatasetConvert, IdxSplitsBecomeTrainAndTestWithExactPixels) {
  TempDir temp;
  const IdxSource source = write_idx_source(temp / "idx");
  ConvertOptions options;
  options.shard_size = 16;
  const auto converted = convert_dataset(temp / "idx", temp / "out", options);
  ASSERT_EQ(converted.size(), 2u);

  const ShardManifest train = read_manifest(temp / "out/train");
  EXPECT_EQ(train.total_count, 50);
  ASSERT_EQ(train.shards.size(), 4u);  // 16 + 16 + 16 + 2
  EXPECT_EQ(train.shards[3].count, 2);
  EXPECT_EQ(train.sample_shape, (std::vector<int64_t>{1, 6, 6}));
  EXPECT_EQ(train.dtype, "uint8");
  EXPECT_EQ(train.class_names, (std::vector<std::string>{"0", "1", "2", "3"}));
  EXPECT_EQ(read_manifest(temp / "out/test").total_count, 20);

  const SampleBatch batch = read_all(temp / "out/train");
  EXPECT_TRUE(torch::equal(batch.samples, source.train_images.unsqueeze(1)));
  EXPECT_TRUE(torch::equal(batch.labels, source.train_labels.to(torch::kInt64)));
  EXPECT_TRUE(torch::equal(read_all(temp / "out/test").samples, source.test_images.unsqueeze(1)));
}

TEST(DatasetConvert, IdxToLargerResolutionZeroPadsCentred) {
  TempDir temp;
  const IdxSource source = write_idx_source(temp / "idx");
  ConvertOptions options;
  options.resolution = 10;
  options.split = "test";
  convert_dataset(temp / "idx", temp / "out", options);
  EXPECT_FALSE(std::filesystem::exists(temp / "out/train"));

  const torch::Tensor samples = read_all(temp / "out/test").samples;
  ASSERT_EQ(samples.sizes(), (std::vector<int64_t>{20, 1, 10, 10}));
  using torch::indexing::Slice;
  EXPECT_TRUE(
      torch::equal(samples.index({Slice(), 0, Slice(2, 8), Slice(2, 8)}), source.test_images));
  torch::Tensor border = samples.clone();
  border.index_put_({Slice(), Slice(), Slice(2, 8), Slice(2, 8)}, 0);
  EXPECT_EQ(border.count_nonzero().item<int64_t>(), 0);
}

TEST(DatasetConvert, PngFolderIsCentreCroppedPerClass) {
  TempDir temp;
  torch::manual_seed(3);
  // Non-square 6x8 (H x W) images: the central 6x6 square is columns 1..6.
  const torch::Tensor cat = torch::randint(0, 256, {3, 6, 8}).to(torch::kUInt8);
  const torch::Tensor dog_a = torch::randint(0, 256, {3, 6, 8}).to(torch::kUInt8);
  const torch::Tensor dog_b = torch::randint(0, 256, {3, 6, 8}).to(torch::kUInt8);
  std::filesystem::create_directories(temp / "png/cat");
  std::filesystem::create_directories(temp / "png/dog");
  testing::write_png_rgb(temp / "png/cat/x.png", cat);
  testing::write_png_rgb(temp / "png/dog/a.png", dog_a);
  testing::write_png_rgb(temp / "png/dog/b.PNG", dog_b);
  std::ofstream(temp / "png/dog/notes.txt") << "not an image";

  ConvertOptions options;
  options.resolution = 6;
  const auto converted = convert_dataset(temp / "png", temp / "out", options);
  ASSERT_EQ(converted.size(), 1u);
  EXPECT_EQ(converted[0].manifest.class_names, (std::vector<std::string>{"cat", "dog"}));

  const SampleBatch batch = read_all(temp / "out");
  using torch::indexing::Slice;
  const torch::Tensor expected =
      torch::stack({cat, dog_a, dog_b}).index({Slice(), Slice(), Slice(), Slice(1, 7)});
  EXPECT_TRUE(torch::equal(batch.samples, expected));
  EXPECT_TRUE(torch::equal(batch.labels, torch::tensor({0, 1, 1}, torch::kInt64)));
}

TEST(DatasetConvert, PngFolderResizeKeepsAUniformImageUniform) {
  TempDir temp;
  std::filesystem::create_directories(temp / "png/only");
  testing::write_png_rgb(temp / "png/only/a.png", torch::full({3, 20, 30}, 77, torch::kUInt8));
  ConvertOptions options;
  options.resolution = 8;
  convert_dataset(temp / "png", temp / "out", options);
  EXPECT_TRUE(
      torch::equal(read_all(temp / "out").samples, torch::full({1, 3, 8, 8}, 77, torch::kUInt8)));
}

TEST(DatasetConvert, RefusesToOverwriteAnExistingDataset) {
  TempDir temp;
  write_idx_source(temp / "idx");
  convert_dataset(temp / "idx", temp / "out", {});
  EXPECT_THROW(convert_dataset(temp / "idx", temp / "out", {}), StorageError);
}

TEST(DatasetVerify, PassesThenNamesTheShardWithAFlippedByte) {
  TempDir temp;
  write_idx_source(temp / "idx");
  ConvertOptions options;
  options.shard_size = 16;
  options.split = "train";
  convert_dataset(temp / "idx", temp / "out", options);
  const std::string dataset_dir = temp / "out/train";
  EXPECT_TRUE(verify_dataset(dataset_dir).ok());

  const std::string shard = dataset_dir + "/shard-00002.h5";
  testing::flip_byte(shard, static_cast<int64_t>(std::filesystem::file_size(shard)) - 1);
  const VerifyReport report = verify_dataset(dataset_dir);
  ASSERT_EQ(report.problems.size(), 1u);
  EXPECT_NE(report.problems[0].find("shard-00002.h5"), std::string::npos) << report.problems[0];
  EXPECT_NE(report.problems[0].find("checksum"), std::string::npos) << report.problems[0];
}

TEST(DatasetVerify, MissingShardIsReported) {
  TempDir temp;
  write_idx_source(temp / "idx");
  ConvertOptions options;
  options.shard_size = 16;
  options.split = "train";
  convert_dataset(temp / "idx", temp / "out", options);
  std::filesystem::remove(temp / "out/train/shard-00001.h5");
  const VerifyReport report = verify_dataset(temp / "out/train");
  ASSERT_EQ(report.problems.size(), 1u);
  EXPECT_NE(report.problems[0].find("shard-00001.h5: missing"), std::string::npos);
}

// Replaces shard 0 with a file holding `samples` and updates the manifest's
// checksum, so only the structural check can catch the mismatch.
void replace_first_shard(const std::string& dataset_dir, const torch::Tensor& samples) {
  ShardManifest manifest = read_manifest(dataset_dir);
  const std::string path = dataset_dir + "/" + manifest.shards[0].file;
  std::filesystem::remove(path);
  manifest.shards[0].xxh64 =
      write_shard_file(path, manifest.sample_key, samples,
                       torch::zeros({samples.size(0)}, torch::kInt32), manifest.chunk_samples);
  std::filesystem::remove(dataset_dir + "/manifest.json");
  write_manifest(dataset_dir, manifest);
}

std::string open_error(const std::string& dataset_dir) {
  try {
    ShardDataset dataset(dataset_dir);
  } catch (const StorageError& e) {
    return e.what();
  }
  return "";
}

TEST(ShardDatasetOpen, RefusesWrongDtypeNamingShardAndDataset) {
  TempDir temp;
  write_idx_source(temp / "idx");
  ConvertOptions options;
  options.split = "test";
  convert_dataset(temp / "idx", temp / "out", options);
  replace_first_shard(temp / "out/test", torch::zeros({20, 1, 6, 6}, torch::kFloat32));
  const std::string error = open_error(temp / "out/test");
  EXPECT_NE(error.find("shard-00000.h5"), std::string::npos) << error;
  EXPECT_NE(error.find("dataset 'images': dtype float32 (manifest says uint8)"), std::string::npos)
      << error;
  EXPECT_FALSE(verify_dataset(temp / "out/test").ok());
}

TEST(ShardDatasetOpen, RefusesWrongShapeNamingShardAndDataset) {
  TempDir temp;
  write_idx_source(temp / "idx");
  ConvertOptions options;
  options.split = "test";
  convert_dataset(temp / "idx", temp / "out", options);
  replace_first_shard(temp / "out/test", torch::zeros({20, 1, 5, 5}, torch::kUInt8));
  const std::string error = open_error(temp / "out/test");
  EXPECT_NE(error.find("shard-00000.h5"), std::string::npos) << error;
  EXPECT_NE(error.find("dataset 'images': shape [20, 1, 5, 5] (manifest says [20, 1, 6, 6])"),
            std::string::npos)
      << error;
}

TEST(ShardManifestRead, MissingKeyIsNamed) {
  TempDir temp;
  std::ofstream(temp / "manifest.json") << R"({"format_version": 1, "sample_key": "images"})";
  try {
    read_manifest(temp.path());
    FAIL() << "expected a StorageError";
  } catch (const StorageError& e) {
    EXPECT_NE(std::string(e.what()).find("missing key 'dtype'"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("manifest.json"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace dact::storage
