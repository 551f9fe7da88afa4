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
  // scaling, channel handling) is the network's job, not the caller's.
  virtual torch::Tensor features(const torch::Tensor& images) = 0;
  virtual int64_t dim() const = 0;
  // What reference statistics record, so features of different nets are never compared.
  virtual std::string name() const = 0;
};

// Loads the network a weights file describes (its metadata names the net and, for
// Inception-v3, the preprocessing). Throws naming the file on anything unexpected.
std::unique_ptr<FeatureNetwork> load_feature_network(const std::string& weights_path);

}  // namespace dact::models::features
