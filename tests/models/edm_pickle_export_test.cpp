// EDM network pickles through tools/export_state_dict.py --edm-pickle into
// `dact model forward --arch edm-precond`. edm_pickle_reference.py (under
// /usr/bin/python3) writes pickles in EDM's torch_utils.persistence format (the
// network's module source inside the pickle, torch_utils and dnnlib needed to load it)
// holding the tensors and keyword arguments of ../shared/reference/edm_*_tiny.h5; the
// exported weights and config must reproduce the reference's D, each row within 1e-4 of
// its own magnitude. Without --edm-repo the tool must say that it needs it.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "storage/h5_tensor_io.h"
#include "tests/support/python_written_files.h"
#include "tests/support/run_dact_command.h"
#include "tests/support/tensor_compare.h"
#include "tests/support/test_paths.h"

namespace dact::models::edm {
namespace {

using dact::testing::run_shell_command;

using dact::testing::kTestPython;

std::string edm_export_tool() { return dact::testing::source_dir() + "/tools/export_state_dict.py"; }

class EdmPickleExport : public dact::testing::PythonWrittenFiles<EdmPickleExport> {
 public:
  static constexpr char kTempPrefix[] = "dact_edm_pickle_export";
  static std::vector<std::string> script(const std::string& dir) {
    return {"tests/models/edm_pickle_reference.py", dact::testing::reference_dir(), dir};
  }
};

TEST_P(EdmPickleExport, ExportedPickleReproducesTheReference) {
  const std::string& name = GetParam();
  const std::string reference = dact::testing::reference_file("edm_" + name + "_tiny.h5");
  const std::string config = path(name + ".json"), weights = path(name + ".h5"), out = path(name + ".out.h5");
  const auto exported = run_shell_command(
      std::string(kTestPython) + " '" + edm_export_tool() + "' --edm-pickle '" + path(name + ".pkl") +
          "' --edm-repo '" + path("edm_repo") + "' --out '" + weights + "' --config-out '" + config + "'",
      true);
  ASSERT_EQ(exported.exit_code, 0) << exported.output;
  const auto forward =
      dact::testing::run_dact_command("model forward --arch edm-precond --config '" + config + "' --weights '" +
                                          weights + "' --input '" + reference + "' --out '" + out + "'",
                                      true);
  ASSERT_EQ(forward.exit_code, 0) << forward.output;
  const torch::Tensor D = storage::read_h5_tensor(storage::open_h5_for_reading(out), "D");
  const torch::Tensor expected = storage::read_h5_tensor(storage::open_h5_for_reading(reference), "output/D");
  ASSERT_EQ(D.sizes(), expected.sizes());
  for (int64_t i = 0; i < expected.size(0); ++i) {
    EXPECT_LE(dact::testing::max_relative_error(D[i], expected[i]), 1e-4) << name << " row " << i;
  }
}

TEST_P(EdmPickleExport, SaysThatUnpicklingNeedsTheEdmRepository) {
  const std::string& name = GetParam();
  const auto exported =
      run_shell_command(std::string(kTestPython) + " '" + edm_export_tool() + "' --edm-pickle '" +
                            path(name + ".pkl") + "' --out '" + path(name + ".no_repo.h5") + "'",
                        true);
  EXPECT_NE(exported.exit_code, 0);
  EXPECT_NE(exported.output.find("--edm-repo"), std::string::npos) << exported.output;
}

INSTANTIATE_TEST_SUITE_P(ReferenceFiles, EdmPickleExport, ::testing::Values("ddpmpp_vp", "ncsnpp_ve", "adm_edm"),
                         [](const ::testing::TestParamInfo<std::string>& info) { return info.param; });

}  // namespace
}  // namespace dact::models::edm
