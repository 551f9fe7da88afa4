// The baseline of the trainer-stall benchmark: the reference Python training loop's way
// (NVlabs/edm2 training_loop.py) of doing EMA and checkpoints inline in the gradient loop,
// measured against the bare gradient step on the same network, batch and threads.
// The actor pipeline's stall comes from stats.jsonl of a real `dact train` run
// (bench/trainer_stall.sh runs both and writes bench/results/trainer_stall.md).
//
// Usage: trainer_stall_bench [steps] [checkpoint_every] [snapshot_every] [threads]
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>

#include "models/edm2/edm2_configs.h"
#include "models/state_dict.h"
#include "workers/ema/ema_snapshot.h"
#include "workers/ema/power_ema_track.h"
#include "workers/trainer/adam.h"
#include "models/edm2/edm2_objective.h"
#include "models/pixel_range.h"
#include "workers/trainer/training_checkpoint.h"

using namespace dact;
using Clock = std::chrono::steady_clock;

namespace {

struct Loop {
  models::Edm2Precond net{models::edm2_named_config("edm2-fashion-tiny")};
  std::vector<std::pair<std::string, torch::Tensor>> params = net->named_parameters().pairs();
  workers::trainer::Adam adam{params, {}};
  torch::Tensor images = torch::randint(0, 256, {64, 1, 32, 32}).to(torch::kUInt8);
  torch::Tensor labels = torch::randint(0, 10, {64});

  void step(int64_t index) {
    at::Generator generator = at::make_generator<at::CPUGeneratorImpl>(index);
    const torch::Tensor loss =
        models::edm2_per_sample_loss(net, models::pixels_to_model_space(images), labels, {}, generator).loss.sum() / 64;
    loss.backward();
    adam.step(0.01);
    for (auto& [name, param] : params) param.mutable_grad().zero_();
  }
};

storage::NamedTensors named_params(const Loop& loop) {
  storage::NamedTensors tensors;
  for (const auto& [name, param] : loop.params) tensors[name] = param.detach();
  return tensors;
}

}  // namespace

int main(int argc, char** argv) {
  const int64_t steps = argc > 1 ? std::atoll(argv[1]) : 200;
  const int64_t checkpoint_every = argc > 2 ? std::atoll(argv[2]) : 50;
  const int64_t snapshot_every = argc > 3 ? std::atoll(argv[3]) : 50;
  at::set_num_threads(argc > 4 ? std::atoi(argv[4]) : 2);
  const std::string dir = std::filesystem::temp_directory_path() / "dact_trainer_stall_bench";
  std::filesystem::create_directories(dir);

  Loop bare;
  for (int64_t i = 0; i < 5; ++i) bare.step(i);  // warm-up
  auto start = Clock::now();
  for (int64_t i = 0; i < steps; ++i) bare.step(i);
  const double bare_s = std::chrono::duration<double>(Clock::now() - start).count() / steps;

  Loop inline_loop;
  for (int64_t i = 0; i < 5; ++i) inline_loop.step(i);
  std::vector<workers::ema::PowerEmaTrack> tracks;
  for (double std : {0.05, 0.1}) tracks.emplace_back(std, named_params(inline_loop));
  double ema_s = 0, checkpoint_s = 0;
  start = Clock::now();
  for (int64_t i = 1; i <= steps; ++i) {
    inline_loop.step(i);
    auto part = Clock::now();
    for (auto& track : tracks) track.update(named_params(inline_loop), i * 64, 64);
    ema_s += std::chrono::duration<double>(Clock::now() - part).count();
    part = Clock::now();
    if (i % checkpoint_every == 0) {
      workers::trainer::TrainingCheckpoint checkpoint;
      checkpoint.step = i;
      checkpoint.model = models::state_dict(*inline_loop.net);
      checkpoint.optimizer = inline_loop.adam.state();
      workers::trainer::write_training_checkpoint(dir + "/checkpoint.h5", checkpoint, "bench");
    }
    if (i % snapshot_every == 0) {
      workers::ema::EmaSnapshot snapshot;
      snapshot.step = i;
      snapshot.stds = {0.05, 0.1};
      for (auto& track : tracks) snapshot.tracks.push_back(track.params());
      workers::ema::write_ema_snapshot(dir + "/snapshot.h5", snapshot);
    }
    checkpoint_s += std::chrono::duration<double>(Clock::now() - part).count();
  }
  const double inline_s = std::chrono::duration<double>(Clock::now() - start).count() / steps;
  std::filesystem::remove_all(dir);

  std::printf("{\"steps\": %lld, \"threads\": %d, \"bare_step_ms\": %.3f, \"inline_step_ms\": %.3f, "
              "\"inline_ema_pct\": %.2f, \"inline_checkpoint_snapshot_pct\": %.2f, \"inline_overhead_pct\": %.2f}\n",
              static_cast<long long>(steps), at::get_num_threads(), bare_s * 1e3, inline_s * 1e3,
              100 * ema_s / steps / inline_s, 100 * checkpoint_s / steps / inline_s,
              100 * (inline_s - bare_s) / inline_s);
  return 0;
}
