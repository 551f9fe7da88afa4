#include "workers/trainer/gradient_loop.h"

#include <fmt/format.h>
#include <glog/logging.h>
#include <nlohmann/json.hpp>

#include <chrono>

#include "models/pixel_range.h"
#include "models/state_dict.h"
#include "workers/seed_mixing.h"
#include "workers/tensor_bytes.h"

namespace dact::workers::trainer {
namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// Pixel batches (uint8) map to [-1, 1] exactly as before; latent batches arrive in
// model space from the loader.
torch::Tensor batch_in_model_space(const torch::Tensor& samples) {
  return samples.scalar_type() == torch::kUInt8 ? models::pixels_to_model_space(samples) : samples;
}

// A copy on the CPU (checkpoints, the EMA hand-off), whatever device `tensor` is on.
torch::Tensor cpu_copy(const torch::Tensor& tensor) {
  return tensor.detach().to(torch::kCPU, /*non_blocking=*/false, /*copy=*/true);
}

double unix_time_s() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

}  // namespace

at::Generator micro_batch_generator(uint64_t seed, int64_t step, int64_t round, int trainer_index) {
  return at::make_generator<at::CPUGeneratorImpl>(
      mix_seed({seed, static_cast<uint64_t>(step), static_cast<uint64_t>(round),
                static_cast<uint64_t>(trainer_index)}));
}

GradientLoop::GradientLoop(TrainerConfig config, uint64_t seed, std::unique_ptr<models::Model> model,
                           int trainer_index, GradientAllReduce& all_reduce, BatchQueue& batches,
                           GradientLoopLinks links, storage::RunDirectory run,
                           std::string config_hash)
    : config_(config),
      seed_(seed),
      model_(std::move(model)),
      trainer_index_(trainer_index),
      all_reduce_(all_reduce),
      batches_(batches),
      links_(std::move(links)),
      run_(std::move(run)),
      config_hash_(std::move(config_hash)),
      params_(models::trained_parameters(model_->module())),
      device_(params_.empty() ? torch::Device(torch::kCPU) : params_.front().second.device()),
      optimizer_(params_, config, model_->learning_rate_multipliers()),
      rounds_(data_loader::BatchLayout{config.batch, config.batch_per_rank,
                                       all_reduce.num_trainers()}.rounds()) {
  model_->module().train();
  // Gradients exist from the start so that every trainer all-reduces the same list.
  for (auto& [name, param] : params_) param.mutable_grad() = torch::zeros_like(param);
}

storage::NamedTensors GradientLoop::state_dict_copy() const {
  storage::NamedTensors copy;
  for (const auto& [name, tensor] : models::state_dict(model_->module())) copy[name] = cpu_copy(tensor);
  return copy;
}

void GradientLoop::resume_from(int64_t step) {
  last_ema_nimg_ = 0;
  if (step > 0) {
    const TrainingCheckpoint checkpoint =
        read_training_checkpoint(run_.checkpoint_path(step), config_hash_);
    models::load_state_dict(model_->module(), checkpoint.model);
    optimizer_.load_state(checkpoint.optimizer);
    step_ = checkpoint.step;
    nonfinite_steps_skipped_ = checkpoint.nonfinite_steps_skipped;
    last_ema_nimg_ = checkpoint.last_ema_nimg >= 0 ? checkpoint.last_ema_nimg : step_ * config_.batch;
    LOG(INFO) << "trainer " << trainer_index_ << " resumed from " << run_.checkpoint_path(step);
  } else if (trainer_index_ == 0) {
    // EDM2 starts every EMA track from the initial weights.
    hand_weights_to_ema(/*update=*/true, /*write_state=*/false, /*final=*/false, /*stop=*/false);
  }
}

