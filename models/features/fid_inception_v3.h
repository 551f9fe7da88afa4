#pragma once
// The FID Inception-v3 up to pool3 (2048-d), as pytorch-fid builds it: torchvision's
// inception_v3 layout and names (no AuxLogits, transform_input=False) with the FID
// blocks (inception_blocks.h). Loaded from a PyTorch state dict such as the standard
// pt_inception-2015-12-05 weights (fc has 1008 classes there, 1000 in torchvision;
// fc is loaded but pool3 does not use it).
#include <torch/torch.h>

#include <map>
#include <memory>
#include <string>

#include "models/features/feature_network.h"
#include "models/features/inception_preprocess.h"

namespace dact::models::features {

inline constexpr const char* kInceptionV3Architecture = "inception-v3";

// `weights`: the state dict by torchvision name; `source` names the file in errors
// (a StorageError lists missing, unexpected and misshaped tensors).
std::unique_ptr<FeatureNetwork> make_fid_inception_v3(const std::map<std::string, torch::Tensor>& weights,
                                                      InceptionPreprocess preprocess, const std::string& source,
                                                      const std::string& weights_hash);

}  // namespace dact::models::features
