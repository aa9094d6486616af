#include "docker/stream.h"

namespace hardend::docker {

namespace {

constexpr size_t kHeaderSize = 8;
// The daemon writes at most 32 KiB per frame; anything near this bound means we are not reading frames.
constexpr uint32_t kMaxFramePayload = 64u * 1024u * 1024u;
// Stream 3 is the daemon's "system error" stream (stdcopy.Systemerr): its payload is an error message.
constexpr uint8_t kSystemErrorStream = 3;

uint32_t read_big_endian32(const char* bytes) {
  auto byte = [&](int i) { return static_cast<uint32_t>(static_cast<unsigned char>(bytes[i])); };
  return (byte(0) << 24) | (byte(1) << 16) | (byte(2) << 8) | byte(3);
}

std::string hex_header(std::string_view header) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : header) {
    if (!out.empty()) out += ' ';
    out += kDigits[c >> 4];
    out += kDigits[c & 0xf];
  }
  return out;
}

}  // namespace

void FrameDecoder::feed(std::string_view bytes) {
  // Compact lazily so that feeding many small chunks stays linear.
  if (offset_ > 0 && offset_ >= buffer_.size() / 2) {
    buffer_.erase(0, offset_);
    offset_ = 0;
  }
  buffer_.append(bytes);
}

Result<std::optional<Frame>> FrameDecoder::next() {
  if (buffered() < kHeaderSize) return std::optional<Frame>{};
  const char* header = buffer_.data() + offset_;
  auto stream = static_cast<uint8_t>(header[0]);
  uint32_t size = read_big_endian32(header + 4);
  bool padding_is_zero = header[1] == 0 && header[2] == 0 && header[3] == 0;
  if (stream > kSystemErrorStream || !padding_is_zero)
    return make_error("malformed multiplexed stream header [" + hex_header({header, kHeaderSize}) +
                      "]: expected [stream 0-2, 0, 0, 0, size]");
  if (size > kMaxFramePayload)
    return make_error("malformed multiplexed stream: frame of " + std::to_string(size) +
                      " bytes exceeds the 64 MiB limit");
  if (buffered() < kHeaderSize + size) return std::optional<Frame>{};
  std::string payload = buffer_.substr(offset_ + kHeaderSize, size);
  offset_ += kHeaderSize + size;
  if (offset_ == buffer_.size()) {
    buffer_.clear();
    offset_ = 0;
  }
  if (stream == kSystemErrorStream)
    return make_error("the daemon reported an error in the stream: " + payload);
  return std::optional<Frame>{Frame{static_cast<StreamId>(stream), std::move(payload)}};
}

AttachedStream::AttachedStream(std::unique_ptr<HijackedStream> connection, bool multiplexed)
    : connection_(std::move(connection)), multiplexed_(multiplexed) {}

Result<std::optional<Frame>> AttachedStream::read_frame() {
  if (!multiplexed_) {  // TTY: one raw byte stream, all of it "stdout"
    if (eof_) return std::optional<Frame>{};
    auto chunk = connection_->read_some();
    if (!chunk) return chunk.take_error();
    if (chunk->empty()) {
      eof_ = true;
      return std::optional<Frame>{};
    }
    return std::optional<Frame>{Frame{StreamId::Stdout, std::move(*chunk)}};
  }
  while (true) {
    auto frame = decoder_.next();
    if (!frame || frame->has_value()) return frame;
    if (eof_) {
      if (decoder_.buffered() > 0)
        return make_error("attached stream ended inside a frame (" + std::to_string(decoder_.buffered()) +
                          " bytes left over)");
      return std::optional<Frame>{};
    }
    auto chunk = connection_->read_some();
    if (!chunk) return chunk.take_error();
    if (chunk->empty())
      eof_ = true;
    else
      decoder_.feed(*chunk);
  }
}

Status AttachedStream::write_stdin(std::string_view data) {
  return connection_->write_all(data);
}

Status AttachedStream::close_stdin() {
  return connection_->close_write();
}

void AttachedStream::cancel() {
  connection_->cancel();
}

bool AttachedStream::silent() {
  return !eof_ && decoder_.buffered() == 0 && connection_->nothing_to_read();
}

}  // namespace hardend::docker
