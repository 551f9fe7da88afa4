// `dact dataset convert/verify/info` on the real Fashion-MNIST of the Debian
// package dataset-fashion-mnist, run through the built binary.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "tests/launch/run_dact_command.h"

namespace {

const char* const kFashionMnist = "/usr/share/datasets/fashion-mnist";

dact::testing::DactResult run_dact(const std::string& arguments) {
  return dact::testing::run_dact_command(arguments, /*merge_stderr=*/true);
}

class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "dact-cli-XXXXXX").string();
    path_ = ::mkdtemp(pattern.data()) ? pattern : "";
  }
  ~TempDir() {
    if (!path_.empty()) std::filesystem::remove_all(path_);
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

TEST(DatasetCli, FashionMnistConvertsVerifiesAndCatchesAFlippedByte) {
  if (!std::filesystem::exists(std::string(kFashionMnist) + "/train-images-idx3-ubyte.gz")) {
    GTEST_SKIP() << "install the Debian package dataset-fashion-mnist";
  }
  TempDir temp;
  ASSERT_FALSE(temp.path().empty());
  const std::string dest = temp.path() + "/fmnist";

  const dact::testing::DactResult convert =
      run_dact(std::string("dataset convert --source ") + kFashionMnist + " --dest " + dest);
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

}  // namespace
