#include "launch/training_run.h"

#include "launch/evaluation_setup.h"
#include "launch/latent/encoded_dataset_stages.h"
#include "launch/latent/latent_run_setup.h"

namespace dact::launch {

SupervisedEnd train_run(const TrainRequest& request, const std::string& mpirun_args) {
  const RunConfig resolved = resolve_run_config(request);
  if (resolved.dataset.encode_from && ensure_encoded_dataset(resolved, mpirun_args) == SupervisedEnd::kStopped) {
    return SupervisedEnd::kStopped;
  }
  ensure_dataset(resolved);
  const RunConfig config = record_run_config(request.run_dir, resolved);
  check_dataset_fits_run(config);
  ensure_evaluation_files(config);
  return supervise_training(config, request.run_dir, mpirun_args);
}

}  // namespace dact::launch
