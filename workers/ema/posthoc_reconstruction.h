#pragma once
// Post-hoc EMA reconstruction (EDM2, Karras et al. 2024, Sec. 3.2 and Algorithm 3): the
// weights of an EMA with any std, combined from the power-EMA tracks stored in a run's
// snapshots. The coefficients come from solve_posthoc_coefficients over every stored
// (snapshot, track) pair; each snapshot file is then read once, however many outputs.
#include <string>
#include <vector>

namespace dact::workers::ema {

struct ReconstructedEma {
  double std = 0;
  std::string path;  // an EMA snapshot file with this single track
};

// Writes one file per out_std into out_dir ("phema-<time>-<std>.h5", <time> the
// storage::nimg_name of out_nimg rounded). out_nimg <= 0 means the time of the newest snapshot. Throws storage::StorageError naming a snapshot that
// does not verify, std::invalid_argument for stds without a profile.
std::vector<ReconstructedEma> reconstruct_posthoc_ema(const std::vector<std::string>& snapshot_paths,
                                                      const std::vector<double>& out_std,
                                                      double out_nimg, const std::string& out_dir);

}  // namespace dact::workers::ema
