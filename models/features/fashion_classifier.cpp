#include "models/features/fashion_classifier.h"

#include <stdexcept>

namespace dact::models::features {

nlohmann::json to_json(const FashionClassifierConfig& config) {
  return {{"in_channels", config.in_channels}, {"resolution", config.resolution},
          {"channels", config.channels},       {"feature_dim", config.feature_dim},
          {"classes", config.classes}};
}

FashionClassifierConfig fashion_classifier_config_from_json(const nlohmann::json& json) {
  FashionClassifierConfig config;
  if (!json.is_object()) throw std::invalid_argument("fashion-classifier config: expected a JSON object");
  for (const auto& [key, value] : json.items()) {
    try {
      if (key == "in_channels") config.in_channels = value.get<int64_t>();
      else if (key == "resolution") config.resolution = value.get<int64_t>();
      else if (key == "channels") config.channels = value.get<std::vector<int64_t>>();
      else if (key == "feature_dim") config.feature_dim = value.get<int64_t>();
      else if (key == "classes") config.classes = value.get<int64_t>();
      else throw std::invalid_argument("fashion-classifier config: unknown key '" + key + "'");
    } catch (const nlohmann::json::exception& e) {
      throw std::invalid_argument("fashion-classifier config key '" + key + "': " + e.what());
    }
  }
  if (config.channels.empty()) throw std::invalid_argument("fashion-classifier config key 'channels': empty");
  return config;
}

FashionClassifierImpl::FashionClassifierImpl(FashionClassifierConfig config) : config_(std::move(config)) {
  stages = torch::nn::Sequential();
  int64_t in = config_.in_channels, size = config_.resolution;
  for (int64_t out : config_.channels) {
    stages->push_back(torch::nn::Conv2d(torch::nn::Conv2dOptions(in, out, 3).padding(1).bias(false)));
    stages->push_back(torch::nn::BatchNorm2d(out));
    stages->push_back(torch::nn::ReLU());
    stages->push_back(torch::nn::MaxPool2d(2));
    in = out;
    size /= 2;
  }
  if (size < 1) throw std::invalid_argument("fashion-classifier: resolution too small for its stages");
  register_module("stages", stages);
  feature = register_module("feature", torch::nn::Linear(in * size * size, config_.feature_dim));
  dropout = register_module("dropout", torch::nn::Dropout(0.3));
  logits = register_module("logits", torch::nn::Linear(config_.feature_dim, config_.classes));
}

torch::Tensor FashionClassifierImpl::input(const torch::Tensor& images) const {
  if (images.dim() != 4 || images.scalar_type() != torch::kUInt8 || images.size(1) != config_.in_channels ||
      images.size(2) != config_.resolution || images.size(3) != config_.resolution) {
    throw std::invalid_argument(
        "fashion-classifier features need uint8 images [N, " + std::to_string(config_.in_channels) + ", " +
        std::to_string(config_.resolution) + ", " + std::to_string(config_.resolution) + "], got " +
        std::string(c10::toString(images.scalar_type())) + " " + c10::str(images.sizes()));
  }
  return images.to(torch::kFloat32) / 127.5 - 1;
}

torch::Tensor FashionClassifierImpl::features(const torch::Tensor& x) {
  return torch::relu(feature(stages->forward(x).flatten(1)));
}

torch::Tensor FashionClassifierImpl::forward(const torch::Tensor& x) { return logits(dropout(features(x))); }

namespace {

class FashionClassifierFeatures : public FeatureNetwork {
 public:
  FashionClassifierFeatures(FashionClassifier net, std::string name) : net_(std::move(net)), name_(std::move(name)) {
    net_->eval();
  }
  torch::Tensor features(const torch::Tensor& images) override {
    torch::NoGradGuard no_grad;
    return net_->features(net_->input(images));
  }
  int64_t dim() const override { return net_->config().feature_dim; }
  std::string name() const override { return name_; }

 private:
  FashionClassifier net_;
  std::string name_;
};

}  // namespace

std::unique_ptr<FeatureNetwork> make_fashion_classifier_features(FashionClassifier net,
                                                                 const std::string& weights_hash) {
  return std::make_unique<FashionClassifierFeatures>(std::move(net),
                                                     std::string(kFashionClassifierArchitecture) + "@" + weights_hash);
}

}  // namespace dact::models::features
