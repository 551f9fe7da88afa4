#pragma once
// Where the tests find what they read: the built `dact`, the repository, the reference
// outputs of the original PyTorch code (tests/reference), and Fashion-MNIST as the
// Debian package dataset-fashion-mnist installs it. Only test_paths.cpp sees the
// build's absolute paths, so every other test file compiles the same in any clone
// folder (and ccache hits across them).
#include <string>

namespace dact::testing {

std::string dact_binary();
std::string source_dir();
std::string reference_dir();                        // <source>/tests/reference
std::string reference_file(const std::string& name);  // reference_dir()/name

// The Fashion-MNIST IDX folder; throws naming the missing package when it is absent.
std::string fashion_mnist_dir();

}  // namespace dact::testing
