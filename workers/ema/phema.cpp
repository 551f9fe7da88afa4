#include "workers/ema/phema.h"

#include <algorithm>
#include <cmath>
#include <string>

namespace dact::workers::ema {
namespace {

constexpr double kPi = 3.14159265358979323846;

// Largest real root of t^3 + p t + q = 0 (Cardano / trigonometric form).
double largest_root_of_depressed_cubic(double p, double q) {
  const double half_q = q / 2;
  const double third_p = p / 3;
  const double discriminant = half_q * half_q + third_p * third_p * third_p;
  if (discriminant > 0) {
    const double root = std::sqrt(discriminant);
    return std::cbrt(-half_q + root) + std::cbrt(-half_q - root);
  }
  const double radius = std::sqrt(-third_p);
  const double cos_arg = std::clamp(-half_q / (radius * radius * radius), -1.0, 1.0);
  return 2 * radius * std::cos(std::acos(cos_arg) / 3);
}

}  // namespace

// phema.py std_to_exp, Equation 126 and Algorithm 2: np.roots([1, 7, 16 - s^-2, 12 - s^-2]).real.max().
double std_to_exp(double std) {
  if (!(std > 0)) {
    throw std::invalid_argument("EMA std must be positive, got " + std::to_string(std));
  }
  const double t = 1 / (std * std);
  const double c1 = 16 - t;
  const double c0 = 12 - t;
  // Substituting g = x - 7/3 removes the quadratic term.
  const double shift = 7.0 / 3;
  const double p = c1 - 49.0 / 3;
  const double q = 2 * 343.0 / 27 - 7 * c1 / 3 + c0;
  double g = largest_root_of_depressed_cubic(p, q) - shift;
  // Newton polishing restores full float64 precision lost in the closed form.
  for (int i = 0; i < 3; ++i) {
    const double f = ((g + 7) * g + c1) * g + c0;
    const double df = (3 * g + 14) * g + c1;
    if (df == 0) break;
    g -= f / df;
  }
  if (!(g > -1)) {
    throw std::invalid_argument("EMA std " + std::to_string(std) +
                                " has no power-function profile (expected std <= 0.3003)");
  }
  return g;
}

// phema.py power_function_beta, Equation 127.
double power_function_beta(double std, double t_next, double t_delta) {
  return std::pow(1 - t_delta / t_next, std_to_exp(std) + 1);
}

// phema.py power_function_correlation, Equation 151 and Algorithm 3.
double power_function_correlation(double a_ofs, double a_std, double b_ofs, double b_std) {
  const double a_exp = std_to_exp(a_std);
  const double b_exp = std_to_exp(b_std);
  const double t_ratio = a_ofs / b_ofs;
  const double t_exp = a_ofs < b_ofs ? b_exp : -a_exp;
  const double t_max = std::max(a_ofs, b_ofs);
  const double num = (a_exp + 1) * (b_exp + 1) * std::pow(t_ratio, t_exp);
  const double den = (a_exp + b_exp + 1) * t_max;
  return num / den;
}

}  // namespace dact::workers::ema
