#pragma once
// `dact model forward --arch dit`: inputs x, t, y -> out; in energy mode energy and
// grad (the prediction, multiplier * dE/dx).
#include "models/reference_forward.h"

namespace dact::models {

ReferenceForward dit_forward();

}  // namespace dact::models
