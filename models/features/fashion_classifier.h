#pragma once
// A small CNN classifier for Fashion-MNIST-like datasets (1 or 3 channels, any
// resolution >= 8) whose penultimate activations are the feature space of FD on this
// machine: three (conv 3x3, BatchNorm, ReLU, 2x max pool) stages, a fully-connected
// feature layer (ReLU) and the class logits. Inputs are uint8 images mapped to [-1, 1].
#include <torch/torch.h>

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "models/features/feature_network.h"

namespace dact::models::features {

inline constexpr const char* kFashionClassifierArchitecture = "fashion-classifier";

struct FashionClassifierConfig {
  int64_t in_channels = 1;
  int64_t resolution = 32;
  std::vector<int64_t> channels{16, 32, 64};  // one per stage
  int64_t feature_dim = 128;
  int64_t classes = 10;
};

nlohmann::json to_json(const FashionClassifierConfig& config);
// Unknown or missing keys, wrong types: std::invalid_argument naming the key.
FashionClassifierConfig fashion_classifier_config_from_json(const nlohmann::json& json);

class FashionClassifierImpl : public torch::nn::Module {
 public:
  explicit FashionClassifierImpl(FashionClassifierConfig config);

  // uint8 [N, C, H, W] -> float [N, C, H, W] in [-1, 1]; checks the shape.
  torch::Tensor input(const torch::Tensor& images) const;
  // Preprocessed input -> penultimate features [N, feature_dim] (after ReLU).
  torch::Tensor features(const torch::Tensor& x);
  // Preprocessed input -> logits [N, classes].
  torch::Tensor forward(const torch::Tensor& x);

  const FashionClassifierConfig& config() const { return config_; }

 private:
  FashionClassifierConfig config_;
  torch::nn::Sequential stages{nullptr};
  torch::nn::Linear feature{nullptr}, logits{nullptr};
  torch::nn::Dropout dropout{nullptr};
};
TORCH_MODULE(FashionClassifier);

// The classifier as a FeatureNetwork (switched to eval mode); `weights_hash` goes into
// name().
std::unique_ptr<FeatureNetwork> make_fashion_classifier_features(FashionClassifier net,
                                                                 const std::string& weights_hash);

}  // namespace dact::models::features
