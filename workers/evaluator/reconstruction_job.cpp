#include "workers/evaluator/reconstruction_job.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <numeric>
#include <stdexcept>
#include <vector>

#include "models/autoencoding_model.h"
#include "models/pixel_range.h"
#include "workers/evaluator/snapshot_network.h"

namespace dact::workers::evaluator {

torch::Tensor psnr_db(const torch::Tensor& originals_uint8, const torch::Tensor& reconstructions_uint8) {
  const torch::Tensor difference = originals_uint8.to(torch::kFloat64) - reconstructions_uint8.to(torch::kFloat64);
  const torch::Tensor mse = difference.pow(2).flatten(1).mean(1);
  const torch::Tensor psnr = 10 * torch::log10(255.0 * 255.0 / mse);
  return torch::where(mse > 0, psnr, torch::full_like(psnr, kExactReconstructionPsnrDb));
}

ReconstructionPart run_reconstruction_part(const ReconstructionJob& job, models::features::FeatureNetwork& features,
                                           const storage::ShardDataset& held_out) {
  const auto start = std::chrono::steady_clock::now();
  if (job.index_begin < 0 || job.index_end < job.index_begin || job.index_end > held_out.size()) {
    throw std::invalid_argument("images [" + std::to_string(job.index_begin) + ", " + std::to_string(job.index_end) +
                                ") are not in " + held_out.dir() + " (" + std::to_string(held_out.size()) +
                                " images; lower eval.num_images)");
  }
  if (job.batch < 1) throw std::invalid_argument("batch must be >= 1");
  const std::unique_ptr<models::Model> net = load_snapshot_network(job.snapshot_path, job.ema_std, job.ema_name);
  models::AutoencodingModel* autoencoder = models::as_autoencoding(*net);
  if (!autoencoder) {
    throw std::invalid_argument(job.snapshot_path + ": the snapshot's model does not reconstruct images (not an "
                                "autoencoder); its evaluation samples");
  }
  const models::ImageShape shape = net->image_shape();

  ReconstructionPart part;
  part.features = EvaluationPart(features.dim());
  part.features.feature_net = features.name();
  part.features.seed_begin = job.index_begin;
  part.features.seed_end = job.index_end;
  std::vector<torch::Tensor> feature_rows, psnr_rows;
  for (int64_t begin = job.index_begin; begin < job.index_end;) {
    const int64_t end = std::min(job.index_end, (begin / job.batch + 1) * job.batch);
    std::vector<int64_t> indices(static_cast<size_t>(end - begin));
    std::iota(indices.begin(), indices.end(), begin);
    const torch::Tensor originals = held_out.read(indices).samples;
    if (originals.size(1) != shape.channels || originals.size(2) != shape.resolution ||
        originals.size(3) != shape.resolution) {
      throw std::invalid_argument(held_out.dir() + ": images of shape " + std::to_string(originals.size(1)) + "x" +
                                  std::to_string(originals.size(2)) + "x" + std::to_string(originals.size(3)) +
                                  " do not fit the autoencoder of " + job.snapshot_path);
    }
    const torch::Tensor reconstructions =
        models::model_space_to_pixels(autoencoder->reconstruct(models::pixels_to_model_space(originals)));
    const torch::Tensor batch_features = features.features(reconstructions).to(torch::kFloat32);
    part.features.stats.add(batch_features);
    feature_rows.push_back(batch_features);
    psnr_rows.push_back(psnr_db(originals, reconstructions));
    begin = end;
  }
  part.features.features =
      feature_rows.empty() ? torch::empty({0, features.dim()}, torch::kFloat32) : torch::cat(feature_rows);
  part.psnr = psnr_rows.empty() ? torch::empty({0}, torch::kFloat64) : torch::cat(psnr_rows);
  part.features.images = part.features.features.size(0);
  part.features.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return part;
}

ReconstructionPart merge_reconstruction_parts(const std::vector<ReconstructionPart>& parts_in_index_order) {
  std::vector<EvaluationPart> features;
  std::vector<torch::Tensor> psnr;
  for (const ReconstructionPart& part : parts_in_index_order) {
    features.push_back(part.features);
    psnr.push_back(part.psnr);
  }
  ReconstructionPart merged;
  merged.features = merge_parts(features);  // checks the order; throws when empty
  merged.psnr = torch::cat(psnr);
  return merged;
}

}  // namespace dact::workers::evaluator
