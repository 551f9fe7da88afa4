#pragma once
// `dact model forward --arch edm-precond`: EDM's preconditioned networks; inputs x,
// sigma (and class_labels, augment_labels) -> D.
#include "models/reference_forward.h"

namespace dact::models::edm {

ReferenceForward edm_precond_forward();

}  // namespace dact::models::edm
