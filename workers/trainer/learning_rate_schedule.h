#pragma once
// EDM2's learning-rate schedule (Karras et al. 2024; NVlabs/edm2
// training/training_loop.py learning_rate_schedule).
#include <cstdint>

namespace dact::workers::trainer {

// lr = ref_lr / sqrt(max(cur_nimg / (ref_batches * batch_size), 1))
//         * min(cur_nimg / (rampup_Mimg * 1e6), 1);
// ref_batches <= 0 disables the decay, rampup_Mimg <= 0 disables the rampup.
double learning_rate_schedule(int64_t cur_nimg, int64_t batch_size, double ref_lr,
                              double ref_batches, double rampup_Mimg);

}  // namespace dact::workers::trainer
