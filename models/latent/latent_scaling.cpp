#include "models/latent/latent_scaling.h"

#include <stdexcept>

namespace dact::models::latent {
namespace {

// [C] as a [1, C, 1, 1] float32 tensor that broadcasts over a batch.
torch::Tensor per_channel(const std::vector<double>& values) {
  return torch::tensor(values, torch::kFloat64).to(torch::kFloat32).reshape({1, -1, 1, 1});
}

}  // namespace

torch::Tensor LatentScaling::encode(const torch::Tensor& raw) const {
  // EDM2 encode_latents: (x - raw_mean) * (final_std / raw_std) + final_mean, the ratio
  // folded into one factor as there.
  const torch::Tensor gain = per_channel(final_std) / per_channel(raw_std);
  return (raw.to(torch::kFloat32) - per_channel(raw_mean)) * gain + per_channel(final_mean);
}

torch::Tensor LatentScaling::decode(const torch::Tensor& model_space) const {
  // EDM2 decode_latents: (x - final_mean) * (raw_std / final_std) + raw_mean.
  const torch::Tensor gain = per_channel(raw_std) / per_channel(final_std);
  return (model_space.to(torch::kFloat32) - per_channel(final_mean)) * gain + per_channel(raw_mean);
}

nlohmann::json scaling_to_json(const LatentScaling& scaling) {
  return {{"raw_mean", scaling.raw_mean},
          {"raw_std", scaling.raw_std},
          {"final_mean", scaling.final_mean},
          {"final_std", scaling.final_std}};
}

void validate_scaling(const LatentScaling& scaling, const std::string& where) {
  const size_t channels = scaling.raw_mean.size();
  if (channels == 0) throw std::invalid_argument(where + ".raw_mean: no channels");
  const std::pair<const char*, const std::vector<double>*> fields[] = {
      {"raw_std", &scaling.raw_std}, {"final_mean", &scaling.final_mean}, {"final_std", &scaling.final_std}};
  for (const auto& [name, values] : fields) {
    if (values->size() != channels) {
      throw std::invalid_argument(where + "." + name + " has " + std::to_string(values->size()) +
                                  " values, raw_mean " + std::to_string(channels) + " (one per latent channel)");
    }
  }
  for (size_t c = 0; c < channels; ++c) {
    if (!(scaling.raw_std[c] > 0) || !(scaling.final_std[c] > 0)) {
      throw std::invalid_argument(where + ": raw_std and final_std must be > 0 (channel " + std::to_string(c) + ")");
    }
  }
}

LatentScaling scaling_from_json(const nlohmann::json& json, const std::string& where) {
  LatentScaling scaling;
  const std::pair<const char*, std::vector<double>*> fields[] = {{"raw_mean", &scaling.raw_mean},
                                                                 {"raw_std", &scaling.raw_std},
                                                                 {"final_mean", &scaling.final_mean},
                                                                 {"final_std", &scaling.final_std}};
  for (const auto& [name, values] : fields) {
    if (!json.is_object() || !json.contains(name)) throw std::invalid_argument(where + ": missing key '" + name + "'");
    try {
      *values = json.at(name).get<std::vector<double>>();
    } catch (const nlohmann::json::exception&) {
      throw std::invalid_argument(where + "." + name + " must be a list of numbers");
    }
  }
  validate_scaling(scaling, where);
  return scaling;
}

}  // namespace dact::models::latent
