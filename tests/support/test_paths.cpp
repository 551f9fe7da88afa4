#include "tests/support/test_paths.h"

#include <filesystem>
#include <stdexcept>

namespace dact::testing {

std::string dact_binary() { return DACT_BINARY; }

std::string source_dir() { return DACT_SOURCE_DIR; }

std::string reference_dir() { return source_dir() + "/tests/reference"; }

std::string reference_file(const std::string& name) { return reference_dir() + "/" + name; }

std::string fashion_mnist_dir() {
  const std::string dir = "/usr/share/datasets/fashion-mnist";
  if (!std::filesystem::exists(dir + "/train-images-idx3-ubyte.gz")) {
    throw std::runtime_error(dir + "/train-images-idx3-ubyte.gz is missing: this test needs the Debian "
                             "package dataset-fashion-mnist (bash tools/install_deps.sh installs it)");
  }
  return dir;
}

}  // namespace dact::testing
