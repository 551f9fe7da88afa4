#pragma once
// The EDM family (arch "edm-precond"): EDM's networks (SongUNet DDPM++/NCSN++,
// DhariwalUNet ADM) under VP, VE or EDM preconditioning (models/edm/edm_precond.h),
// trained with the matching loss of EDM's training/loss.py (edm_objective.h), sampled
// and guided as every EDM-preconditioned family (models/diffusion/edm_family_sampling.h).
//   model: `network` (ddpmpp | ncsnpp | adm: EDM train.py's --arch, setting its network
//          keyword arguments and dropout 0.13), then `precond` and any reference keyword
//          argument (models/edm/edm_arguments.h), which override the network's
//   trainer.loss: the loss of `precond`: VP beta_d, beta_min, epsilon_t; VE sigma_min,
//          sigma_max; EDM P_mean, P_std, sigma_data; unset ones take the preconditioner's
//          values, which default to the reference's (as EDM's train.py pairs them)
// The samplers' default noise range is EDM's (0.002, 80) clipped to the network's
// (VP: sigma(epsilon_t) to sigma(1)), as EDM's edm_sampler clips it.
#include "models/edm/edm_objective.h"
#include "models/edm/edm_precond.h"
#include "models/family.h"

namespace dact::models {

const Family& edm_family();

// The Model of a network (for tests and tools that hold an EdmPrecond).
std::unique_ptr<Model> edm_model(edm::EdmPrecond net, edm::EdmObjectiveConfig objective);

}  // namespace dact::models
