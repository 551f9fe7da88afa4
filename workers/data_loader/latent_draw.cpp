#include "workers/data_loader/latent_draw.h"

#include <ATen/CPUGeneratorImpl.h>

#include <stdexcept>
#include <vector>

#include "workers/seed_mixing.h"

namespace dact::workers::data_loader {
namespace {

// Apart from every other stream derived from the run seed (sample order, trainer noise).
constexpr uint64_t kLatentDrawStream = 0x6c6174656e74ull;  // "latent"

}  // namespace

LatentDraw::LatentDraw(uint64_t run_seed, LatentDrawSettings settings)
    : run_seed_(run_seed), settings_(std::move(settings)) {
  if (settings_.channels <= 0 || settings_.scaling.channels() != settings_.channels) {
    throw std::invalid_argument("LatentDraw: the scaling needs one value per latent channel (" +
                                std::to_string(settings_.channels) + ")");
  }
}

torch::Tensor LatentDraw::draw(const torch::Tensor& moments, int64_t step, int64_t first_position) const {
  const int64_t C = settings_.channels;
  const int64_t groups = settings_.has_flipped ? 4 : 2;
  if (moments.dim() != 4 || moments.size(1) != groups * C) {
    throw std::invalid_argument("LatentDraw: expected moments [B, " + std::to_string(groups * C) + ", h, w]");
  }
  const torch::Tensor values = moments.to(torch::kFloat32);
  std::vector<torch::Tensor> rows;
  rows.reserve(static_cast<size_t>(values.size(0)));
  for (int64_t i = 0; i < values.size(0); ++i) {
    auto generator = at::make_generator<at::CPUGeneratorImpl>(
        mix_seed({run_seed_, kLatentDrawStream, static_cast<uint64_t>(step),
                  static_cast<uint64_t>(first_position + i)}));
    // The coin is drawn for every sample, so n does not depend on whether flips are used.
    const bool flipped = torch::rand({1}, generator).item<float>() < 0.5f;
    const int64_t pair = settings_.has_flipped && settings_.use_flipped && flipped ? 1 : 0;
    const torch::Tensor sample = values[i];
    const torch::Tensor mean = sample.slice(0, 2 * pair * C, (2 * pair + 1) * C);
    const torch::Tensor logvar = sample.slice(0, (2 * pair + 1) * C, (2 * pair + 2) * C);
    const torch::Tensor noise = torch::randn(mean.sizes(), generator, torch::kFloat32);
    rows.push_back(mean + torch::exp(0.5 * logvar) * noise);
  }
  return settings_.scaling.encode(torch::stack(rows));
}

}  // namespace dact::workers::data_loader
