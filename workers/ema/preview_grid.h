#pragma once
// The preview a user looks at: `per_class` samples of each class, one row per class
// (one row for an unconditional model), drawn with the model family's default sampler
// (optionally with classifier-free guidance), tiled into one uint8 image. For an
// autoencoder, held-out images and their reconstructions instead (reconstruction_grid.h).
#include <torch/torch.h>

#include <string>

#include "models/family.h"
#include "models/latent/pixel_decoder.h"

namespace dact::workers::ema {

struct PreviewOptions {
  int64_t per_class = 8;
  int64_t num_steps = 32;
  double guidance = 1.0;  // CFG weight; 1 = none (needs label dropout in training if > 1)
  models::MaskedGenerationControls masked;  // mar: rounds and temperature; unset = MAR's defaults
  uint64_t seed = 0;
  // A grid at every snapshot (the run page's slider over kimg), not only at the end; drawn
  // on the EMA rank's writer thread, off its loop, but on its cores.
  bool at_snapshots = true;
  models::McmcSamplerControls mcmc;  // dit-energy's refinement; unset = the model's defaults
  // Autoencoders only: the dataset whose images the grid reconstructs. Not a config
  // key: the EMA role sets the run's held-out split (launch/held_out_split.h).
  std::string reconstruct_dataset;
};

// uint8 [C, rows * H, per_class * W]; `decoder` turns samples into pixels.
torch::Tensor sample_preview_grid(models::Model& model, models::latent::PixelDecoder& decoder,
                                  const PreviewOptions& options);

// Tiles uint8 images [rows * cols, C, H, W] into [C, rows * H, cols * W].
torch::Tensor tile_images(const torch::Tensor& images, int64_t rows, int64_t cols);

}  // namespace dact::workers::ema
