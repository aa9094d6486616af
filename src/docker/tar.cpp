#include "docker/tar.h"

#include <array>
#include <cstring>

#include "common/strings.h"

namespace hardend::docker {

namespace {

constexpr size_t kBlock = 512;
constexpr size_t kNameField = 100;
constexpr size_t kPrefixField = 155;

// Writes `value` as zero-padded octal filling `width - 1` digits plus a terminating NUL.
bool put_octal(char* field, size_t width, uint64_t value) {
  std::string digits(width - 1, '0');
  for (size_t i = width - 1; i-- > 0;) {
    digits[i] = static_cast<char>('0' + (value & 7));
    value >>= 3;
  }
  if (value != 0) return false;  // does not fit
  std::memcpy(field, digits.data(), width - 1);
  field[width - 1] = '\0';
  return true;
}

Result<std::string> normalized_path(const TarEntry& entry) {
  std::string path = entry.path;
  while (!path.empty() && path.front() == '/') path.erase(0, 1);
  while (!path.empty() && path.back() == '/') path.pop_back();
  if (path.empty()) return make_error("tar entry \"" + entry.path + "\": empty path");
  for (const auto& part : split(path, "/"))
    if (part == ".." || part.empty())
      return make_error("tar entry \"" + entry.path + "\": path must not contain \"..\" or empty components");
  if (entry.directory) path += '/';
  return path;
}

// Splits a long path into ustar's prefix (up to 155) and name (up to 100) at a '/'.
Status put_path(std::array<char, kBlock>& header, const std::string& path, const std::string& original) {
  if (path.size() <= kNameField) {
    std::memcpy(header.data(), path.data(), path.size());
    return {};
  }
  for (size_t slash = path.find('/'); slash != std::string::npos; slash = path.find('/', slash + 1)) {
    if (slash <= kPrefixField && path.size() - slash - 1 <= kNameField && path.size() - slash - 1 > 0) {
      std::memcpy(header.data() + 345, path.data(), slash);
      std::memcpy(header.data(), path.data() + slash + 1, path.size() - slash - 1);
      return {};
    }
  }
  return make_error("tar entry \"" + original + "\": path too long for a ustar header");
}

}  // namespace

Result<std::string> make_tar(const std::vector<TarEntry>& entries) {
  std::string archive;
  for (const auto& entry : entries) {
    auto path = normalized_path(entry);
    if (!path) return path.take_error();
    std::array<char, kBlock> header{};
    HARDEND_TRY_VOID(put_path(header, *path, entry.path));
    uint64_t size = entry.directory ? 0 : entry.content.size();
    bool fits = put_octal(header.data() + 100, 8, entry.mode & 07777) &&
                put_octal(header.data() + 108, 8, entry.uid) &&
                put_octal(header.data() + 116, 8, entry.gid) && put_octal(header.data() + 124, 12, size) &&
                put_octal(header.data() + 136, 12, 0);
    if (!fits) return make_error("tar entry \"" + entry.path + "\": size, mode or owner too large for ustar");
    header[156] = entry.directory ? '5' : '0';
    std::memcpy(header.data() + 257, "ustar", 6);  // magic "ustar\0"
    std::memcpy(header.data() + 263, "00", 2);     // version
    // The checksum is computed with its own field read as eight spaces.
    std::memset(header.data() + 148, ' ', 8);
    uint32_t checksum = 0;
    for (char c : header) checksum += static_cast<unsigned char>(c);
    put_octal(header.data() + 148, 7, checksum);  // six digits, NUL, then the space left in place
    archive.append(header.data(), kBlock);
    if (size > 0) {
      archive += entry.content;
      archive.append((kBlock - size % kBlock) % kBlock, '\0');
    }
  }
  archive.append(2 * kBlock, '\0');  // end-of-archive marker
  return archive;
}

}  // namespace hardend::docker
