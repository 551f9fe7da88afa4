#include "models/edm/edm_forward.h"

#include "models/edm/edm_arguments.h"
#include "models/edm/edm_precond.h"
#include "models/state_dict.h"

namespace dact::models::edm {

ReferenceForward edm_precond_forward() {
  return {"edm-precond",
          {"precond", "img_resolution", "img_channels", "label_dim"},
          [](config::ConfigReader& arguments, const TensorMap& weights, const ForwardInputs& inputs) -> TensorMap {
            EdmPrecondConfig config;
            read_edm_precond_arguments(arguments, config);
            arguments.finish();
            EdmPrecond model(config);
            load_state_dict(*model, weights);
            model->eval();
            return {{"D", model->forward(inputs.required("x"), inputs.required("sigma"),
                                         inputs.optional("class_labels"), inputs.optional("augment_labels"))}};
          }};
}

}  // namespace dact::models::edm
