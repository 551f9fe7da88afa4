#pragma once
// A small random Fashion classifier for evaluator tests: real feature extraction on
// tiny images without the trained network's cost.
#include <memory>

#include "models/features/fashion_classifier.h"
#include "models/features/feature_network.h"

namespace dact::testing {

inline models::features::FashionClassifierConfig tiny_classifier_config(int64_t in_channels, int64_t resolution) {
  models::features::FashionClassifierConfig classifier;
  classifier.in_channels = in_channels;
  classifier.resolution = resolution;
  classifier.channels = {8, 8, 8};
  classifier.feature_dim = 16;
  return classifier;
}

inline std::unique_ptr<models::features::FeatureNetwork> tiny_feature_network(int64_t in_channels,
                                                                              int64_t resolution) {
  return models::features::make_fashion_classifier_features(
      models::features::FashionClassifier(tiny_classifier_config(in_channels, resolution)), "test");
}

}  // namespace dact::testing
