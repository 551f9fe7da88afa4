#pragma once
// The two DiT families (Peebles & Xie 2023):
//  - "dit-flow": rectified flow as in SD3 and the flow-matching latent DiT seed:
//    x_t = (1 - t) x0 + t n, the network predicts v = n - x0, loss mean squared error,
//    t logit-normal (trainer.loss: time_distribution "logit-normal" | "uniform",
//    time_mean, time_std). Samplers: euler, heun, euler-stochastic.
//  - "dit-ddpm": DiT as published: DDPM with linear or cosine betas over
//    diffusion_steps, epsilon prediction with learned-range variance (learn_sigma) or
//    the fixed large variance, loss = mse + vb (guided-diffusion). Samplers: ddpm
//    (ancestral) and ddim (eta 0), respaced to the step count; the network always
//    gets the original timestep of each kept step.
//  - "dit-energy": energy diffusion (the energy-diffusion seed): DDPM whose eps is
//    m dE/dx of a scalar energy head, trained by double backward, optional contrastive
//    and step-size losses, a learnable MCMC step size; sampler ddpm with greedy MCMC
//    refinement after every step (dit_energy.h, energy_diffusion_loss.h,
//    energy_sampler.h).
// The model section holds DiT's constructor arguments (or a "preset" such as
// "DiT-S/2"); label dropout for guidance is DiT's class_dropout_prob, drawn from the
// objective's generator. Guidance is classifier-free with the null class num_classes.
#include "models/family.h"

namespace dact::models {

const Family& dit_flow_family();
const Family& dit_ddpm_family();
const Family& dit_energy_family();

}  // namespace dact::models
