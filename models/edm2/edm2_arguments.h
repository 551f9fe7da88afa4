#pragma once
// EDM2 Precond constructor arguments from a config object, keyed as the reference
// PyTorch constructor (NVlabs/edm2 networks_edm2.py Precond/UNet/Block): what a run's
// `model` section and `dact model forward --config` hold.
#include "config/config_reader.h"
#include "models/edm2/edm2_precond.h"

namespace dact::models {

// Reads the arguments present onto `config` (absent keys keep their value); does not
// call finish().
void read_edm2_precond_arguments(config::ConfigReader& reader, Edm2PrecondConfig& config);

}  // namespace dact::models
