#pragma once
// EDM preconditioner + network arguments from a config object, keyed as the reference
// keyword arguments (NVlabs/edm training/networks.py: VPPrecond(..., model_type=...,
// **model_kwargs)), plus `precond`: what a run's `model` section and
// `dact model forward --arch edm-precond --config` hold, e.g.
//
//   {"precond": "VPPrecond", "img_resolution": 32, "img_channels": 3, "label_dim": 10,
//    "model_type": "SongUNet", "embedding_type": "positional", "model_channels": 128}
//
// `precond` is vp | ve | iddpm | edm or the reference class name (VPPrecond, VEPrecond,
// iDDPMPrecond, EDMPrecond); `model_type` is SongUNet | DhariwalUNet. A key the chosen
// preconditioner or network does not take (beta_d for VE, embedding_type for
// DhariwalUNet) stays unread, so finish() rejects it as the reference would.
#include "config/config_reader.h"
#include "models/edm/edm_precond_config.h"

namespace dact::models::edm {

// Reads the arguments present onto `config` (absent keys keep their value); does not
// call finish(). Throws config::ConfigError naming the key for an unknown choice or
// use_fp16 = true (dact runs networks in float32).
void read_edm_precond_arguments(config::ConfigReader& reader, EdmPrecondConfig& config);

// The noise schedule keys that VP's and VE's preconditioners and losses share
// (VPPrecond/VPLoss: beta_d, beta_min, epsilon_t; VEPrecond/VELoss: sigma_min, sigma_max).
void read_vp_schedule(config::ConfigReader& reader, VpPrecondArguments& vp);
void read_ve_schedule(config::ConfigReader& reader, VePrecondArguments& ve);

}  // namespace dact::models::edm
