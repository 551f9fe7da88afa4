#pragma once
// PyTorch state dicts <-> LibTorch modules. Names are the dotted PyTorch names
// ("unet.enc.4x4_block0.attn_qkv.weight"): parameters and buffers alike.
#include <torch/torch.h>

#include <map>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace dact::models {

// A state dict that does not fit a module; the message names every offending entry.
class StateDictError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Every parameter and buffer of `module` by its dotted name (tensors shared, not copied).
std::map<std::string, torch::Tensor> state_dict(const torch::nn::Module& module);

// The parameters an optimizer trains (requires_grad), by name in module order; fixed
// parameters such as DiT's sin-cos pos_embed stay in the state dict but not here.
std::vector<std::pair<std::string, torch::Tensor>> trained_parameters(const torch::nn::Module& module);

// Copies `tensors` into the parameters and buffers of `module` (converted to their
// dtype). Throws StateDictError, changing nothing, if a name is missing, unexpected
// or has the wrong shape.
void load_state_dict(torch::nn::Module& module, const std::map<std::string, torch::Tensor>& tensors);

}  // namespace dact::models
