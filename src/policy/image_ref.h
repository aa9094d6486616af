// Image references as Docker understands them: [registry[:port]/]path[:tag][@digest].
#pragma once

#include <string>
#include <string_view>

#include "common/result.h"

namespace hardend::policy {

struct ImageRef {
  std::string registry;  // "" for Docker Hub; "registry.local:5000" when the first component is a host
  std::string path;      // "demisto/python3"
  std::string tag;       // "latest" when none was given (and there is no digest)
  std::string digest;    // "sha256:..." or ""
  bool tag_implicit = false;

  // Without tag/digest: "registry.local:5000/demisto/python3" or "demisto/python3".
  std::string name() const;
  // name:tag (and @digest when present): the form used to create containers.
  std::string full() const;
};

Result<ImageRef> parse_image_ref(std::string_view text);

}  // namespace hardend::policy
