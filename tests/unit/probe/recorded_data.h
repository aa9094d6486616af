// Reads the recorded cgroup/proc contents under tests/data/probe/<scenario>/ (see its README.md).
#pragma once

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>

namespace hardend::probe::testing {

inline std::string recorded(const std::string& scenario, const std::string& file) {
  std::string path = std::string(HARDEND_TEST_DATA) + "/probe/" + scenario + "/" + file;
  std::ifstream in(path);
  EXPECT_TRUE(in.good()) << "missing recorded file " << path;
  std::stringstream content;
  content << in.rdbuf();
  return content.str();
}

}  // namespace hardend::probe::testing
