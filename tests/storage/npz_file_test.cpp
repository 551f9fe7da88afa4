// NumPy's .npz, both ways, against numpy itself (Debian's /usr/bin/python3): arrays
// np.savez and np.savez_compressed wrote are read exactly; what write_npz writes numpy
// reads back exactly; damaged files are errors naming them.
#include "storage/npz_file.h"

#include <gtest/gtest.h>

#include <fstream>

#include "storage/storage_error.h"
#include "tests/support/run_dact_command.h"
#include "tests/support/temp_dir.h"

namespace dact::storage {
namespace {

constexpr char kPython[] = "/usr/bin/python3";

dact::testing::DactResult python(const std::string& program) {
  return dact::testing::run_shell_command(std::string(kPython) + " -c \"" + program + "\"", true);
}

// The arrays both sides build: float64 thirds, a float32 matrix, int64, uint8 images.
std::map<std::string, torch::Tensor> expected_arrays() {
  return {{"mu", torch::arange(5, torch::kFloat64) / 3},
          {"sigma", torch::arange(12, torch::kFloat32).reshape({3, 4}) / 7},
          {"steps", torch::arange(-2, 4, torch::kInt64)},
          {"arr_0", torch::arange(2 * 3 * 4 * 3, torch::kInt64).remainder(256).to(torch::kUInt8).reshape({2, 3, 4, 3})}};
}

const char kNumpyArrays[] =
    "import numpy as np; "
    "a = dict(mu=np.arange(5, dtype=np.float64) / 3, sigma=np.arange(12, dtype=np.float32).reshape(3, 4) / np.float32(7), "
    "steps=np.arange(-2, 4, dtype=np.int64), arr_0=(np.arange(72) % 256).astype(np.uint8).reshape(2, 3, 4, 3)); ";

void expect_expected_arrays(const std::map<std::string, torch::Tensor>& arrays) {
  const auto expected = expected_arrays();
  ASSERT_EQ(arrays.size(), expected.size());
  for (const auto& [name, tensor] : expected) {
    ASSERT_TRUE(arrays.count(name)) << name;
    EXPECT_EQ(arrays.at(name).scalar_type(), tensor.scalar_type()) << name;
    EXPECT_TRUE(torch::equal(arrays.at(name), tensor)) << name << "\n" << arrays.at(name) << "\n" << tensor;
  }
}

TEST(NpzFile, ArraysNumpyWroteAreReadExactly) {
  dact::testing::TempDir dir("dact_npz");
  const auto made = python(std::string(kNumpyArrays) + "np.savez('" + (dir / "plain.npz") + "', **a); np.savez_compressed('" +
                           (dir / "compressed.npz") + "', **a)");
  ASSERT_EQ(made.exit_code, 0) << made.output;
  expect_expected_arrays(read_npz(dir / "plain.npz"));
  expect_expected_arrays(read_npz(dir / "compressed.npz"));
}

TEST(NpzFile, NumpyReadsWhatWeWriteExactly) {
  dact::testing::TempDir dir("dact_npz");
  write_npz(dir / "ours.npz", expected_arrays());
  const auto read = python(std::string(kNumpyArrays) + "b = np.load('" + (dir / "ours.npz") +
                           "'); assert sorted(b.files) == sorted(a), b.files; "
                           "[np.testing.assert_array_equal(b[k], a[k]) or None for k in a]; "
                           "assert all(b[k].dtype == a[k].dtype for k in a); print('equal')");
  EXPECT_EQ(read.exit_code, 0) << read.output;
  EXPECT_NE(read.output.find("equal"), std::string::npos) << read.output;
  expect_expected_arrays(read_npz(dir / "ours.npz"));
}

TEST(NpzFile, DamagedFilesAreErrorsNamingThem) {
  dact::testing::TempDir dir("dact_npz");
  write_npz(dir / "ours.npz", expected_arrays());
  std::ifstream source(dir / "ours.npz", std::ios::binary);
  const std::string bytes{std::istreambuf_iterator<char>(source), {}};
  std::ofstream(dir / "truncated.npz", std::ios::binary) << bytes.substr(0, bytes.size() / 2);
  std::string flipped = bytes;
  flipped[200] = static_cast<char>(flipped[200] ^ 0x55);  // inside the first entry: its CRC no longer matches
  std::ofstream(dir / "flipped.npz", std::ios::binary) << flipped;
  for (const std::string name : {"truncated.npz", "flipped.npz", "missing.npz"}) {
    try {
      read_npz(dir / name);
      ADD_FAILURE() << name << " was read";
    } catch (const StorageError& e) {
      EXPECT_NE(std::string(e.what()).find(name), std::string::npos) << e.what();
    }
  }
  const auto fortran = python(std::string("import numpy as np; np.savez('") + (dir / "fortran.npz") +
                              "', m=np.asfortranarray(np.ones((2, 3))))");
  ASSERT_EQ(fortran.exit_code, 0) << fortran.output;
  EXPECT_THROW(read_npz(dir / "fortran.npz"), StorageError);
}

}  // namespace
}  // namespace dact::storage
