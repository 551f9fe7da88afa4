#pragma once
// Model space -> uint8 pixels: the one step between a sampler and anything that shows
// or scores images (the preview grid, evaluators, `dact sample`, `dact eval`). A pixel
// run maps [-1, 1] to pixels; a latent run undoes the latent scaling, decodes with its
// autoencoder and clamps (EDM2's StabilityVAEEncoder.decode). Callers never branch on
// which: they hold a PixelDecoder.
//
// What a snapshot records to rebuild its decoder is a LatentDecoderRecord (absent for
// pixel runs), so `dact sample` on a snapshot file alone finds the autoencoder, checks
// its fingerprint and knows the scaling.
#include <torch/torch.h>

#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "models/latent/latent_scaling.h"

namespace dact::models::latent {

class PixelDecoder {
 public:
  virtual ~PixelDecoder() = default;
  // Samples in model space [N, C, h, w] -> uint8 pixels [N, C', H, W]. Not thread-safe.
  virtual torch::Tensor to_pixels(const torch::Tensor& model_space) = 0;
};

// EDM's pixel convention: [-1, 1] -> [0, 255], rounded and clamped.
std::shared_ptr<PixelDecoder> pixel_space_decoder();

// The decoder of a latent run, as its snapshots and RUN/config.json name it.
struct LatentDecoderRecord {
  std::string autoencoder;   // the weights file (absolute path)
  std::string fingerprint;   // its weights_fingerprint; checked when loaded
  nlohmann::json config;     // its constructor arguments (null = the file's own)
  LatentScaling scaling;     // raw latents <-> model space
};

nlohmann::json decoder_record_to_json(const LatentDecoderRecord& record);
// Missing keys or bad values: std::invalid_argument naming `where` and the key.
LatentDecoderRecord decoder_record_from_json(const nlohmann::json& json, const std::string& where);

// `record` null = pixel_space_decoder(); otherwise loads record.autoencoder and checks
// its fingerprint: a missing file or another fingerprint is a storage::StorageError
// naming `source` (the snapshot or config it came from) and the weights file. The last
// decoder loaded is kept, so evaluation parts of one run load the weights once.
std::shared_ptr<PixelDecoder> load_pixel_decoder(const nlohmann::json& record, const std::string& source);

}  // namespace dact::models::latent
