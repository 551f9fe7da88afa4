#include "models/dit/dit_forward.h"

#include "models/dit/dit.h"
#include "models/dit/dit_arguments.h"
#include "models/state_dict.h"

namespace dact::models {

ReferenceForward dit_forward() {
  return {"dit",
          {},
          [](config::ConfigReader& arguments, const TensorMap& weights, const ForwardInputs& inputs) -> TensorMap {
            DitConfig config;
            read_dit_arguments(arguments, config);
            arguments.finish();
            Dit model(config);
            load_state_dict(*model, weights);
            model->eval();
            const torch::Tensor& x = inputs.required("x");
            const torch::Tensor& t = inputs.required("t");
            const torch::Tensor& y = inputs.required("y");
            if (config.use_energy) {
              const DitEnergyOutput out = model->forward_energy(x, t, y);
              return {{"energy", out.energy}, {"grad", out.prediction}};
            }
            return {{"out", model->forward(x, t, y)}};
          }};
}

}  // namespace dact::models
