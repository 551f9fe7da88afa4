#include "storage/tensor_file.h"

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <thread>

#include "storage/h5_tensor_io.h"
#include "storage/storage_error.h"

namespace dact::storage {
namespace {

namespace fs = std::filesystem;

class TensorFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("dact_tensor_file_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string path(const std::string& name) const { return (dir_ / name).string(); }

  fs::path dir_;
};

std::string read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

void write_bytes(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary | std::ios::trunc).write(bytes.data(), bytes.size());
}

// Bitwise equality, so NaN payloads and signed zeros count too.
bool same_bytes(const torch::Tensor& a, const torch::Tensor& b) {
  return a.scalar_type() == b.scalar_type() && a.sizes() == b.sizes() &&
         std::memcmp(a.contiguous().data_ptr(), b.contiguous().data_ptr(),
                     a.numel() * a.element_size()) == 0;
}

TEST_F(TensorFileTest, RoundTripsEveryDtypeBitExactly) {
  torch::manual_seed(3);
  const torch::Tensor base = torch::randn({3, 5}) * 100;
  TensorFile written;
  written.tensors["f32"] = base;
  written.tensors["f64"] = base.to(torch::kFloat64) / 3;
  written.tensors["f16"] = base.to(torch::kFloat16);
  written.tensors["bf16"] = base.to(torch::kBFloat16);
  written.tensors["i64"] = torch::arange(-7, 8, torch::kInt64) * (int64_t{1} << 40);
  written.tensors["i32"] = torch::arange(-5, 5, torch::kInt32);
  written.tensors["u8"] = torch::arange(0, 256, torch::kInt32).to(torch::kUInt8);
  written.tensors["bool"] = base > 0;
  written.tensors["scalar"] = torch::tensor(2.5);
  written.tensors["empty"] = torch::empty({0, 4});
  written.tensors["unet.enc.4x4_block0.attn_qkv.weight"] = torch::randn({6, 2, 1, 1});
  written.metadata = {{"step", 42}, {"config_hash", "abc"}};
  write_tensor_file(path("t.h5"), written);

  const TensorFile read = read_tensor_file(path("t.h5"));
  EXPECT_EQ(read.metadata, written.metadata);
  ASSERT_EQ(read.tensors.size(), written.tensors.size());
  for (const auto& [name, tensor] : written.tensors) {
    ASSERT_TRUE(read.tensors.count(name)) << name;
    EXPECT_TRUE(same_bytes(read.tensors.at(name), tensor)) << name;
  }
}

// A resumed run writes again a snapshot it wrote before it was killed (same name, same
// tracks); the file must come out byte for byte as before, also seconds later.
TEST_F(TensorFileTest, SameContentsWrittenAgainLaterGiveTheSameBytes) {
  TensorFile contents;
  contents.tensors["w"] = torch::arange(12, torch::kFloat32).reshape({3, 4});
  contents.tensors["b"] = torch::ones({2}, torch::kFloat64);
  contents.metadata = {{"nimg", 64}};
  write_tensor_file(path("a.h5"), contents);
  const std::string first = read_bytes(path("a.h5"));
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));  // HDF5 object times have 1 s resolution
  write_tensor_file(path("a.h5"), contents);
  EXPECT_TRUE(first == read_bytes(path("a.h5")));
}

TEST_F(TensorFileTest, RefusesTruncatedFile) {
  TensorFile written;
  written.tensors["w"] = torch::randn({64, 64});
  write_tensor_file(path("t.h5"), written);
  const std::string bytes = read_bytes(path("t.h5"));
  write_bytes(path("t.h5"), bytes.substr(0, bytes.size() / 2));
  std::string reason;
  EXPECT_FALSE(tensor_file_verifies(path("t.h5"), &reason));
  EXPECT_NE(reason.find("t.h5"), std::string::npos) << reason;
}

