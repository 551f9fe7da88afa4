#pragma once
// mpirun --tag-output prefixes every line a rank prints with "[jobid,rank]<stdout>:"
// (or <stderr>, <stddiag>); mpirun's own messages carry no tag. The tag is what lets
// the supervisor believe a notice only when mpirun, not a rank, printed it.
#include <string>

namespace dact::launch {

struct OutputLine {
  bool from_rank = false;
  std::string text;  // the line without its tag
};

OutputLine split_rank_tag(const std::string& line);

}  // namespace dact::launch
