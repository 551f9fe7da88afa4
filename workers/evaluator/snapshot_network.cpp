#include "workers/evaluator/snapshot_network.h"

#include <cmath>
#include <sstream>

#include "models/state_dict.h"
#include "storage/storage_error.h"
#include "workers/ema/ema_snapshot.h"

namespace dact::workers::evaluator {

std::unique_ptr<models::Model> load_snapshot_network(const std::string& snapshot_path, double ema_std) {
  const ema::EmaSnapshot snapshot = ema::read_ema_snapshot(snapshot_path);
  for (size_t i = 0; i < snapshot.stds.size(); ++i) {
    if (std::abs(snapshot.stds[i] - ema_std) > 1e-9) continue;
    std::unique_ptr<models::Model> net;
    try {
      net = models::parse_model_spec(snapshot.model, "model")->build();
    } catch (const std::exception& e) {
      throw storage::StorageError(snapshot_path, std::string("model section: ") + e.what());
    }
    try {
      models::load_state_dict(net->module(), ema::snapshot_state_dict(snapshot, i));
    } catch (const models::StateDictError& e) {
      throw storage::StorageError(snapshot_path, e.what());
    }
    net->module().eval();
    return net;
  }
  std::ostringstream stds;
  for (size_t i = 0; i < snapshot.stds.size(); ++i) stds << (i ? ", " : "") << snapshot.stds[i];
  throw storage::StorageError(snapshot_path, "no EMA track with std " + std::to_string(ema_std) + " (it holds " +
                                                 stds.str() + "; reconstruct others with `dact ema reconstruct`)");
}

}  // namespace dact::workers::evaluator
