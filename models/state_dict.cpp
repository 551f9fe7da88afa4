#include "models/state_dict.h"

#include <sstream>
#include <vector>

namespace dact::models {
namespace {

std::string join(const std::vector<std::string>& names) {
  std::string out;
  for (const std::string& name : names) out += (out.empty() ? "" : ", ") + name;
  return out;
}

}  // namespace

std::map<std::string, torch::Tensor> state_dict(const torch::nn::Module& module) {
  std::map<std::string, torch::Tensor> out;
  for (const auto& item : module.named_parameters(/*recurse=*/true)) out.emplace(item.key(), item.value());
  for (const auto& item : module.named_buffers(/*recurse=*/true)) out.emplace(item.key(), item.value());
  return out;
}

std::vector<std::pair<std::string, torch::Tensor>> trained_parameters(const torch::nn::Module& module) {
  std::vector<std::pair<std::string, torch::Tensor>> trained;
  for (const auto& item : module.named_parameters()) {
    if (item.value().requires_grad()) trained.emplace_back(item.key(), item.value());
  }
  return trained;
}

void load_state_dict(torch::nn::Module& module, const std::map<std::string, torch::Tensor>& tensors) {
  const std::map<std::string, torch::Tensor> own = state_dict(module);
  std::vector<std::string> missing, unexpected, wrong_shape;
  for (const auto& [name, target] : own) {
    const auto found = tensors.find(name);
    if (found == tensors.end()) {
      missing.push_back(name);
    } else if (found->second.sizes() != target.sizes()) {
      std::ostringstream what;
      what << name << " (expected " << target.sizes() << ", got " << found->second.sizes() << ")";
      wrong_shape.push_back(what.str());
    }
  }
  for (const auto& item : tensors) {
    if (own.count(item.first) == 0) unexpected.push_back(item.first);
  }
  if (!missing.empty() || !unexpected.empty() || !wrong_shape.empty()) {
    std::string what = "state dict does not match the module:";
    if (!missing.empty()) what += " missing [" + join(missing) + "]";
    if (!unexpected.empty()) what += " unexpected [" + join(unexpected) + "]";
    if (!wrong_shape.empty()) what += " wrong shape [" + join(wrong_shape) + "]";
    throw StateDictError(what);
  }
  torch::NoGradGuard no_grad;
  for (const auto& [name, target] : own) {
    torch::Tensor mutable_target = target;
    mutable_target.copy_(tensors.at(name));
  }
}

}  // namespace dact::models
