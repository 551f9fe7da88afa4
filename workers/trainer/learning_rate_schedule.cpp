#include "workers/trainer/learning_rate_schedule.h"

#include <algorithm>
#include <cmath>

namespace dact::workers::trainer {

// training_loop.py learning_rate_schedule: inverse-square-root decay after ref_batches, linear rampup.
double learning_rate_schedule(int64_t cur_nimg, int64_t batch_size, double ref_lr,
                              double ref_batches, double rampup_Mimg) {
  const auto nimg = static_cast<double>(cur_nimg);
  double lr = ref_lr;
  if (ref_batches > 0) {
    lr /= std::sqrt(std::max(nimg / (ref_batches * static_cast<double>(batch_size)), 1.0));
  }
  if (rampup_Mimg > 0) {
    lr *= std::min(nimg / (rampup_Mimg * 1e6), 1.0);
  }
  return lr;
}

}  // namespace dact::workers::trainer
