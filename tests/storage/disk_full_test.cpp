// A full disk (here: a file-size limit, RLIMIT_FSIZE, which fails writes with EFBIG as
// a full disk fails them with ENOSPC) is reported with the system's reason, HDF5 prints
// nothing of its own, and the file that was there before is untouched.
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>

#include "storage/atomic_file.h"
#include "storage/storage_error.h"
#include "storage/tensor_file.h"
#include "tests/support/child_process.h"
#include "tests/support/temp_dir.h"

namespace dact::storage {
namespace {

namespace fs = std::filesystem;

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

// Runs `write` in a child limited to files of 64 KiB with SIGXFSZ ignored (so the
// write fails with EFBIG instead of killing it); returns the StorageError's message
// ("" when nothing was thrown). The child's stderr goes to `stderr_path`.
std::string error_of_limited_write(const std::function<void()>& write, const std::string& message_path,
                                   const std::string& stderr_path) {
  const pid_t child = ::fork();
  if (child == 0) {
    if (std::freopen(stderr_path.c_str(), "w", stderr) == nullptr) ::_exit(2);
    std::signal(SIGXFSZ, SIG_IGN);
    const rlimit limit{64 << 10, 64 << 10};
    ::setrlimit(RLIMIT_FSIZE, &limit);
    std::string message;
    try {
      write();
    } catch (const StorageError& e) {
      message = e.what();
    }
    std::ofstream(message_path) << message;  // tiny: under the limit
    std::fflush(stderr);
    ::_exit(0);
  }
  EXPECT_EQ(dact::testing::wait_exit(child, 60), 0);
  return read_text(message_path);
}

class DiskFullTest : public ::testing::Test {
 protected:
  std::string path(const std::string& name) const { return dir_.path() + "/" + name; }
  // Only the target file may be left: no temporary file of the failed write.
  void expect_only(const std::string& name) const {
    for (const auto& entry : fs::directory_iterator(dir_.path())) {
      const std::string file = entry.path().filename().string();
      if (file == "message" || file == "stderr") continue;
      EXPECT_EQ(file, name) << "left behind: " << entry.path();
    }
  }
  dact::testing::TempDir dir_{"dact_disk_full"};
};

TEST_F(DiskFullTest, TensorFileWriteNamesTheSystemErrorAndHdf5PrintsNothing) {
  TensorFile old_contents;
  old_contents.tensors["w"] = torch::ones({4});
  write_tensor_file(path("t.h5"), old_contents);
  const std::string old_bytes = read_text(path("t.h5"));
  TensorFile big;
  big.tensors["w"] = torch::ones({1 << 20});  // 4 MiB
  const std::string message =
      error_of_limited_write([&] { write_tensor_file(path("t.h5"), big); }, path("message"), path("stderr"));
  EXPECT_NE(message.find(path("t.h5")), std::string::npos) << message;
  EXPECT_NE(message.find("File too large"), std::string::npos) << message;
  EXPECT_EQ(read_text(path("stderr")).find("HDF5-DIAG"), std::string::npos) << read_text(path("stderr"));
  EXPECT_EQ(read_text(path("t.h5")), old_bytes);
  expect_only("t.h5");
}

TEST_F(DiskFullTest, AtomicWriteNamesTheSystemError) {
  write_file_atomically(path("f"), "old");
  const std::string message = error_of_limited_write(
      [&] { write_file_atomically(path("f"), std::string(1 << 20, 'x')); }, path("message"), path("stderr"));
  EXPECT_NE(message.find("File too large"), std::string::npos) << message;
  EXPECT_EQ(read_text(path("f")), "old");
  expect_only("f");
}

}  // namespace
}  // namespace dact::storage
