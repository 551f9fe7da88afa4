#pragma once
// A short identity of a set of weights (16 hex digits of xxHash64 over the sorted
// names, dtypes, shapes and bytes), recorded in feature-network names so reference
// statistics are never compared with features of other weights.
#include <torch/torch.h>

#include <map>
#include <string>

namespace dact::models::features {

std::string weights_fingerprint(const std::map<std::string, torch::Tensor>& weights);

}  // namespace dact::models::features