TEST_F(TensorFileTest, FlippedDataByteIsNamedByTensor) {
  TensorFile written;
  written.tensors["marker"] = torch::full({1024}, 1234567, torch::kInt32);
  written.tensors["other"] = torch::zeros({4});
  write_tensor_file(path("t.h5"), written);
  std::string bytes = read_bytes(path("t.h5"));
  const int32_t marker = 1234567;
  const std::string pattern(reinterpret_cast<const char*>(&marker), sizeof marker);
  const size_t offset = bytes.find(pattern + pattern);
  ASSERT_NE(offset, std::string::npos);
  bytes[offset + 4 * 100] ^= 0x01;
  write_bytes(path("t.h5"), bytes);
  try {
    read_tensor_file(path("t.h5"));
    FAIL() << "a corrupted tensor was loaded";
  } catch (const StorageError& e) {
    EXPECT_NE(std::string(e.what()).find("'marker'"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("checksum"), std::string::npos) << e.what();
  }
}

TEST_F(TensorFileTest, FailedWriteLeavesOldFileAndNoTemp) {
  TensorFile good;
  good.tensors["w"] = torch::ones({2});
  write_tensor_file(path("t.h5"), good);
  TensorFile bad;
  bad.tensors["a"] = torch::ones({2});
  bad.tensors["z"] = torch::ones({2}, torch::kComplexFloat);  // not storable
  EXPECT_THROW(write_tensor_file(path("t.h5"), bad), StorageError);
  const TensorFile read = read_tensor_file(path("t.h5"));
  EXPECT_TRUE(same_bytes(read.tensors.at("w"), good.tensors.at("w")));
  for (const auto& entry : fs::directory_iterator(dir_)) {
    EXPECT_EQ(entry.path().filename(), "t.h5") << "left behind: " << entry.path();
  }
}

TEST_F(TensorFileTest, MissingAndForeignFilesAreClearErrors) {
  EXPECT_THROW(read_tensor_file(path("absent.h5")), StorageError);
  write_bytes(path("text.h5"), "not hdf5 at all");
  std::string reason;
  EXPECT_FALSE(tensor_file_verifies(path("text.h5"), &reason));
  EXPECT_NE(reason.find("text.h5"), std::string::npos) << reason;
}

// Rewrites the file's metadata attribute in place, as an editor of the file would.
void edit_metadata(const std::string& path, const std::string& from, const std::string& to) {
  H5::H5File file(path, H5F_ACC_RDWR);
  std::string metadata = read_h5_string_attribute(file, "metadata");
  const size_t at = metadata.find(from);
  ASSERT_NE(at, std::string::npos) << metadata;
  metadata.replace(at, from.size(), to);
  write_h5_string_attribute(file, "metadata", metadata);
}

TEST_F(TensorFileTest, EditedMetadataFailsItsChecksumNamingTheFile) {
  TensorFile contents;
  contents.tensors["w"] = torch::ones({2});
  contents.metadata = {{"step", 188}, {"kind", "training-checkpoint"}};
  for (const auto& [from, to] : {std::pair<std::string, std::string>{"188", "183"}, {"\"step\"", "\"stp\""}}) {
    write_tensor_file(path("t.h5"), contents);
    edit_metadata(path("t.h5"), from, to);
    try {
      read_tensor_file(path("t.h5"));
      ADD_FAILURE() << "an edit of " << from << " to " << to << " passed verification";
    } catch (const StorageError& e) {
      EXPECT_NE(std::string(e.what()).find(path("t.h5")), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find("header_xxh64"), std::string::npos) << e.what();
    }
  }
}

TEST_F(TensorFileTest, RenamedTensorFailsTheHeaderChecksum) {
  TensorFile contents;
  contents.tensors["a"] = torch::ones({2});
  write_tensor_file(path("t.h5"), contents);
  {
    H5::H5File file(path("t.h5"), H5F_ACC_RDWR);
    const H5::Group group = file.openGroup("tensors");
    ASSERT_GE(H5Lmove(group.getId(), "a", group.getId(), "b", H5P_DEFAULT, H5P_DEFAULT), 0);
  }
  EXPECT_THROW(read_tensor_file(path("t.h5")), StorageError);
}

TEST_F(TensorFileTest, DeclaredShapeBeyondTheFileSizeIsRefusedBeforeAllocating) {
  TensorFile contents;
  contents.tensors["w"] = torch::ones({2});
  write_tensor_file(path("t.h5"), contents);
  {
    // 2^45 floats (128 TiB) declared, nothing written: the file stays a few KiB.
    H5::H5File file(path("t.h5"), H5F_ACC_RDWR);
    const hsize_t dims[1] = {hsize_t{1} << 45};
    file.openGroup("tensors").createDataSet("huge", H5::PredType::IEEE_F32LE, H5::DataSpace(1, dims));
  }
  try {
    read_tensor_file(path("t.h5"));
    ADD_FAILURE() << "a 128 TiB dataset was read";
  } catch (const StorageError& e) {
    EXPECT_NE(std::string(e.what()).find("dataset 'huge' declares shape [35184372088832]"), std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace dact::storage
