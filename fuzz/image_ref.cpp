// Fuzz harness: the image-reference parser (policy/image_ref.h), which every run, policy lookup and
// GET /v1/policy/{image} goes through. Input: the reference text. Invariants: an accepted reference has a path
// and a tag or digest, and its canonical form full() parses back to the same registry, path, tag and digest (so
// a reference the engine prints is one it accepts again, with the same meaning).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "fuzz_check.h"
#include "policy/image_ref.h"

using hardend::fuzz::require;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto ref = hardend::policy::parse_image_ref(text);
  if (!ref) {
    require(!ref.error().message.empty(), "a refused reference says why");
    return 0;
  }
  require(!ref->path.empty(), "an accepted reference has a path");
  require(!ref->tag.empty() || !ref->digest.empty(), "an accepted reference has a tag or a digest");

  auto again = hardend::policy::parse_image_ref(ref->full());
  require(again.ok(), "full() of an accepted reference parses");
  require(again->registry == ref->registry && again->path == ref->path && again->tag == ref->tag &&
              again->digest == ref->digest,
          "full() parses back to the same reference");
  auto by_name = hardend::policy::parse_image_ref(ref->name());
  require(by_name.ok() && by_name->name() == ref->name(), "name() parses back to the same name");
  return 0;
}
