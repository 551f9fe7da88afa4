// The EMA-snapshot rank: power-function EMA tracks updated from trainer 0's weights,
// snapshots and EMA state written in the background, the preview grid at the end.
#include "launch/held_out_split.h"
#include "launch/latent/latent_run_setup.h"
#include "launch/roles/member_actor.h"
#include "models/autoencoding_model.h"
#include "workers/ema/ema_worker.h"

namespace dact::launch {

void run_ema_role(RoleContext& context) {
  const RunConfig& config = context.config;
  MemberActor member(context);
  actors::Actor& actor = member.actor;

  workers::ema::EmaLinks links;
  links.snapshot_written = [&actor](int64_t nimg, std::string path) {
    actor.post([&actor, nimg, path = std::move(path)] { actor.send(0, workers::SnapshotWritten{nimg, path}); });
  };
  links.finished = [&actor](int64_t step) {
    actor.post([&actor, step] { actor.send(0, workers::EmaFinished{step}); });
  };
  workers::ema::EmaConfig ema = config.ema;
  if (models::is_autoencoding(*config.model)) ema.preview.reconstruct_dataset = preview_reconstruction_dir(config);
  workers::ema::EmaWorker worker(ema, context.run, context.config_hash, config.document.at("model"),
                                 [spec = config.model] { return spec->build(); }, links,
                                 image_decoder_record(config));
  worker.resume_from(context.resume_step);
  actor.on<workers::EmaWeights>(actors::only_from({context.ranks_of("trainer").at(0)}), [&worker](const workers::EmaWeights& weights, actors::PeerId) { worker.handle(weights); });
  member.session.on_shutdown([&worker] { worker.flush(); });
  actor.run();
  worker.flush();
}

}  // namespace dact::launch
