#pragma once
// The `model` section of a run config, and the reference constructor arguments of the
// networks (as `dact model forward --config` takes them). Keys are the reference
// PyTorch constructor arguments (NVlabs/edm2 networks_edm2.py Precond/UNet/Block).
//
//   "model": {"arch": "edm2-precond", "preset": "edm2-fashion-tiny", "dropout": 0.1}
//
// starts from the named preset (models/edm2/edm2_configs.h) and overrides what is given.
#include <nlohmann/json.hpp>
#include <string>

#include "config/config_reader.h"
#include "models/dit/dit_config.h"
#include "models/edm2/edm2_precond.h"

namespace dact::launch {

// Reads EDM2 Precond constructor arguments from `reader` onto `config` (keys absent
// keep their value); does not call finish().
void read_edm2_precond_arguments(config::ConfigReader& reader, models::Edm2PrecondConfig& config);

// Reads DiT constructor arguments (the energy-diffusion seed's models/dit/dit.py).
void read_dit_arguments(config::ConfigReader& reader, models::DitConfig& config);

struct ModelConfig {
  std::string arch = "edm2-precond";
  models::Edm2PrecondConfig edm2;
};

// Parses and finishes the model section; `path` is its key path ("model").
ModelConfig parse_model_config(const nlohmann::json& section, const std::string& path);

// The untrained network a model section describes, e.g. the one an EMA snapshot
// stores (workers::evaluator::NetworkFactory).
models::Edm2Precond build_model(const nlohmann::json& section);

}  // namespace dact::launch
