#pragma once
// `dact model forward --arch ARCH --config M.json --weights W.h5 --input IN.h5 --out OUT.h5`:
// one eval-mode forward pass of a model whose weights use the interchange layout
// (weights/<PyTorch state-dict name>, see tools/export_state_dict.py). M.json holds
// the reference constructor arguments; unknown keys are errors. Inputs are read from
// IN.h5's `input/` group (or its top level if it has none); outputs are written at the
// top level of OUT.h5. Architectures: edm2-precond (x, sigma, optional one-hot
// class_labels -> D, logvar); dit (x, t, y -> out, or energy and grad with use_energy).
#include <CLI/CLI.hpp>

namespace dact::launch {

void add_model_commands(CLI::App& app);

}  // namespace dact::launch
