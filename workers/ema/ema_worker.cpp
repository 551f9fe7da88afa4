#include "workers/ema/ema_worker.h"

#include <glog/logging.h>

#include <cmath>

#include "models/latent/pixel_decoder.h"
#include "models/state_dict.h"
#include "storage/png_writer.h"
#include "storage/storage_error.h"
#include "workers/tensor_bytes.h"

namespace dact::workers::ema {

EmaWorker::EmaWorker(EmaConfig config, storage::RunDirectory run, std::string config_hash,
                     nlohmann::json model, std::function<std::unique_ptr<models::Model>()> make_net,
                     EmaLinks links, nlohmann::json image_decoder)
    : config_(std::move(config)),
      run_(std::move(run)),
      config_hash_(std::move(config_hash)),
      model_(std::move(model)),
      image_decoder_(std::move(image_decoder)),
      make_net_(std::move(make_net)),
      links_(std::move(links)) {
  if (config_.preview_track >= config_.stds.size()) {
    throw std::invalid_argument("ema.preview_track must index ema.stds");
  }
  for (const auto& param : make_net_()->module().named_parameters()) param_names_.push_back(param.key());
}

void EmaWorker::resume_from(int64_t step) {
  if (step == 0) return;
  const std::string path = run_.ema_state_path(step);
  const EmaSnapshot state = read_ema_snapshot(path);
  if (state.config_hash != config_hash_ || state.stds != config_.stds ||
      !stores_classic_tracks(state, config_.classic)) {
    throw storage::StorageError(path, "EMA state of another config (hash, stds or classic tracks differ)");
  }
  tracks_.clear();
  for (size_t i = 0; i < state.stds.size(); ++i) tracks_.emplace_back(state.stds[i], state.tracks[i]);
  classic_tracks_.clear();
  for (const StoredClassicEma& track : state.classic) {
    classic_tracks_.emplace_back(track.options, track.params, track.step);
  }
  buffers_ = state.buffers;
  nimg_ = state.nimg;
  LOG(INFO) << "EMA resumed from " << path;
}

std::shared_ptr<const EmaSnapshot> EmaWorker::copy_state(int64_t step, int64_t nimg) const {
  auto snapshot = std::make_shared<EmaSnapshot>();
  snapshot->step = step;
  snapshot->nimg = nimg;
  snapshot->stds = config_.stds;
  snapshot->model = model_;
  snapshot->image_decoder = image_decoder_;
  snapshot->config_hash = config_hash_;
  for (const PowerEmaTrack& track : tracks_) {
    storage::NamedTensors copy;
    for (const auto& [name, tensor] : track.params()) copy[name] = tensor.clone();
    snapshot->tracks.push_back(std::move(copy));
  }
  for (const ClassicEmaTrack& track : classic_tracks_) snapshot->classic.push_back(stored_copy(track));
  for (const auto& [name, tensor] : buffers_) snapshot->buffers[name] = tensor.clone();
  return snapshot;
}

void EmaWorker::handle(const EmaWeights& weights) {
  if (!weights.update) {
    // An early stop between EMA steps: persist the tracks as they are (they last moved
    // at the previous EMA step, as in a run that never stopped); no snapshot, no update.
    if (tracks_.empty()) {
      throw std::runtime_error("EMA actor asked to persist step " + std::to_string(weights.step) +
                               " before it holds any state");
    }
    persist(weights, /*snapshot_due=*/false);
    return;
  }
  storage::NamedTensors state = tensors_from_bytes(weights.tensors);
  storage::NamedTensors params;
  for (const std::string& name : param_names_) {
    const auto found = state.find(name);
    if (found == state.end()) throw std::invalid_argument("EMA weights lack parameter '" + name + "'");
    params.emplace(name, found->second);
    state.erase(found);
  }
  buffers_ = std::move(state);

  if (tracks_.empty()) {
    if (weights.step != 0) {
      throw std::runtime_error("EMA actor got weights of step " + std::to_string(weights.step) +
                               " before any state (neither initial weights nor a resumed state)");
    }
    for (double std : config_.stds) tracks_.emplace_back(std, params);
    for (const ClassicEmaOptions& options : config_.classic) {
      classic_tracks_.emplace_back(options, params, weights.step);
    }
  } else {
    for (PowerEmaTrack& track : tracks_) track.update(params, weights.nimg, weights.delta_nimg);
    for (ClassicEmaTrack& track : classic_tracks_) track.update(params, weights.step);
  }

  const double snapshot_nimg = config_.snapshot_every_kimg * 1000;
  const bool snapshot_due =
      weights.final || (weights.step > 0 && std::floor(weights.nimg / snapshot_nimg) >
                                                std::floor(nimg_ / snapshot_nimg));
  nimg_ = weights.nimg;
  persist(weights, snapshot_due);
}

void EmaWorker::persist(const EmaWeights& weights, bool snapshot_due) {
  if (!snapshot_due && !weights.write_state && !weights.final && !weights.stop) return;
  std::shared_ptr<const EmaSnapshot> snapshot = copy_state(weights.step, nimg_);
  const bool write_state = weights.write_state, final = weights.final, stop = weights.stop;
  const bool preview = final || (snapshot_due && config_.preview.at_snapshots);
  // One writer thread, first in first out, and the snapshot before the state: every
  // snapshot due up to a checkpoint step is on disk before that step's EMA state, which
  // a resume needs, so a resume never skips a snapshot (it may rewrite later ones with
  // the same bytes).
  writer_.submit([this, snapshot, snapshot_due, write_state, final, stop, preview] {
    if (snapshot_due) {
      // Named by the exact image count, so only the snapshot of this very nimg can exist
      // under this name: one a resumed run writes again (killed after writing it, before
      // the next checkpoint). Replacing it is safe: the resume is exact and tensor files
      // carry no write times, so the file comes out with the same bytes, and the write is
      // atomic (temp name, fsync, rename), so a reader sees one whole file, never a mix.
      const std::string path = run_.snapshot_path(snapshot->nimg);
      write_ema_snapshot(path, *snapshot);
      links_.snapshot_written(snapshot->nimg, path);
    }
    if (write_state) write_ema_snapshot(run_.ema_state_path(snapshot->step), *snapshot);
    if (preview) {
      const std::unique_ptr<models::Model> net = make_net_();
      models::load_state_dict(net->module(), snapshot_state_dict(*snapshot, config_.preview_track));
      // Loaded only here: a latent run's EMA rank holds the decoder only while it draws a preview.
      const std::shared_ptr<models::latent::PixelDecoder> decoder =
          models::latent::load_pixel_decoder(image_decoder_, run_.config_path());
      const std::string grid = run_.sample_grid_path(snapshot->nimg);
      storage::write_png(grid, sample_preview_grid(*net, *decoder, config_.preview));
      LOG(INFO) << "preview grid written to " << grid;
    }
    if (final || stop) links_.finished(snapshot->step);
  });
}

}  // namespace dact::workers::ema
