#include "models/autoencoder/kl_autoencoder_forward.h"

#include <stdexcept>

#include "models/autoencoder/kl_autoencoder.h"
#include "models/state_dict.h"

namespace dact::models::autoencoder {

ReferenceForward kl_autoencoder_forward() {
  return {"kl-autoencoder",
          {},
          [](config::ConfigReader& arguments, const TensorMap& weights, const ForwardInputs& inputs) -> TensorMap {
            KlAutoencoderConfig config;
            read_kl_autoencoder_arguments(arguments, config);
            arguments.finish();
            KlAutoencoder model(config);
            load_state_dict(*model, weights);
            model->eval();
            if (!inputs.has("images") && !inputs.has("z")) {
              throw std::invalid_argument("missing input: expected 'images', 'z' or both");
            }
            TensorMap outputs;
            if (inputs.has("images")) {
              const KlPosterior posterior = model->encode(inputs.required("images"));
              outputs = {{"mean", posterior.mean},
                         {"logvar", posterior.logvar},
                         {"reconstruction", model->decode(posterior.mean)}};
            }
            if (inputs.has("z")) outputs.emplace("decoded_z", model->decode(inputs.required("z")));
            return outputs;
          }};
}

}  // namespace dact::models::autoencoder