void GradientLoop::run(int64_t final_step, int64_t stop_at_step) {
  links_.grant_credits(static_cast<uint32_t>(config_.credits));
  auto interval_start = Clock::now();
  while (step_ < final_step) {
    interval_.loss_sum += train_one_step();
    interval_.steps += 1;
    const bool final = step_ == final_step;
    const bool stop = !final && (stop_agreed_ || step_ == stop_at_step);
    if (trainer_index_ == 0) {
      const bool ema_step = step_ % config_.ema_every_steps == 0 || final;
      const bool checkpoint_step = step_ % config_.checkpoint_every_steps == 0 || final || stop;
      if (ema_step || checkpoint_step) hand_weights_to_ema(ema_step, checkpoint_step, final, stop);
      if (checkpoint_step) write_checkpoint();
      const double interval_s = seconds_since(interval_start);
      if (interval_s >= config_.status_every_s || final || stop) {
        report(interval_s);
        interval_ = {};
        interval_start = Clock::now();
      }
    }
    if (stop) {
      stopped_early_ = true;
      LOG(INFO) << "trainer " << trainer_index_ << " stops early at step " << step_;
      break;
    }
  }
  checkpoint_writer_.wait();
}

double GradientLoop::train_one_step() {
  double loss_local = 0;
  torch::Tensor noise_level_moments;  // this trainer's rows; every trainer runs the same family
  for (int64_t round = 0; round < rounds_; ++round) {
    const auto wait_start = Clock::now();
    std::optional<MicroBatch> batch = batches_.pop();
    interval_.data_wait_s += seconds_since(wait_start);
    if (!batch) throw std::runtime_error("trainer " + std::to_string(trainer_index_) + ": data loader stopped");
    if (batch->step != step_ || batch->round != round) {
      throw std::runtime_error(fmt::format("trainer {}: expected batch (step {}, round {}), got ({}, {})",
                                           trainer_index_, step_, round, batch->step, batch->round));
    }
    links_.grant_credits(1);
    loader_busy_s_ = batch->loader_busy_s;
    at::Generator generator = micro_batch_generator(seed_, step_, round, trainer_index_);
    if (round == rounds_ - 1) all_reduce_.arm_for_final_backward();
    const models::MicroBatchLoss micro_batch =
        model_->training_loss(batch_in_model_space(batch->images).to(device_), batch->labels.to(device_), generator);
    // Summed over the micro-batch and divided by the global batch, the rounds and
    // trainers add up to the step's mean loss (EDM2: loss.sum() / batch_size).
    const torch::Tensor loss = micro_batch.loss.sum() * (1.0 / config_.batch);
    loss.backward();
    loss_local += loss.item<double>();
    for (const auto& [name, term] : micro_batch.terms) interval_.term_sums[name] += term.sum().item<double>();
    interval_.term_samples += micro_batch.loss.size(0);
    if (micro_batch.noise_level.defined()) {
      noise_level_buckets_ = &trainer::noise_level_buckets(micro_batch.noise_level_name);
      const torch::Tensor moments =
          bucket_moments(*noise_level_buckets_, micro_batch.noise_level, micro_batch.noise_level_loss);
      noise_level_moments = noise_level_moments.defined() ? noise_level_moments + moments : moments;
    }
  }

  // Most buckets were started during the last backward; the loss rides along at the end.
  const torch::Tensor loss_sum = torch::tensor(loss_local, torch::kFloat64);
  // So does the stop flag: its sum is > 0 on every trainer when any one was asked to stop.
  const bool stop_local = links_.stop_requested && links_.stop_requested();
  const torch::Tensor stop_votes = torch::tensor(stop_local ? 1.0 : 0.0, torch::kFloat64);
  const auto reduce_start = Clock::now();
  // And the loss by noise level: moments summed over trainers, so every sample counts once.
  std::vector<torch::Tensor> extra{loss_sum, stop_votes};
  if (noise_level_moments.defined()) extra.push_back(noise_level_moments);
  all_reduce_.finish(extra);
  interval_.all_reduce_s += seconds_since(reduce_start);
  if (noise_level_moments.defined()) {
    interval_.noise_level_moments = interval_.noise_level_moments.defined()
                                        ? interval_.noise_level_moments + noise_level_moments
                                        : noise_level_moments;
  }
  stop_agreed_ = stop_votes.item<double>() > 0;

  if (all_gradients_finite()) {
    nonfinite_in_a_row_ = 0;
    optimizer_.step(step_ * config_.batch);
  } else {
    ++nonfinite_steps_skipped_;
    ++nonfinite_in_a_row_;
    LOG(WARNING) << "trainer " << trainer_index_ << ": non-finite gradient at step " << step_
                 << ", step skipped (" << nonfinite_in_a_row_ << " in a row)";
    if (nonfinite_in_a_row_ >= config_.max_nonfinite_in_a_row) {
      throw NonFiniteLossError(fmt::format(
          "training diverged: {} steps in a row with non-finite gradients (last at step {}); "
          "lower trainer.ref_lr or resume from an earlier checkpoint",
          nonfinite_in_a_row_, step_));
    }
  }
  for (auto& [name, param] : params_) param.grad().zero_();
  ++step_;
  return loss_sum.item<double>();
}

