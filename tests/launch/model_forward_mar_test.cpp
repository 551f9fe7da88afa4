// `dact model forward --arch mar` end to end: the built binary reproduces MAR's
// transformer (../shared/reference/mar_tiny.h5: tokens, class_embedding, encoder, z),
// with the reference's own `config` attribute as M.json. Error metric:
// max|ours - ref| / max|ref|, bound 1e-4 (float32).
#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "storage/h5_tensor_io.h"
#include "tests/support/run_dact_command.h"
#include "tests/support/tensor_compare.h"
#include "tests/support/test_paths.h"

namespace dact::launch {
namespace {

namespace fs = std::filesystem;

using dact::testing::max_relative_error;

TEST(ModelForwardMar, ReproducesReferenceTransformer) {
  const std::string reference = dact::testing::reference_file("mar_tiny.h5");
  const fs::path dir = fs::temp_directory_path() / ("dact_mar_forward_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const std::string config = (dir / "mar.json").string(), out_path = (dir / "mar.out.h5").string();
  std::ofstream(config) << storage::read_h5_string_attribute(storage::open_h5_for_reading(reference), "config");
  const auto result = testing::run_dact_command("model forward --arch mar --config " + config + " --weights " +
                                                    reference + " --input " + reference + " --out " + out_path,
                                                /*merge_stderr=*/true);
  ASSERT_EQ(result.exit_code, 0) << result.output;
  const auto out = storage::open_h5_for_reading(out_path);
  const auto expected = storage::open_h5_for_reading(reference);
  for (const std::string name : {"tokens", "class_embedding", "encoder", "z"}) {
    EXPECT_LE(max_relative_error(storage::read_h5_tensor(out, name), storage::read_h5_tensor(expected, "output/" + name)),
              1e-4)
        << name;
  }
  fs::remove_all(dir);
}

}  // namespace
}  // namespace dact::launch
