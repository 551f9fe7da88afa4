#include "workers/data_loader/sample_order.h"

#include <stdexcept>
#include <string>

#include "workers/seed_mixing.h"

namespace dact::workers::data_loader {

int64_t BatchLayout::rounds() const {
  const int64_t per_round = batch_per_rank * num_trainers;
  if (batch <= 0 || per_round <= 0 || batch % per_round != 0) {
    throw std::invalid_argument("batch " + std::to_string(batch) +
                                " is not a multiple of batch_per_rank * trainers = " +
                                std::to_string(per_round));
  }
  return batch / per_round;
}

SampleOrder::SampleOrder(uint64_t seed, int64_t dataset_size, BatchLayout layout)
    : seed_(seed), dataset_size_(dataset_size), layout_(layout) {
  if (dataset_size <= 0) throw std::invalid_argument("empty dataset");
  layout_.rounds();
}

const std::vector<int64_t>& SampleOrder::permutation(int64_t epoch) const {
  if (epoch != cached_epoch_) {
    const uint64_t epoch_seed = mix_seed({seed_, static_cast<uint64_t>(epoch)});
    auto generator = at::make_generator<at::CPUGeneratorImpl>(epoch_seed);
    const torch::Tensor shuffled =
        torch::randperm(dataset_size_, generator, torch::TensorOptions().dtype(torch::kInt64));
    const int64_t* data = shuffled.data_ptr<int64_t>();
    cached_permutation_.assign(data, data + dataset_size_);
    cached_epoch_ = epoch;
  }
  return cached_permutation_;
}

std::vector<int64_t> SampleOrder::indices(int64_t step, int64_t round, int64_t trainer) const {
  const int64_t first = step * layout_.batch +
                        (round * layout_.num_trainers + trainer) * layout_.batch_per_rank;
  std::vector<int64_t> result;
  result.reserve(layout_.batch_per_rank);
  for (int64_t position = first; position < first + layout_.batch_per_rank; ++position) {
    result.push_back(permutation(position / dataset_size_)[position % dataset_size_]);
  }
  return result;
}

}  // namespace dact::workers::data_loader
