// The in-container Python sources (assets/*.py), embedded into the binary at build time by
// src/runner/embed_assets.cmake: a container needs nothing from the host filesystem to run a script.
#pragma once

#include <string_view>

namespace hardend::runner {

std::string_view bootstrap_source();      // assets/bootstrap.py: the program given to `python3 -u -c`
std::string_view executor_source();       // assets/executor.py: sent as the first stdin line
std::string_view common_server_source();  // assets/CommonServerPython.py: the script API shim

}  // namespace hardend::runner
