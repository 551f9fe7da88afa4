#include "models/mar/mar_forward.h"

#include "models/mar/mar.h"
#include "models/state_dict.h"

namespace dact::models {

ReferenceForward mar_forward() {
  return {"mar",
          {},
          [](config::ConfigReader& arguments, const TensorMap& weights, const ForwardInputs& inputs) -> TensorMap {
            MarConfig config;
            read_mar_arguments(arguments, config);
            arguments.finish();
            Mar model(config);
            load_state_dict(*model, weights);
            model->eval();
            torch::NoGradGuard no_grad;
            const torch::Tensor& labels = inputs.required("labels");
            const torch::Tensor& mask = inputs.required("mask");
            const torch::Tensor tokens = model->patchify(inputs.required("latents"));
            // The reference's last row is MAR's unconditional (CFG) pass.
            auto unconditional = torch::zeros({labels.size(0)}, torch::kBool);
            unconditional[-1] = true;
            const torch::Tensor class_embedding = model->class_embedding(labels, unconditional);
            const torch::Tensor encoder = model->forward_mae_encoder(tokens, mask, class_embedding);
            return {{"tokens", tokens},
                    {"class_embedding", class_embedding},
                    {"encoder", encoder},
                    {"z", model->forward_mae_decoder(encoder, mask)}};
          }};
}

}  // namespace dact::models
