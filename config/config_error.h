#pragma once
// A configuration error: the message names the full key path ("trainer.batch") and
// the file or override it came from, and says what was expected.
#include <stdexcept>
#include <string>

namespace dact::config {

class ConfigError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace dact::config
