#pragma once
// The options `dact sample` and `dact eval` share: the model family's sampler and
// classifier-free guidance (onto an evaluation job's settings) and the threads of an
// offline command.
#include <CLI/CLI.hpp>

#include "workers/evaluator/evaluation_job_settings.h"

namespace dact::launch {

// --sampler, --steps, --cfg (--guidance), --cfg-schedule, --cfg-interval a,b
// (--guidance-interval), --time-shift, EDM's --rho, --sigma-min, --sigma-max, --churn,
// --s-min, --s-max, --s-noise, the energy family's --mcmc-steps-base, --mcmc-step-size,
// --no-mcmc, and autoguidance's --guide-snapshot, --guide-std.
void add_sampling_options(CLI::App& command, workers::evaluator::EvaluationJob& job);

// --threads: LibTorch intra-op threads; 0 (the default) = every core.
void add_threads_option(CLI::App& command, int& threads);
// Sets LibTorch's thread count for this process (0 = every core).
void use_threads(int threads);

}  // namespace dact::launch