bool GradientLoop::all_gradients_finite() const {
  std::vector<torch::Tensor> finite;  // one flag per tensor, read back once
  for (const auto& [name, param] : params_) finite.push_back(torch::isfinite(param.grad()).all());
  return torch::stack(finite).all().item<bool>();
}

void GradientLoop::hand_weights_to_ema(bool update, bool write_state, bool final, bool stop) {
  const auto start = Clock::now();
  EmaWeights weights;
  weights.step = step_;
  weights.nimg = update ? step_ * config_.batch : last_ema_nimg_;
  weights.delta_nimg = weights.nimg - last_ema_nimg_;
  weights.update = update;
  weights.write_state = step_ > 0 && write_state;
  weights.final = final;
  weights.stop = stop;
  if (update) {
    storage::NamedTensors state = models::state_dict(model_->module());
    // On the CPU already, the bytes below are the one copy; sending happens off this thread.
    if (!device_.is_cpu()) state = state_dict_copy();
    weights.tensors = tensors_to_bytes(state);
    last_ema_nimg_ = weights.nimg;
  }
  links_.send_to_ema(std::move(weights));
  interval_.ema_handoff_s += seconds_since(start);
}

void GradientLoop::write_checkpoint() {
  const auto start = Clock::now();
  TrainingCheckpoint checkpoint;
  checkpoint.step = step_;
  checkpoint.nonfinite_steps_skipped = nonfinite_steps_skipped_;
  checkpoint.last_ema_nimg = last_ema_nimg_;
  checkpoint.model = state_dict_copy();
  for (const auto& [name, tensor] : optimizer_.state()) checkpoint.optimizer[name] = cpu_copy(tensor);
  checkpoint_writer_.submit([checkpoint = std::move(checkpoint), path = run_.checkpoint_path(step_),
                             hash = config_hash_] { write_training_checkpoint(path, checkpoint, hash); });
  interval_.checkpoint_s += seconds_since(start);
}

void GradientLoop::report(double interval_s) {
  const auto percent = [interval_s](double part_s) { return interval_s > 0 ? 100 * part_s / interval_s : 0.0; };
  nlohmann::json line = {
      {"time", unix_time_s()},
      {"step", step_},
      {"kimg", static_cast<double>(step_ * config_.batch) / 1000},
      {"loss", interval_.steps ? interval_.loss_sum / interval_.steps : 0.0},
      {"lr", optimizer_.learning_rate(step_ * config_.batch)},
      {"images_per_s", interval_s > 0 ? interval_.steps * config_.batch / interval_s : 0.0},
      {"data_wait_pct", percent(interval_.data_wait_s)},
      {"all_reduce_pct", percent(interval_.all_reduce_s)},
      {"ema_handoff_pct", percent(interval_.ema_handoff_s)},
      {"checkpoint_pct", percent(interval_.checkpoint_s)},
      {"nonfinite_steps_skipped", nonfinite_steps_skipped_},
      {"loader_busy_s", loader_busy_s_},
  };
  if (interval_.term_samples > 0) {
    for (const auto& [name, sum] : interval_.term_sums) line["loss_terms"][name] = sum / interval_.term_samples;
  }
  if (interval_.noise_level_moments.defined()) {
    line["loss_by_noise_level"] = loss_by_noise_level(*noise_level_buckets_, interval_.noise_level_moments);
  }
  optimizer_.report_into(line);
  links_.report_progress(line.dump());
}

}  // namespace dact::workers::trainer
