#pragma once
// The "mar" family: MAR (Li et al. 2024) on latents, or on pixels patchified into
// tokens (vae_stride 1, vae_embed_dim = image channels).
//  - Training (models/mar.py forward): a random order per sample, one mask ratio per
//    micro-batch from the truncated normal (mar_masking.h), the class embedding dropped
//    to fake_latent with label_drop_prob, and DiffLoss on the masked tokens only, each
//    token's target and condition z repeated diffusion_batch_mul times with a fresh
//    timestep per copy: DDPM on the cosine schedule (T = 1000), learned-range variance,
//    loss mse + vb. A sample's loss is the mean over its masked tokens and copies. All
//    randomness comes from the objective's generator.
//  - Generation (sample_tokens): num_iter rounds unmasking the tokens along each
//    sample's random order on the cosine schedule; each predicted token is drawn by the
//    DiffLoss sampler ("ddpm", respaced to --steps) with --temperature; classifier-free
//    guidance on the DiffLoss with fake_latent as the unconditional class, constant or
//    MAR's linear schedule 1 + (w - 1) (seq - mask_len) / seq over rounds.
// Beyond MAR's keys, the model section takes the DiffLoss diffusion's `prediction`
// ("epsilon", MAR's; or "v") and `clip_denoised` (MAR: false; right for pixels).
#include "models/family.h"

namespace dact::models {

const Family& mar_family();

}  // namespace dact::models
