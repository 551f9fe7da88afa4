#pragma once
// An EMA snapshot file of a freshly built model (random weights from `seed`), with the
// same weights under every EMA std: what `dact sample`, `dact eval` and the evaluator
// tests load without a training run.
#include <torch/torch.h>

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "models/family.h"
#include "workers/ema/ema_snapshot.h"

namespace dact::testing {

inline void write_model_snapshot(const std::string& path, const nlohmann::json& model, std::vector<double> stds,
                                 uint64_t seed = 0) {
  torch::manual_seed(seed);
  const std::unique_ptr<models::Model> built = models::parse_model_spec(model, "model")->build();
  torch::nn::Module& net = built->module();
  workers::ema::EmaSnapshot snapshot;
  storage::NamedTensors params;
  for (const auto& item : net.named_parameters()) params[item.key()] = item.value().detach().clone();
  snapshot.tracks.assign(stds.size(), params);
  snapshot.stds = std::move(stds);
  for (const auto& item : net.named_buffers()) snapshot.buffers[item.key()] = item.value().detach().clone();
  snapshot.model = model;
  workers::ema::write_ema_snapshot(path, snapshot);
}

}  // namespace dact::testing
