#include "workers/data_loader/batch_producer.h"

#include <glog/logging.h>

#include <chrono>

#include "workers/tensor_bytes.h"

namespace dact::workers::data_loader {

BatchProducer::BatchProducer(const storage::ShardDataset& dataset, SampleOrder order,
                             std::vector<int> trainer_indices, int64_t start_step,
                             int64_t last_step, Send send, const LatentDraw* latent_draw)
    : dataset_(dataset), latent_draw_(latent_draw), order_(std::move(order)), last_step_(last_step), send_(std::move(send)) {
  for (int trainer : trainer_indices) cursors_[trainer] = Cursor{start_step, 0, 0};
  thread_ = std::thread([this] { run(); });
}

BatchProducer::~BatchProducer() {
  stop();
  thread_.join();
}

void BatchProducer::grant(int trainer_index, uint32_t count) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    const auto cursor = cursors_.find(trainer_index);
    if (cursor == cursors_.end()) {
      LOG(WARNING) << "credits from trainer " << trainer_index << ", which this loader does not serve";
      return;
    }
    cursor->second.credits += count;
  }
  changed_.notify_all();
}

void BatchProducer::stop() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  changed_.notify_all();
}

double BatchProducer::busy_s() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return busy_s_;
}

int BatchProducer::next_trainer_locked() const {
  // The trainer furthest behind goes first, so no trainer starves another.
  int best = -1;
  for (const auto& [trainer, cursor] : cursors_) {
    if (cursor.credits <= 0 || cursor.step >= last_step_) continue;
    if (best < 0 || cursor.step < cursors_.at(best).step) best = trainer;
  }
  return best;
}

void BatchProducer::run() {
  const int64_t rounds = order_.layout().rounds();
  std::unique_lock<std::mutex> lock(mutex_);
  while (true) {
    changed_.wait(lock, [this] { return stopping_ || next_trainer_locked() >= 0; });
    if (stopping_) return;
    const int trainer = next_trainer_locked();
    Cursor& cursor = cursors_[trainer];
    const int64_t step = cursor.step, round = cursor.round;
    cursor.credits -= 1;
    if (++cursor.round == rounds) {
      cursor.round = 0;
      ++cursor.step;
    }
    lock.unlock();

    const auto start = std::chrono::steady_clock::now();
    const storage::SampleBatch samples = dataset_.read(order_.indices(step, round, trainer));
    TrainingBatch batch;
    batch.step = step;
    batch.round = static_cast<int32_t>(round);
    if (latent_draw_ != nullptr) {
      const BatchLayout& layout = order_.layout();
      const int64_t first_position = (round * layout.num_trainers + trainer) * layout.batch_per_rank;
      batch.tensors = tensors_to_bytes(
          {{"latents", latent_draw_->draw(samples.samples, step, first_position)}, {"labels", samples.labels}});
    } else {
      batch.tensors = tensors_to_bytes({{"images", samples.samples}, {"labels", samples.labels}});
    }
    const double elapsed_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

    lock.lock();
    busy_s_ += elapsed_s;
    batch.loader_busy_s = busy_s_;
    lock.unlock();
    send_(trainer, std::move(batch));
    lock.lock();
  }
}

}  // namespace dact::workers::data_loader
