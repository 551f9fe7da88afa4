// `dact dataset convert/verify/info` on the real Fashion-MNIST of the Debian
// package dataset-fashion-mnist, run through the built binary.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "tests/storage/image_source_files.h"
#include "tests/support/run_dact_command.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_paths.h"

namespace {

dact::testing::DactResult run_dact(const std::string& arguments) {
  return dact::testing::run_dact_command(arguments, /*merge_stderr=*/true);
}

TEST(DatasetCli, FashionMnistConvertsVerifiesAndCatchesAFlippedByte) {
  const std::string fashion_mnist = dact::testing::fashion_mnist_dir();
  const dact::testing::TempDir temp("dact-cli");
  const std::string dest = temp.path() + "/fmnist";

  const dact::testing::DactResult convert =
      run_dact("dataset convert --source " + fashion_mnist + " --dest " + dest);
  ASSERT_EQ(convert.exit_code, 0) << convert.output;

  const dact::testing::DactResult info = run_dact("dataset info " + dest);
  ASSERT_EQ(info.exit_code, 0) << info.output;
  EXPECT_NE(info.output.find("samples:    60000 images [1, 28, 28] uint8"), std::string::npos)
      << info.output;
  EXPECT_NE(info.output.find("samples:    10000 images [1, 28, 28] uint8"), std::string::npos)
      << info.output;
  EXPECT_NE(info.output.find("classes:    10: T-shirt/top, Trouser"), std::string::npos)
      << info.output;

  const dact::testing::DactResult verify = run_dact("dataset verify " + dest);
  EXPECT_EQ(verify.exit_code, 0) << verify.output;
  EXPECT_NE(verify.output.find("ok (6 shards, 60000 samples)"), std::string::npos) << verify.output;

  {
    const std::string shard = dest + "/test/shard-00000.h5";
    std::fstream file(shard, std::ios::in | std::ios::out | std::ios::binary);
    file.seekg(200000);
    char byte = 0;
    file.read(&byte, 1);
    byte = static_cast<char>(byte ^ 0x01);
    file.seekp(200000);
    file.write(&byte, 1);
    ASSERT_TRUE(file.good());
  }
  const dact::testing::DactResult corrupt = run_dact("dataset verify " + dest);
  EXPECT_NE(corrupt.exit_code, 0) << corrupt.output;
  EXPECT_NE(corrupt.output.find("test/shard-00000.h5: xxh64 checksum"), std::string::npos)
      << corrupt.output;
  EXPECT_NE(corrupt.output.find("dact: error:"), std::string::npos) << corrupt.output;

  const dact::testing::DactResult missing = run_dact("dataset verify " + temp.path() + "/nothing");
  EXPECT_NE(missing.exit_code, 0) << missing.output;
}

TEST(DatasetCli, EdmZipConvertsWithATransformAndAnUnknownTransformIsRefused) {
  const std::string zip = dact::storage::testing::image_sources_dir() + "/edm.zip";
  const dact::testing::TempDir temp("dact-cli");
  const dact::testing::DactResult convert =
      run_dact("dataset convert --source " + zip + " --dest " + temp.path() +
               "/edm4 --resolution 4 --transform center-crop-dhariwal");
  ASSERT_EQ(convert.exit_code, 0) << convert.output;
  EXPECT_NE(convert.output.find("edm4: 6 images [3, 4, 4] uint8 in 1 shards, 7 classes"),
            std::string::npos)
      << convert.output;

  const dact::testing::DactResult unknown = run_dact(
      "dataset convert --source " + zip + " --dest " + temp.path() + "/x --transform center-crop-wide");
  EXPECT_NE(unknown.exit_code, 0) << unknown.output;
  EXPECT_NE(unknown.output.find("--transform"), std::string::npos) << unknown.output;
  EXPECT_FALSE(std::filesystem::exists(temp.path() + "/x"));
}

}  // namespace
