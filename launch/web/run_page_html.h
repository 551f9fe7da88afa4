#pragma once
// launch/web/run_page.html, compiled in (launch/CMakeLists.txt): the binary serves and
// writes the page without finding files at run time.
#include <string>

namespace dact::launch {

const std::string& run_page_html();

}  // namespace dact::launch
