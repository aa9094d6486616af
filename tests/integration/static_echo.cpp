// The only program in the integration tests' one-file image; statically linked so that the image needs
// nothing else.
//   static-echo echo CODE            copy stdin to stdout, then write "stdin closed\n" to stderr, exit CODE
//   static-echo print OUT ERR CODE   write OUT to stdout, then ERR to stderr, exit CODE
//   static-echo cat PATH             write the file at PATH to stdout
//   static-echo sleep                sleep until killed
// Plain POSIX calls only: keeps the static binary small.
#include <fcntl.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>

namespace {

bool write_all(int fd, const char* data, size_t size) {
  while (size > 0) {
    ssize_t written = ::write(fd, data, size);
    if (written <= 0) return false;
    data += written;
    size -= static_cast<size_t>(written);
  }
  return true;
}

bool write_text(int fd, const char* text) {
  return write_all(fd, text, std::strlen(text));
}

int copy(int from, int to) {
  char buffer[4096];
  while (true) {
    ssize_t count = ::read(from, buffer, sizeof buffer);
    if (count == 0) return 0;
    if (count < 0) return 1;
    if (!write_all(to, buffer, static_cast<size_t>(count))) return 1;
  }
}

int usage() {
  write_text(2, "usage: static-echo echo CODE | print OUT ERR CODE | cat PATH | sleep\n");
  return 64;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) return usage();
  const char* mode = argv[1];
  if (std::strcmp(mode, "echo") == 0 && argc == 3) {
    if (copy(0, 1) != 0) return 1;
    write_text(2, "stdin closed\n");
    return std::atoi(argv[2]);
  }
  if (std::strcmp(mode, "print") == 0 && argc == 5) {
    write_text(1, argv[2]);
    write_text(2, argv[3]);
    return std::atoi(argv[4]);
  }
  if (std::strcmp(mode, "cat") == 0 && argc == 3) {
    int fd = ::open(argv[2], O_RDONLY);
    if (fd < 0) {
      write_text(2, "cannot open file\n");
      return 2;
    }
    int status = copy(fd, 1);
    ::close(fd);
    return status;
  }
  if (std::strcmp(mode, "sleep") == 0 && argc == 2) {
    while (true) ::pause();
  }
  return usage();
}
