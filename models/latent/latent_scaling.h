#pragma once
// The per-channel affine map between the autoencoder's raw latents and the model space
// a diffusion model trains in (EDM2, Karras et al. 2024, training/encoders.py
// StabilityVAEEncoder.encode_latents / decode_latents):
//
//   final = (raw - raw_mean) * final_std / raw_std + final_mean
//
// MAR's single factor (LTH14/mar: z * 0.2325) is the same form with raw_mean 0,
// raw_std 1, final_mean 0, final_std 0.2325. Every vector holds one value per latent
// channel.
#include <torch/torch.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace dact::models::latent {

struct LatentScaling {
  std::vector<double> raw_mean;
  std::vector<double> raw_std;
  std::vector<double> final_mean;
  std::vector<double> final_std;

  int64_t channels() const { return static_cast<int64_t>(raw_mean.size()); }
  // raw [N, C, h, w] -> model space (float32).
  torch::Tensor encode(const torch::Tensor& raw) const;
  // The inverse: model space [N, C, h, w] -> raw latents (float32).
  torch::Tensor decode(const torch::Tensor& model_space) const;
};

// {"raw_mean": [...], "raw_std": [...], "final_mean": [...], "final_std": [...]}
nlohmann::json scaling_to_json(const LatentScaling& scaling);
// Throws std::invalid_argument naming the key (prefixed by `where`) when a key is
// missing, the lengths differ, or a std is not positive.
LatentScaling scaling_from_json(const nlohmann::json& json, const std::string& where);
// The same checks for a scaling built in code.
void validate_scaling(const LatentScaling& scaling, const std::string& where);

}  // namespace dact::models::latent
