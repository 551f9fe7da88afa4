#pragma once
// Micro-batches that arrived from the data loader, handed from the actor's loop thread
// to the gradient loop. Thread-safe; the gradient loop blocks in pop() only when the
// loader is behind, and that wait is what stats.jsonl reports as data wait.
#include <torch/torch.h>

#include <condition_variable>
#include <deque>
#include <mutex>
#include <optional>

namespace dact::workers::trainer {

struct MicroBatch {
  int64_t step = 0;
  int32_t round = 0;
  // uint8 pixels [N, C, H, W], or for latent runs float32 latents already in model
  // space (drawn and scaled by the data loader, workers/data_loader/latent_draw.h).
  torch::Tensor images;
  torch::Tensor labels;  // int64 [N]
  double loader_busy_s = 0;
};

class BatchQueue {
 public:
  void push(MicroBatch batch);
  // Waits for the next batch; nullopt once close() was called and the queue is empty.
  std::optional<MicroBatch> pop();
  // Wakes every waiter; pop() then drains what is left and returns nullopt.
  void close();

 private:
  std::mutex mutex_;
  std::condition_variable arrived_;
  std::deque<MicroBatch> batches_;
  bool closed_ = false;
};

}  // namespace dact::workers::trainer
