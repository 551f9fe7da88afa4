// tests/reference is the repository's copy of the reference outputs; on the project's
// own machines ../shared/reference beside the checkout is where refreshed ones arrive.
// A file there that is missing here or differs fails this test by name, so a refreshed
// reference is never silently ignored (tools/sync_reference.sh copies them).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include "tests/support/test_paths.h"

namespace dact::testing {
namespace {

namespace fs = std::filesystem;

std::string file_bytes(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

TEST(ReferenceCopy, EveryFileTheTestsReadIsInTheRepository) {
  for (const char* name : {"README.md", "edm2_math.json", "edm2_precond_tiny.h5", "edm_sampler_gaussian.h5",
                           "dit_tiny.h5", "dit_energy_tiny.h5", "ddpm_reference.h5", "metrics_reference.h5"}) {
    EXPECT_TRUE(fs::is_regular_file(reference_file(name))) << reference_file(name);
  }
}

TEST(ReferenceCopy, MatchesSharedReference) {
  const fs::path shared = fs::path(source_dir()).parent_path() / "shared" / "reference";
  if (!fs::is_directory(shared)) GTEST_SKIP() << "no " << shared << " beside this checkout (a user's clone)";
  std::string missing, differing;
  for (const auto& entry : fs::directory_iterator(shared)) {
    if (!entry.is_regular_file()) continue;
    const fs::path copy = fs::path(reference_dir()) / entry.path().filename();
    if (!fs::exists(copy)) {
      missing += " " + entry.path().filename().string();
    } else if (file_bytes(copy) != file_bytes(entry.path())) {
      differing += " " + entry.path().filename().string();
    }
  }
  EXPECT_TRUE(missing.empty()) << "in " << shared << " but not in tests/reference:" << missing
                               << " (run tools/sync_reference.sh)";
  EXPECT_TRUE(differing.empty()) << "tests/reference differs from " << shared << ":" << differing
                                 << " (run tools/sync_reference.sh)";
}

}  // namespace
}  // namespace dact::testing
