#pragma once
// DiT constructor arguments from a config object, keyed as the reference constructor
// (facebookresearch/DiT models.py, the energy-diffusion seed's models/dit/dit.py), plus
// dact's "positions" ("sincos" | "rope") and "mlp" ("gelu" | "swiglu").
#include "config/config_reader.h"
#include "models/dit/dit_config.h"

namespace dact::models {

// Reads the arguments present onto `config`; does not call finish().
void read_dit_arguments(config::ConfigReader& reader, DitConfig& config);

// A family's network section: "preset" (DiT-S/2 ... DiT-XL/8, DiT-tiny/2) then the
// arguments above, and the input must split into whole patches. Energy mode is the
// energy family's (`energy` true: use_energy and learn_sigma are implied, and setting
// them otherwise is an error) and refused elsewhere.
DitConfig read_dit_network(config::ConfigReader& reader, bool energy = false);

}  // namespace dact::models
