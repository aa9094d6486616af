// A minimal ustar archive writer: the Engine API takes tar bodies for image import (a root filesystem) and
// for PUT /containers/{id}/archive (files copied into a container before it starts). Regular files and
// directories only.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/result.h"

namespace hardend::docker {

struct TarEntry {
  std::string path;     // relative, "/"-separated ("bin/tool", "data/"); a leading "/" is dropped
  std::string content;  // ignored for directories
  uint32_t mode = 0644;
  bool directory = false;
  uint32_t uid = 0;
  uint32_t gid = 0;
};

// The archive bytes, or an error naming the entry that cannot be represented (path too long, "..", empty).
Result<std::string> make_tar(const std::vector<TarEntry>& entries);

}  // namespace hardend::docker
