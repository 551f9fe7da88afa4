// One DiT training step (forward, backward, Adam) timed in C++; bench/dit_step_bench.py
// runs the same model and step in Python PyTorch on the same LibTorch.
// Usage: dit_step_bench [--model DiT-S/2] [--batch 64] [--size 32] [--steps 5]
//                       [--warmup 1] [--threads 2] [--sgemm 2048]
// Prints one JSON object per timed step: forward_s, backward_s, optimizer_s, step_s
// (wall clock), cpu_s (process CPU time of the step, all threads) and achieved_gflop_s
// (3 x the analytic forward matmul FLOPs over step_s); --sgemm N first prints this
// machine's sgemm rate (best torch::mm of N x N float32), the peak that rate is a share of.
#include <ATen/Parallel.h>
#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <ctime>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "models/dit/dit.h"

namespace {

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// Forward FLOPs (2 per multiply-add) of one sample through DiT's matrix products, as
// dit_step_bench.py's dit_forward_flop: patch embedding, timestep MLP, per block adaLN,
// qkv, q k^T, attention x v, proj and MLP, then the final adaLN and linear. DiT-S/2 on
// 32x32x4: 12.11 GFLOP (the paper's 6.06 "Gflops" are multiply-adds).
double dit_forward_flop(const dact::models::DitConfig& c) {
  const double tokens = double(c.input_size / c.patch_size) * double(c.input_size / c.patch_size);
  const double d = double(c.hidden_size), mlp_hidden = double(int64_t(c.hidden_size * c.mlp_ratio));
  const double out_features = double(c.patch_size * c.patch_size * c.in_channels * (c.learn_sigma ? 2 : 1));
  const double frequency_embedding_size = 256;
  const double block = d * 6 * d + tokens * (3 * d * d + d * d + 2 * d * mlp_hidden) + 2 * tokens * tokens * d;
  const double multiply_adds = tokens * double(c.in_channels * c.patch_size * c.patch_size) * d +
                               frequency_embedding_size * d + d * d + double(c.depth) * block + d * 2 * d +
                               tokens * d * out_features;
  return 2 * multiply_adds;
}

// Best rate of torch::mm on two size x size float32 matrices, in GFLOP/s.
double sgemm_gflop_s(int64_t size, int repeats = 10) {
  const auto a = torch::randn({size, size}), b = torch::randn({size, size});
  auto out = torch::mm(a, b);
  double best_s = 1e30;
  for (int i = 0; i < repeats; ++i) {
    const auto start = std::chrono::steady_clock::now();
    torch::mm_out(out, a, b);
    best_s = std::min(best_s, seconds_since(start));
  }
  return 2 * double(size) * double(size) * double(size) / best_s / 1e9;
}

}  // namespace

int main(int argc, char** argv) {
  std::string model_name = "DiT-S/2";
  int64_t batch = 64, size = 32, steps = 5, warmup = 1, threads = 2, sgemm = 0;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i], value = argv[i + 1];
    if (flag == "--model") model_name = value;
    else if (flag == "--batch") batch = std::stoll(value);
    else if (flag == "--size") size = std::stoll(value);
    else if (flag == "--steps") steps = std::stoll(value);
    else if (flag == "--warmup") warmup = std::stoll(value);
    else if (flag == "--threads") threads = std::stoll(value);
    else if (flag == "--sgemm") sgemm = std::stoll(value);
    else {
      std::fprintf(stderr, "unknown flag %s\n", flag.c_str());
      return 2;
    }
  }
  at::set_num_threads(threads);
  torch::manual_seed(0);
  if (sgemm > 0) {
    std::printf("{\"impl\": \"cpp\", \"sgemm_size\": %ld, \"threads\": %ld, \"sgemm_gflop_s\": %.1f}\n",
                long(sgemm), long(threads), sgemm_gflop_s(sgemm));
    std::fflush(stdout);
  }
  auto config = dact::models::dit_named_config(model_name);
  config.input_size = size;
  dact::models::Dit model(config);
  const double step_flop = 3 * double(batch) * dit_forward_flop(config);
  model->train();
  torch::optim::Adam optimizer(model->parameters(), torch::optim::AdamOptions(1e-4));

  const auto x = torch::randn({batch, config.in_channels, size, size});
  const auto noise = torch::randn_like(x);
  const auto t = torch::randint(0, 1000, {batch}).to(torch::kFloat32);
  const auto y = torch::randint(0, config.num_classes, {batch});
  for (int64_t step = 0; step < warmup + steps; ++step) {
    const auto start = std::chrono::steady_clock::now();
    const std::clock_t cpu_start = std::clock();
    const auto out = model->forward(x, t, y);
    const auto loss = (out.narrow(1, 0, config.in_channels) - noise).square().mean();
    const double forward_s = seconds_since(start);
    optimizer.zero_grad();
    loss.backward();
    const double backward_s = seconds_since(start) - forward_s;
    optimizer.step();
    const double step_s = seconds_since(start);
    const double cpu_s = double(std::clock() - cpu_start) / CLOCKS_PER_SEC;
    if (step >= warmup) {
      std::printf("{\"impl\": \"cpp\", \"model\": \"%s\", \"batch\": %ld, \"threads\": %ld, "
                  "\"forward_s\": %.4f, \"backward_s\": %.4f, \"optimizer_s\": %.4f, \"step_s\": %.4f, "
                  "\"cpu_s\": %.4f, \"achieved_gflop_s\": %.1f, \"loss\": %.6f}\n",
                  model_name.c_str(), long(batch), long(threads), forward_s, backward_s,
                  step_s - forward_s - backward_s, step_s, cpu_s, step_flop / step_s / 1e9, loss.item<double>());
      std::fflush(stdout);
    }
  }
  return 0;
}
