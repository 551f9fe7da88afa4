// A trainer rank: the gradient loop on this thread, the actor loop (batches in,
// credits, EMA hand-off and progress out) on a second thread, so neither waits for
// the other. Gradients are all-reduced among the trainers over their own communicator.
#include <glog/logging.h>

#include <atomic>
#include <thread>

#include "launch/roles/member_actor.h"
#include "launch/roles/stop_signal.h"
#include "models/state_dict.h"
#include "workers/tensor_bytes.h"
#include "workers/trainer/gradient_loop.h"
#include "workers/trainer/trainer_device.h"

namespace dact::launch {

void run_trainer_role(RoleContext& context) {
  const RunConfig& config = context.config;
  const int trainer_index = context.self().role_index;
  const std::vector<int> loader_ranks = context.ranks_of("data_loader");
  const int loader_rank = loader_ranks.at(trainer_index % loader_ranks.size());
  const int ema_rank = context.ranks_of("ema").at(0);

  MemberActor member(context);
  actors::Actor& actor = member.actor;
  workers::trainer::BatchQueue batches;
  actor.on<workers::TrainingBatch>(actors::only_from({loader_rank}), [&batches](const workers::TrainingBatch& message, actors::PeerId) {
    storage::NamedTensorMap tensors = workers::tensors_from_bytes(message.tensors);
    // Latent runs: the loader already drew the latents (float32 model space).
    const auto latents = tensors.find("latents");
    const torch::Tensor& samples = latents != tensors.end() ? latents->second : tensors.at("images");
    batches.push({message.step, message.round, samples, tensors.at("labels"), message.loader_busy_s});
  });
  member.session.on_shutdown([&batches] { batches.close(); });
  std::atomic<bool> stop_requested{false};
  actor.on<workers::StopTraining>(actors::only_from({actors::kCoordinatorPeer}), [&stop_requested](const workers::StopTraining& stop, actors::PeerId) {
    LOG(INFO) << "asked to stop early: " << stop.reason;
    stop_requested = true;
  });

  std::exception_ptr actor_failure;
  std::thread actor_thread([&] {
    try {
      actor.run();
    } catch (...) {
      actor_failure = std::current_exception();
    }
    batches.close();
  });

  workers::trainer::GradientLoopLinks links;
  links.grant_credits = [&actor, loader_rank](uint32_t count) {
    actor.post([&actor, loader_rank, count] { actor.send(loader_rank, workers::BatchCredit{count}); });
  };
  links.send_to_ema = [&actor, ema_rank](workers::EmaWeights weights) {
    actor.post([&actor, ema_rank, weights = std::move(weights)] { actor.send(ema_rank, weights); });
  };
  links.report_progress = [&actor](std::string line) {
    actor.post([&actor, line = std::move(line)] { actor.send(0, workers::TrainingProgress{line}); });
  };
  links.stop_requested = [&stop_requested] { return stop_requested.load() || stop_signal_received(); };

  std::exception_ptr loop_failure;
  try {
    const torch::Device device = workers::trainer::trainer_device(config.trainer.allreduce, context.trainers);
    torch::manual_seed(config.seed);  // every trainer starts from the same initial weights
    std::unique_ptr<models::Model> model = config.model->build();
    // Built on the CPU: the same initial weights on every device.
    if (!device.is_cpu()) model->module().to(device);
    std::vector<torch::Tensor> trained;
    for (const auto& [name, param] : models::trained_parameters(model->module())) trained.push_back(param);
    auto all_reduce = workers::trainer::make_gradient_all_reduce(config.trainer.allreduce, context.trainers, trained,
                                                                 config.trainer.bucket_bytes);
    workers::trainer::GradientLoop loop(config.trainer, config.seed, std::move(model),
                                        trainer_index, *all_reduce, batches, links, context.run,
                                        context.config_hash);
    loop.resume_from(context.resume_step);
    loop.run(config.total_steps(), config.run.stop_at_step);
    if (trainer_index == 0) {
      actor.post([&actor, step = loop.step()] { actor.send(0, workers::TrainingFinished{step}); });
    }
  } catch (...) {
    loop_failure = std::current_exception();
    actor.stop();
  }
  actor_thread.join();
  if (loop_failure) std::rethrow_exception(loop_failure);
  if (actor_failure) std::rethrow_exception(actor_failure);
}

}  // namespace dact::launch
