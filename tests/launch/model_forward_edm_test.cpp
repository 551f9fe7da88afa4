// `dact model forward --arch edm-precond` end to end: the built binary reproduces EDM's
// networks (NVlabs/edm training/networks.py) in ../shared/reference/
// edm_{ddpmpp_vp,ncsnpp_ve,adm_edm}_tiny.h5, with the reference's own `config`
// attribute (which carries `precond`) as the --config file. Rows span sigma 0.002 .. 80,
// so each row is compared by its own magnitude: max|ours_i - ref_i| / max|ref_i| <= 1e-4.
#include <gtest/gtest.h>

#include <fstream>
#include <string>

#include "storage/h5_tensor_io.h"
#include "tests/support/run_dact_command.h"
#include "tests/support/temp_dir.h"
#include "tests/support/tensor_compare.h"
#include "tests/support/test_paths.h"

namespace dact::launch {
namespace {

class ModelForwardEdm : public ::testing::TestWithParam<std::string> {};

TEST_P(ModelForwardEdm, ReproducesEveryReferenceRow) {
  const std::string reference = dact::testing::reference_file(GetParam());
  const dact::testing::TempDir dir("dact_edm_forward");
  const std::string config = dir / "config.json", out = dir / "out.h5";
  std::ofstream(config) << storage::read_h5_string_attribute(storage::open_h5_for_reading(reference), "config");
  const auto result =
      dact::testing::run_dact_command("model forward --arch edm-precond --config " + config + " --weights " +
                                          reference + " --input " + reference + " --out " + out,
                                      /*merge_stderr=*/true);
  ASSERT_EQ(result.exit_code, 0) << result.output;

  const torch::Tensor D = storage::read_h5_tensor(storage::open_h5_for_reading(out), "D");
  const torch::Tensor expected = storage::read_h5_tensor(storage::open_h5_for_reading(reference), "output/D");
  ASSERT_EQ(D.sizes(), expected.sizes());
  for (int64_t i = 0; i < expected.size(0); ++i) {
    EXPECT_LE(dact::testing::max_relative_error(D[i], expected[i]), 1e-4) << GetParam() << " row " << i;
  }
}

INSTANTIATE_TEST_SUITE_P(ReferenceFiles, ModelForwardEdm,
                         ::testing::Values("edm_ddpmpp_vp_tiny.h5", "edm_ncsnpp_ve_tiny.h5", "edm_adm_edm_tiny.h5"),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           return info.param.substr(4, info.param.size() - 4 - 8);
                         });

}  // namespace
}  // namespace dact::launch
