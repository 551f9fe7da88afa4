// Training-step benchmark of the EDM2 U-Net (config edm2-fashion-tiny) in LibTorch, the
// counterpart of bench/unet_step_bench.py (same network, batch, loss and optimizer).
// One step = forward in training mode (forced weight normalization), EDM2 loss
// sum / batch, backward, Adam (betas 0.9/0.99, eps 1e-8) step. Prints one JSON line:
// step_ms is wall time, step_cpu_ms the process CPU time (all threads) per step.
//
//   unet_step_bench [--steps 20] [--warmup 3] [--batch 64] [--threads 2]
#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <torch/torch.h>

#include <chrono>
#include <ctime>

#include "models/edm2/edm2_configs.h"
#include "models/edm2/edm2_precond.h"
#include "models/diffusion/edm_loss.h"

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

struct PhaseSeconds {
  double forward = 0, backward = 0, adam = 0;
};

}  // namespace

int main(int argc, char** argv) {
  int steps = 20, warmup = 3, threads = 2;
  int64_t batch = 64;
  CLI::App app{"EDM2 U-Net training-step benchmark (C++)"};
  app.add_option("--steps", steps, "timed steps")->capture_default_str();
  app.add_option("--warmup", warmup, "untimed steps first")->capture_default_str();
  app.add_option("--batch", batch, "batch size")->capture_default_str();
  app.add_option("--threads", threads, "intra-op threads")->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  at::set_num_threads(threads);

  using namespace dact::models;
  torch::manual_seed(0);
  const Edm2PrecondConfig config = edm2_named_config("edm2-fashion-tiny");
  const Edm2UNetConfig& unet = config.unet;
  Edm2Precond net(config);
  net->train();
  torch::optim::Adam adam(net->parameters(),
                          torch::optim::AdamOptions(1e-2).betas({0.9, 0.99}).eps(1e-8));
  const torch::Tensor y =
      torch::randn({batch, unet.img_channels, unet.img_resolution, unet.img_resolution}) * 0.5;
  const torch::Tensor labels =
      torch::one_hot(torch::arange(batch) % unet.label_dim, unet.label_dim).to(torch::kFloat32);

  PhaseSeconds phases;
  auto step = [&](bool timed) {
    const torch::Tensor sigma = sample_sigma(batch, kEdm2Sigma);
    const auto t0 = Clock::now();
    const Edm2Output out = net->forward(y + torch::randn_like(y) * sigma, sigma, labels);
    const torch::Tensor loss = edm2_loss(out.D, y, sigma, out.logvar, config.sigma_data).sum() / batch;
    const double forward = seconds_since(t0);
    const auto t1 = Clock::now();
    adam.zero_grad();
    loss.backward();
    const double backward = seconds_since(t1);
    const auto t2 = Clock::now();
    adam.step();
    if (timed) {
      phases.forward += forward;
      phases.backward += backward;
      phases.adam += seconds_since(t2);
    }
  };

  for (int i = 0; i < warmup; ++i) step(false);
  const auto start = Clock::now();
  const std::clock_t cpu_start = std::clock();
  for (int i = 0; i < steps; ++i) step(true);
  const double total = seconds_since(start);
  const double cpu = static_cast<double>(std::clock() - cpu_start) / CLOCKS_PER_SEC;
  int64_t parameters = 0;
  for (const torch::Tensor& p : net->parameters()) parameters += p.numel();
  fmt::print(
      "{{\"impl\": \"cpp\", \"threads\": {}, \"batch\": {}, \"steps\": {}, \"step_ms\": {:.2f}, "
      "\"step_cpu_ms\": {:.2f}, \"parameters\": {}, \"forward_ms\": {:.2f}, \"backward_ms\": {:.2f}, \"adam_ms\": {:.2f}}}\n",
      at::get_num_threads(), batch, steps, 1e3 * total / steps, 1e3 * cpu / steps, parameters,
      1e3 * phases.forward / steps, 1e3 * phases.backward / steps, 1e3 * phases.adam / steps);
  return 0;
}
