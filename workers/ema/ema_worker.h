#pragma once
// The EMA-snapshot actor's logic: power-function EMA tracks for several stds at once
// (EDM2) and any classic EMA tracks (DiT, MAR), fed with the weights trainer 0 hands over; a snapshot every
// snapshot_every_kimg; the tracks' state at checkpoint steps (exact resume); at the end
// a preview grid. Disk writes and sampling run on a background thread, so handle()
// costs one pass over the weights per track.
// Not thread-safe: call everything on the actor's loop thread. The links may be
// called from the background thread and must be thread-safe (Actor::post).
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "models/family.h"
#include "storage/background_writer.h"
#include "storage/run_directory.h"
#include "workers/ema/classic_ema_track.h"
#include "workers/ema/ema_snapshot.h"
#include "workers/ema/power_ema_track.h"
#include "workers/ema/preview_grid.h"
#include "workers/worker_messages.h"

namespace dact::workers::ema {

struct EmaConfig {
  std::vector<double> stds{0.050, 0.100};  // EDM2's two stored tracks
  double snapshot_every_kimg = 100;
  size_t preview_track = 1;  // index into stds
  std::vector<ClassicEmaOptions> classic;  // DiT/MAR-style tracks kept beside (classic_ema_track.h)
  PreviewOptions preview;
};

struct EmaLinks {
  std::function<void(int64_t nimg, std::string path)> snapshot_written;
  // The final snapshot, state and preview (or an early stop's state) are written.
  std::function<void(int64_t step)> finished;
};

class EmaWorker {
 public:
  // `make_net` builds the trained model (for parameter names and the preview);
  // `model` describes it in snapshots, and so does `image_decoder` (EmaSnapshot) how its
  // samples become pixels; the preview loads that decoder when it draws.
  EmaWorker(EmaConfig config, storage::RunDirectory run, std::string config_hash, nlohmann::json model,
            std::function<std::unique_ptr<models::Model>()> make_net, EmaLinks links,
            nlohmann::json image_decoder = nullptr);

  // Loads the tracks of checkpoint step `step` (ema-<step>.h5); step 0 waits for the
  // initial weights instead.
  void resume_from(int64_t step);

  void handle(const EmaWeights& weights);

  // Waits for pending writes; rethrows a failed one.
  void flush() { writer_.wait(); }

 private:
  std::shared_ptr<const EmaSnapshot> copy_state(int64_t step, int64_t nimg) const;
  // Queues the writes `weights` asks for (EMA state, snapshot, preview) and the
  // finished link at the end of the run or an early stop.
  void persist(const EmaWeights& weights, bool snapshot_due);

  EmaConfig config_;
  storage::RunDirectory run_;
  std::string config_hash_;
  nlohmann::json model_;
  nlohmann::json image_decoder_;
  std::function<std::unique_ptr<models::Model>()> make_net_;
  EmaLinks links_;
  std::vector<std::string> param_names_;
  std::vector<PowerEmaTrack> tracks_;
  std::vector<ClassicEmaTrack> classic_tracks_;
  storage::NamedTensors buffers_;
  int64_t nimg_ = 0;
  storage::BackgroundWriter writer_;
};

}  // namespace dact::workers::ema
