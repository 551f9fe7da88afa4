#pragma once
// Supervised training of the Fashion-MNIST feature classifier (fashion_classifier.h):
// Adam with a cosine learning-rate decay over all steps, cross-entropy, a shuffled
// order per epoch drawn from `seed`. Deterministic for a given seed and thread count.
#include <torch/torch.h>

#include <cstdint>
#include <functional>
#include <string>

#include "models/features/fashion_classifier.h"

namespace dact::models::features {

struct ClassifierTrainingOptions {
  int64_t epochs = 2;
  int64_t batch = 128;
  double learning_rate = 2e-3;
  uint64_t seed = 0;
};

// uint8 images [N, C, H, W] with int64 labels [N].
struct LabelledImages {
  torch::Tensor images;
  torch::Tensor labels;
};

// Trains a fresh classifier shaped for `train` (channels, resolution, classes =
// `classes`); `progress` (may be empty) gets one line per epoch.
FashionClassifier train_fashion_classifier(const LabelledImages& train, int64_t classes,
                                           const ClassifierTrainingOptions& options,
                                           const std::function<void(const std::string&)>& progress = {});

// Fraction of `test` classified correctly (eval mode).
double classifier_accuracy(FashionClassifier& net, const LabelledImages& test);

// Writes the classifier as a dact tensor file (atomically) whose metadata names the
// architecture and config, so load_feature_network reads it; `extra` is merged into
// the metadata (e.g. training options, test accuracy).
void write_fashion_classifier(const std::string& path, FashionClassifier& net, const nlohmann::json& extra);

}  // namespace dact::models::features
