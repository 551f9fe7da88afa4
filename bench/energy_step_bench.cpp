// Training throughput of the energy DiT (eps = dE/dx, trained by double backward) vs the
// plain DiT of the same size (dit-ddpm, eps output), one micro-batch step each
// (family training_loss, backward), in interleaved rounds so both see the same load.
// Variants: the energy objective alone, with the contrastive loss, with the learnable
// step size's refinement loss.
// Usage: energy_step_bench [--config configs/fashion-mnist-energy.json] [--batch 32]
//                          [--rounds 3] [--steps 3] [--threads 1]
// Prints one JSON object per variant and round: seconds per step and images/s.
#include <ATen/Parallel.h>
#include <torch/torch.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "models/family.h"

namespace {

struct Variant {
  std::string name;
  nlohmann::json model, loss;
};

std::vector<Variant> variants(const nlohmann::json& energy_model) {
  nlohmann::json plain = energy_model;
  plain["arch"] = "dit-ddpm";
  plain["learn_sigma"] = false;
  for (const char* key : {"energy_gradient_multiplier", "mcmc_step_size", "learnable_mcmc_step_size", "linear_then_mean"}) {
    plain.erase(key);
  }
  nlohmann::json learnable = energy_model;
  learnable["learnable_mcmc_step_size"] = true;
  return {{"plain-dit", plain, nlohmann::json::object()},
          {"energy", energy_model, nlohmann::json::object()},
          {"energy+contrastive", energy_model, {{"contrastive_weight", 0.05}}},
          {"energy+refinement", learnable, {{"refinement_weight", 0.1}}}};
}

}  // namespace

int main(int argc, char** argv) {
  std::string config_path = "configs/fashion-mnist-energy.json";
  int64_t batch = 32, rounds = 3, steps = 3, threads = 1;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i], value = argv[i + 1];
    if (flag == "--config") config_path = value;
    else if (flag == "--batch") batch = std::stoll(value);
    else if (flag == "--rounds") rounds = std::stoll(value);
    else if (flag == "--steps") steps = std::stoll(value);
    else if (flag == "--threads") threads = std::stoll(value);
    else {
      std::fprintf(stderr, "unknown flag %s\n", flag.c_str());
      return 2;
    }
  }
  at::set_num_threads(static_cast<int>(threads));
  const nlohmann::json config = nlohmann::json::parse(std::ifstream(config_path));
  std::vector<std::unique_ptr<dact::models::Model>> models;
  const std::vector<Variant> all = variants(config.at("model"));
  for (const Variant& variant : all) {
    torch::manual_seed(0);
    models.push_back(dact::models::parse_model_spec(variant.model, "model", variant.loss)->build());
    models.back()->module().train();
  }
  const auto shape = models.front()->image_shape();
  const torch::Tensor x0 = torch::rand({batch, shape.channels, shape.resolution, shape.resolution}) * 2 - 1;
  const torch::Tensor labels = torch::randint(0, models.front()->label_dim(), {batch});
  const auto train_step = [&](dact::models::Model& model, uint64_t seed) {
    at::Generator generator = at::make_generator<at::CPUGeneratorImpl>(seed);
    model.training_loss(x0, labels, generator).loss.mean().backward();
  };
  for (int64_t round = 0; round < rounds; ++round) {
    for (size_t v = 0; v < all.size(); ++v) {
      train_step(*models[v], 7);  // warm-up
      const auto start = std::chrono::steady_clock::now();
      for (int64_t step = 0; step < steps; ++step) train_step(*models[v], round * 100 + step);
      const double seconds =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() / double(steps);
      std::printf("{\"variant\": \"%s\", \"round\": %ld, \"batch\": %ld, \"threads\": %ld, \"step_s\": %.4f, "
                  "\"images_per_s\": %.1f}\n",
                  all[v].name.c_str(), long(round), long(batch), long(threads), seconds, double(batch) / seconds);
      std::fflush(stdout);
    }
  }
  return 0;
}
