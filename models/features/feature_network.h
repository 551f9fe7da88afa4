#pragma once
// A network that turns images into feature vectors for FD, KID and precision/recall.
// Evaluators, `dact features extract` and `dact eval ref` only see this interface, so
// the FID Inception-v3 and the small Fashion-MNIST classifier are interchangeable.
#include <torch/torch.h>

#include <cstdint>
#include <memory>
#include <string>

namespace dact::models::features {

class FeatureNetwork {
 public:
  virtual ~FeatureNetwork() = default;
  // `images`: uint8 [N, C, H, W] as datasets store them and samplers emit them (after
  // clamping and rounding). Returns float32 [N, dim()]. Preprocessing (resizing,
  // scaling, channel handling) is the network's job, not the caller's. Each row
  // depends only on its own image (eval mode, no batch statistics).
  virtual torch::Tensor features(const torch::Tensor& images) = 0;
  virtual int64_t dim() const = 0;
  // What reference statistics record, so features of different nets are never
  // compared: "<architecture>[/<preprocessing>]@<xxh64 of the weights>", e.g.
  // "inception-v3/tf1@0123456789abcdef" or "fashion-classifier@...".
  virtual std::string name() const = 0;
};

struct FeatureNetworkOptions {
  // Inception-v3 only: "tf1" or "pytorch-fid"; empty = the weights file's config key
  // "preprocess", else "tf1".
  std::string inception_preprocess;
};

// Loads the network a weights file describes: either the weight-interchange layout
// (tools/export_state_dict.py: weights/<torchvision name>, attributes architecture and
// config) or a dact tensor file (storage/tensor_file.h) whose metadata holds
// "architecture" and "config". Architectures: "inception-v3", "fashion-classifier".
// Throws storage::StorageError naming the file (and tensor) on anything unexpected.
std::unique_ptr<FeatureNetwork> load_feature_network(const std::string& weights_path,
                                                     const FeatureNetworkOptions& options = {});

}  // namespace dact::models::features
