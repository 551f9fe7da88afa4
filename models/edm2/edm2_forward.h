#pragma once
// `dact model forward --arch edm2-precond`: inputs x, sigma (and class_labels, one-hot;
// absent = the zero label) -> D and logvar.
#include "models/reference_forward.h"

namespace dact::models {

ReferenceForward edm2_precond_forward();

}  // namespace dact::models
