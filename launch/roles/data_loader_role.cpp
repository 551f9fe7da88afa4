// A data-loader rank: streams micro-batches from the shard dataset to the trainers it
// serves (trainer t is served by loader t mod loaders), under their credits.
#include <glog/logging.h>

#include "launch/latent/latent_run_setup.h"
#include "launch/roles/member_actor.h"
#include "storage/shard_dataset.h"
#include "workers/data_loader/batch_producer.h"

namespace dact::launch {

void run_data_loader_role(RoleContext& context) {
  const RunConfig& config = context.config;
  const std::vector<int> trainer_ranks = context.ranks_of("trainer");
  const std::vector<int> loader_ranks = context.ranks_of("data_loader");
  const int loader_index = context.self().role_index;
  std::vector<int> served;
  for (int t = 0; t < static_cast<int>(trainer_ranks.size()); ++t) {
    if (t % static_cast<int>(loader_ranks.size()) == loader_index) served.push_back(t);
  }

  const storage::ShardDataset dataset(config.dataset.dir);
  workers::data_loader::SampleOrder order(
      config.seed, dataset.size(),
      {config.trainer.batch, config.trainer.batch_per_rank, static_cast<int64_t>(trainer_ranks.size())});
  LOG(INFO) << "data loader " << loader_index << ": " << dataset.size() << " samples from "
            << config.dataset.dir << ", serving " << served.size() << " trainer(s)";
  std::unique_ptr<workers::data_loader::LatentDraw> latent_draw;
  if (config.dataset.latent) {
    const storage::LatentShardInfo info = read_latent_info(config.dataset.dir);
    workers::data_loader::LatentDrawSettings settings;
    settings.channels = info.channels;
    settings.has_flipped = info.has_flipped();
    settings.use_flipped = config.dataset.latent->flip;
    settings.scaling = latent_scaling(*config.dataset.latent, info);
    latent_draw = std::make_unique<workers::data_loader::LatentDraw>(config.seed, settings);
  }

  MemberActor member(context);
  actors::Actor& actor = member.actor;
  workers::data_loader::BatchProducer producer(
      dataset, order, served, context.resume_step, config.last_step(),
      [&actor, &trainer_ranks](int trainer, workers::TrainingBatch batch) {
        actor.post([&actor, rank = trainer_ranks[trainer], batch = std::move(batch)] {
          actor.send(rank, batch);
        });
      },
      latent_draw.get());
  std::vector<actors::PeerId> served_ranks;
  for (int t : served) served_ranks.push_back(trainer_ranks[t]);
  actor.on<workers::BatchCredit>(actors::only_from(served_ranks), [&](const workers::BatchCredit& credit, actors::PeerId from) {
    for (int t = 0; t < static_cast<int>(trainer_ranks.size()); ++t) {
      if (trainer_ranks[t] == from) producer.grant(t, credit.count);
    }
  });
  member.session.on_shutdown([&producer] { producer.stop(); });
  actor.run();
}

}  // namespace dact::launch
