// File names by training time (storage/nimg_name.h): whole kimg keep the six-digit names
// runs always had, anything else gets the images past the kimg, every image count has
// exactly one name and reads back from it, and the run directory lists by those names.
#include "storage/nimg_name.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <set>

#include "storage/run_directory.h"
#include "tests/support/temp_dir.h"

namespace dact::storage {
namespace {

namespace fs = std::filesystem;

TEST(NimgName, WholeKimgKeepSixDigitsOthersAddTheImagesPast) {
  EXPECT_EQ(nimg_name(0), "000000");
  EXPECT_EQ(nimg_name(16000), "000016");
  EXPECT_EQ(nimg_name(64), "000000.064");
  EXPECT_EQ(nimg_name(2560), "000002.560");
  EXPECT_EQ(nimg_name(1001), "000001.001");
  EXPECT_EQ(nimg_name(1234567999), "1234567.999");
  EXPECT_THROW(nimg_name(-1), std::invalid_argument);
}

TEST(NimgName, EveryImageCountRoundTripsToADistinctName) {
  std::set<std::string> names;
  for (int64_t nimg = 0; nimg <= 5000; ++nimg) {
    const std::string name = nimg_name(nimg);
    EXPECT_EQ(nimg_of_name(name, "f"), nimg) << name;
    names.insert(name);
  }
  EXPECT_EQ(names.size(), 5001u);
  for (int64_t nimg : {int64_t{999999999}, int64_t{1000000000}, int64_t{987654321012}}) {
    EXPECT_EQ(nimg_of_name(nimg_name(nimg), "f"), nimg);
  }
}

TEST(NimgName, MalformedNamesAreRefusedNamingTheFile) {
  for (const char* bad : {"", "12", "0000012", "000002.000", "000002.5", "000002.0500", "00000a", "000002.",
                          ".064", "-00001", "000001.064x", "000001_064"}) {
    EXPECT_FALSE(parse_nimg_name(bad).has_value()) << bad;
    try {
      nimg_of_name(bad, "/run/snapshots/snapshot-" + std::string(bad) + ".h5");
      ADD_FAILURE() << "accepted " << bad;
    } catch (const std::invalid_argument& error) {
      EXPECT_NE(std::string(error.what()).find("/run/snapshots/snapshot-" + std::string(bad) + ".h5"),
                std::string::npos)
          << error.what();
    }
  }
}

TEST(NimgName, RunDirectoryNamesAndListsByImageCount) {
  dact::testing::TempDir dir("dact_nimg_name");
  const RunDirectory run(dir.path());
  run.create();
  EXPECT_EQ(run.snapshot_path(16000), dir.path() + "/snapshots/snapshot-000016.h5");
  EXPECT_EQ(run.snapshot_path(64), dir.path() + "/snapshots/snapshot-000000.064.h5");
  EXPECT_EQ(run.sample_grid_path(64), dir.path() + "/samples/000000.064.png");
  for (int64_t nimg : {int64_t{2560}, int64_t{64}, int64_t{2000}, int64_t{128}}) {
    std::ofstream(run.snapshot_path(nimg)) << "x";
    std::ofstream(run.sample_grid_path(nimg)) << "x";
  }
  // A killed writer's temporary file and a stray picture are not grids or snapshots.
  std::ofstream(dir.path() + "/snapshots/snapshot-000000.064.h5.tmp-1234") << "x";
  std::ofstream(dir.path() + "/samples/grid.png") << "x";
  std::ofstream(dir.path() + "/samples/12.png") << "x";
  const std::vector<int64_t> expected = {64, 128, 2000, 2560};
  EXPECT_EQ(run.snapshot_nimgs(), expected);
  EXPECT_EQ(run.sample_grid_nimgs(), expected);

  // A snapshot whose time cannot be read is an error naming it, never silently left out
  // of a post-hoc reconstruction.
  const std::string stray = dir.path() + "/snapshots/snapshot-000002.000.h5";
  std::ofstream(stray) << "x";
  try {
    run.snapshot_nimgs();
    ADD_FAILURE() << "listed a malformed snapshot name";
  } catch (const std::invalid_argument& error) {
    EXPECT_NE(std::string(error.what()).find(stray), std::string::npos) << error.what();
  }
}

}  // namespace
}  // namespace dact::storage
