#pragma once
// The data-loader actor's logic: for each trainer it serves, produce that trainer's
// micro-batches in order (SampleOrder), but only as many as the trainer has granted
// credits for, so a loader never floods a trainer. Reading runs on a producer thread;
// `send` hands each finished batch to the actor's loop thread. Pixel batches are sent
// as stored (tensor "images", uint8); latent batches as drawn by `latent_draw`
// (tensor "latents", float32 model space), so trainers never see moments.
// grant() and stop() are thread-safe.
#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

#include "storage/shard_dataset.h"
#include "workers/data_loader/latent_draw.h"
#include "workers/data_loader/sample_order.h"
#include "workers/worker_messages.h"

namespace dact::workers::data_loader {

class BatchProducer {
 public:
  using Send = std::function<void(int trainer_index, TrainingBatch batch)>;

  // Produces batches of steps [start_step, last_step) for `trainer_indices`.
  // `latent_draw`: null for pixel datasets; otherwise it must outlive the producer.
  BatchProducer(const storage::ShardDataset& dataset, SampleOrder order,
                std::vector<int> trainer_indices, int64_t start_step, int64_t last_step, Send send,
                const LatentDraw* latent_draw = nullptr);
  ~BatchProducer();  // stops and joins the producer thread

  void grant(int trainer_index, uint32_t count);
  void stop();
  // Seconds the producer thread spent reading and assembling batches.
  double busy_s() const;

 private:
  struct Cursor {
    int64_t step = 0;
    int64_t round = 0;
    int64_t credits = 0;
  };
  void run();
  // A trainer with credits and batches left, or -1.
  int next_trainer_locked() const;

  const storage::ShardDataset& dataset_;
  const LatentDraw* latent_draw_;
  SampleOrder order_;
  int64_t last_step_;
  Send send_;
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::map<int, Cursor> cursors_;
  bool stopping_ = false;
  double busy_s_ = 0;
  std::thread thread_;
};

}  // namespace dact::workers::data_loader
