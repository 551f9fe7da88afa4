#pragma once
// The EDM2 family (arch "edm2-precond"): the EDM2 U-Net under EDM preconditioning with
// its learned uncertainty, trained with EDM2's loss, sampled with EDM's Heun or Euler
// sampler or the second-order stochastic one (models/diffusion/edm_family_sampling.h),
// guided by the zero label (classifier-free) or by a guide network (autoguidance).
//   model: Precond constructor arguments, optionally from a named "preset"
//          (models/edm2/edm2_configs.h)
//   trainer.loss: P_mean, P_std, label_dropout
#include "models/edm2/edm2_objective.h"
#include "models/edm2/edm2_precond.h"
#include "models/family.h"

namespace dact::models {

const Family& edm2_family();

// The Model of a network (for tests and tools that hold an Edm2Precond).
std::unique_ptr<Model> edm2_model(Edm2Precond net, Edm2ObjectiveConfig objective = {});

}  // namespace dact::models
