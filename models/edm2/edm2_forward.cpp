#include "models/edm2/edm2_forward.h"

#include "models/edm2/edm2_arguments.h"
#include "models/state_dict.h"

namespace dact::models {

ReferenceForward edm2_precond_forward() {
  return {"edm2-precond",
          {"img_resolution", "img_channels", "label_dim"},
          [](config::ConfigReader& arguments, const TensorMap& weights, const ForwardInputs& inputs) -> TensorMap {
            Edm2PrecondConfig config;
            read_edm2_precond_arguments(arguments, config);
            arguments.finish();
            Edm2Precond model(config);
            load_state_dict(*model, weights);
            model->eval();
            const Edm2Output out =
                model->forward(inputs.required("x"), inputs.required("sigma"), inputs.optional("class_labels"));
            return {{"D", out.D}, {"logvar", out.logvar}};
          }};
}

}  // namespace dact::models
