// One DiT training step (forward, backward, Adam) timed in C++; bench/dit_step_bench.py
// runs the same model and step in Python PyTorch on the same LibTorch.
// Usage: dit_step_bench [--model DiT-S/2] [--batch 64] [--size 32] [--steps 5]
//                       [--warmup 1] [--threads 2]
// Prints one JSON object per timed step: forward_s, backward_s, optimizer_s, step_s
// (wall clock) and cpu_s (process CPU time of the step, all threads).
#include <ATen/Parallel.h>
#include <torch/torch.h>

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

}  // namespace

int main(int argc, char** argv) {
  std::string model_name = "DiT-S/2";
  int64_t batch = 64, size = 32, steps = 5, warmup = 1, threads = 2;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i], value = argv[i + 1];
    if (flag == "--model") model_name = value;
    else if (flag == "--batch") batch = std::stoll(value);
    else if (flag == "--size") size = std::stoll(value);
    else if (flag == "--steps") steps = std::stoll(value);
    else if (flag == "--warmup") warmup = std::stoll(value);
    else if (flag == "--threads") threads = std::stoll(value);
    else {
      std::fprintf(stderr, "unknown flag %s\n", flag.c_str());
      return 2;
    }
  }
  at::set_num_threads(threads);
  torch::manual_seed(0);
  auto config = dact::models::dit_named_config(model_name);
  config.input_size = size;
  dact::models::Dit model(config);
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
                  "\"cpu_s\": %.4f, \"loss\": %.6f}\n",
                  model_name.c_str(), long(batch), long(threads), forward_s, backward_s,
                  step_s - forward_s - backward_s, step_s, cpu_s, loss.item<double>());
      std::fflush(stdout);
    }
  }
  return 0;
}
