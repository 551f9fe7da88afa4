#pragma once
// `dact schedule learn`: fits the N noise levels of an EDM sampler against the frozen
// denoiser of a snapshot (models/diffusion/learned_schedule.h) on images of a dataset,
// and writes them as a schedule file (launch/config/schedule_file.h) for
// `dact sample|eval --schedule FILE` and `eval.schedule`.
#include <CLI/CLI.hpp>

namespace dact::launch {

// Registers the `schedule` subcommand group (learn) on `app`.
void add_schedule_commands(CLI::App& app);

}  // namespace dact::launch
