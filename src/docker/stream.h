// Docker's multiplexed attach/exec stream: 8-byte header [stream, 0, 0, 0, size(4, big-endian)] + payload.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.h"
#include "docker/transport.h"

namespace hardend::docker {

enum class StreamId : uint8_t { Stdin = 0, Stdout = 1, Stderr = 2 };

struct Frame {
  StreamId stream = StreamId::Stdout;
  std::string payload;
};

// Incremental decoder, pure: feed bytes, take complete frames. Used by AttachedStream and fuzzed alone.
class FrameDecoder {
 public:
  void feed(std::string_view bytes);
  // The next complete frame, nullopt when more bytes are needed, an error on a malformed header.
  Result<std::optional<Frame>> next();
  size_t buffered() const { return buffer_.size() - offset_; }

 private:
  std::string buffer_;
  size_t offset_ = 0;
};

class AttachedStream {
 public:
  explicit AttachedStream(std::unique_ptr<HijackedStream> connection, bool multiplexed = true);
  // Next frame, or nullopt at end of stream.
  Result<std::optional<Frame>> read_frame();
  Status write_stdin(std::string_view data);
  Status close_stdin();
  void cancel();
  // Without blocking: true when the stream is open and nothing has arrived that was not read yet. An idle
  // executor writes nothing, so anything else (output, the stream's end, an error) puts its container in
  // doubt.
  bool silent();

 private:
  std::unique_ptr<HijackedStream> connection_;
  FrameDecoder decoder_;
  bool multiplexed_;
  bool eof_ = false;
};

}  // namespace hardend::docker
