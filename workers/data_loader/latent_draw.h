#pragma once
// Turns stored posterior moments into the latents a trainer trains on, once per sample
// per step (LDM/MAR/EDM2: a fresh z per visit, not a fixed code):
//
//   z = mean + exp(logvar / 2) * n,   n ~ N(0, I)          (DiagonalGaussianDistribution.sample)
//   x = (z - raw_mean) * final_std / raw_std + final_mean  (EDM2 encode_latents; latent_scaling.h)
//
// With mirrored moments stored (encode --flip) and `use_flipped`, each draw first picks
// the mirrored pair with p = 0.5 (MAR's cached-latent flip). Both the coin and n come
// from a generator seeded by (run seed, step, the sample's position in the step's
// global batch), so a resumed run draws exactly what an uninterrupted one drew, however
// the batch is split among loaders, trainers and accumulation rounds.
#include <torch/torch.h>

#include <cstdint>

#include "models/latent/latent_scaling.h"

namespace dact::workers::data_loader {

struct LatentDrawSettings {
  int64_t channels = 0;      // latent channels C
  bool has_flipped = false;  // samples hold [mean, logvar, flipped_mean, flipped_logvar]
  bool use_flipped = true;   // draw from the mirrored pair half of the time when present
  models::latent::LatentScaling scaling;
};

class LatentDraw {
 public:
  LatentDraw(uint64_t run_seed, LatentDrawSettings settings);

  // moments: [B, G * C, h, w] (float16 or float32, G = 2 or 4) of the samples at global
  // batch positions first_position .. first_position + B - 1 of `step`.
  // Returns float32 model-space latents [B, C, h, w].
  torch::Tensor draw(const torch::Tensor& moments, int64_t step, int64_t first_position) const;

 private:
  uint64_t run_seed_;
  LatentDrawSettings settings_;
};

}  // namespace dact::workers::data_loader
