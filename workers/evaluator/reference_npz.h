#pragma once
// Reference statistics other tools computed, and ours for them, in NumPy's .npz layout:
// EDM's fid-refs/*.npz (mu, sigma) and ADM's VIRTUAL_*.npz (mu, sigma, and arr_0, the
// reference batch of images [N, H, W, 3] uint8, for KID and precision/recall), so FD by
// dact and by those tools can be computed against the same statistics.
#include <cstdint>
#include <string>

#include "models/features/feature_network.h"
#include "workers/evaluator/reference_statistics.h"

namespace dact::workers::evaluator {

// mu and sigma become the moments of `count` images (the covariance with N - 1 as numpy's
// np.cov and EDM's reference code use; FD depends on mu and sigma alone, so on no count).
// arr_0, when present, is passed through `net` in batches for the reference features;
// else the statistics hold none and only FD can be computed. mu's length must be
// net.dim(): the file must come from the same features `net` computes (ADM's and EDM's:
// Inception-v3 pool3, d = 2048). Errors name the file and array.
ReferenceStatistics import_reference_npz(const std::string& path, models::features::FeatureNetwork& net,
                                         int64_t count, int64_t batch);

// mu (float64 [d]) and sigma (float64 [d, d], N - 1) as EDM's fid-refs files hold them.
void export_reference_npz(const ReferenceStatistics& reference, const std::string& path);

}  // namespace dact::workers::evaluator
