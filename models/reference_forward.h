#pragma once
// One eval-mode forward pass of an architecture from the original code's constructor
// arguments, weights and inputs: what `dact model forward --arch A` runs to compare
// dact's networks with the reference implementations (tests/reference/). Each family's
// folder defines its architectures' passes; this registry lists them.
#include <torch/torch.h>

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "config/config_reader.h"

namespace dact::models {

using TensorMap = std::map<std::string, torch::Tensor>;

// The inputs of a pass; a missing one is std::invalid_argument naming it.
class ForwardInputs {
 public:
  explicit ForwardInputs(const TensorMap& tensors) : tensors_(tensors) {}
  const torch::Tensor& required(const std::string& name) const;
  // Undefined when absent.
  torch::Tensor optional(const std::string& name) const;
  bool has(const std::string& name) const { return tensors_.count(name) > 0; }

 private:
  const TensorMap& tensors_;
};

struct ReferenceForward {
  std::string arch;
  std::vector<std::string> required_arguments;  // constructor arguments that must be given
  // Reads the constructor arguments from `arguments` and finishes it (unknown keys are
  // config::ConfigError before any work), loads `weights` (a state dict) and returns the
  // named outputs; a missing input is std::invalid_argument.
  std::function<TensorMap(config::ConfigReader& arguments, const TensorMap& weights, const ForwardInputs& inputs)>
      run;
};

const std::vector<ReferenceForward>& reference_forwards();

}  // namespace dact::models
