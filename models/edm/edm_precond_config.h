#pragma once
// Constructor arguments of EDM's preconditioned denoisers (NVlabs/edm
// training/networks.py VPPrecond, VEPrecond, iDDPMPrecond, EDMPrecond) and of the
// network each wraps (`model_type`: SongUNet or DhariwalUNet), in one struct, so that a
// run's `model` section or `dact model forward --config` names them as the reference
// keyword arguments (read by edm_arguments.h).
#include <cstdint>
#include <limits>
#include <optional>

#include "models/edm/edm_dhariwal_unet.h"
#include "models/edm/edm_song_unet.h"

namespace dact::models::edm {

// Which column of EDM Table 1 preconditions the network.
enum class PrecondKind { vp, ve, iddpm, edm };
enum class ModelType { song_unet, dhariwal_unet };

// VPPrecond: sigma(t) = sqrt(exp(beta_d t^2 / 2 + beta_min t) - 1) (EDM Table 1, VP).
struct VpPrecondArguments {
  double beta_d = 19.9;     // extent of the noise level schedule
  double beta_min = 0.1;    // initial slope of the schedule
  int64_t M = 1000;         // original number of DDPM timesteps
  double epsilon_t = 1e-5;  // smallest t used in training: sigma_min = sigma(epsilon_t)
};

struct VePrecondArguments {
  double sigma_min = 0.02;
  double sigma_max = 100;
};

// iDDPMPrecond: the sigmas u_j of Nichol & Dhariwal's cosine schedule (EDM Table 1).
struct IddpmPrecondArguments {
  double C_1 = 0.001;  // timestep adjustment at low noise levels
  double C_2 = 0.008;  // timestep adjustment at high noise levels
  int64_t M = 1000;    // original number of DDPM timesteps
};

struct EdmPrecondArguments {
  double sigma_min = 0;
  double sigma_max = std::numeric_limits<double>::infinity();
  double sigma_data = 0.5;  // expected standard deviation of the training data
};

struct EdmPrecondConfig {
  int64_t img_resolution = 32;
  int64_t img_channels = 3;
  int64_t label_dim = 0;  // 0 = unconditional
  PrecondKind precond = PrecondKind::edm;
  VpPrecondArguments vp;
  VePrecondArguments ve;
  IddpmPrecondArguments iddpm;
  EdmPrecondArguments edm;
  // nullopt: the reference default of the preconditioner (SongUNet for VP and VE,
  // DhariwalUNet for iDDPM and EDM).
  std::optional<ModelType> model_type;
  // The arguments of the backbone that model_type selects; img_resolution, channels
  // and label_dim are overwritten from the fields above (as the reference passes them).
  SongUNetConfig song_unet;
  DhariwalUNetConfig dhariwal_unet;

  ModelType backbone() const {
    if (model_type) return *model_type;
    return precond == PrecondKind::vp || precond == PrecondKind::ve ? ModelType::song_unet : ModelType::dhariwal_unet;
  }
};

}  // namespace dact::models::edm
