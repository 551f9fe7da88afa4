#pragma once
// Evaluation of an autoencoder (models/autoencoding_model.h): where a diffusion model's
// part samples the images of a seed range, an autoencoder's part reconstructs the
// held-out images of an index range with one EMA track of a snapshot and returns the
// features of the reconstructions (FD against the held-out split's reference
// statistics: rFID as LDM and MAR report it) and the PSNR of each reconstruction.
// Image i depends on i alone, so parts merge in index order into the result of one
// big job, as sampled parts do (evaluation_job.h). Torch-free settings, so the
// coordinator and the job's message (reconstruction_messages.h) carry them as they are.
#include <torch/torch.h>

#include <cstdint>
#include <string>

#include "models/features/feature_network.h"
#include "storage/shard_dataset.h"
#include "workers/evaluator/evaluation_job.h"

namespace dact::workers::evaluator {

struct ReconstructionJob {
  std::string snapshot_path;  // absolute, as in EvaluationJob
  double ema_std = 0.1;       // the track (snapshot_network.h)
  std::string ema_name;       // non-empty: a classic EMA track by name instead
  std::string held_out_dataset;           // absolute dataset directory
  int64_t index_begin = 0, index_end = 0;  // its images [index_begin, index_end)
  int64_t batch = 64;  // images per forward pass, aligned to multiples of `batch` as seeded batches are
  std::string feature_weights;
};

struct ReconstructionPart {
  EvaluationPart features;  // of the reconstructions; seed_begin/seed_end hold the index range
  torch::Tensor psnr;       // float64 [images], in index order
};

// Per image, 10 log10(255^2 / MSE) in dB with the MSE over C, H, W of uint8 pixels (the
// convention of skimage and torchmetrics with data_range 255). An exact reconstruction
// (MSE 0) counts as kExactReconstructionPsnrDb, so means stay finite.
inline constexpr double kExactReconstructionPsnrDb = 100;
torch::Tensor psnr_db(const torch::Tensor& originals_uint8, const torch::Tensor& reconstructions_uint8);

// Throws storage::StorageError naming the snapshot or dataset, std::invalid_argument for
// an index range outside the dataset, images of another shape than the model's, or a
// snapshot whose model is not an autoencoder.
ReconstructionPart run_reconstruction_part(const ReconstructionJob& job, models::features::FeatureNetwork& features,
                                           const storage::ShardDataset& held_out);

// Concatenates parts whose index ranges follow each other (merge_parts), and their PSNRs.
ReconstructionPart merge_reconstruction_parts(const std::vector<ReconstructionPart>& parts_in_index_order);

}  // namespace dact::workers::evaluator
