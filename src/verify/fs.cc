// Reading bundle files without ever leaving the bundle directory.
//
// Every path is walked one component at a time from the bundle's directory descriptor with
// openat(O_NOFOLLOW): a symlink anywhere in the path is refused, not followed (the reference
// follows symlinked intermediate directories; we do not — conformance/README.md). Paths come from
// the manifest after validation (no "..", no absolute paths), so the walk can only go down.
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "verify/internal.h"

namespace nooterra::verify::internal {

namespace {

constexpr size_t kHashBufferBytes = 64 * 1024;

class Fd {
 public:
  explicit Fd(int fd = -1) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }
  int release() {
    int fd = fd_;
    fd_ = -1;
    return fd;
  }
  void reset(int fd) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = fd;
  }

 private:
  int fd_;
};

FileState StateOfErrno(int err) {
  if (err == ENOENT || err == ENOTDIR) return FileState::kMissing;
  if (err == ELOOP) return FileState::kSymlink;
  return FileState::kIoError;
}

}  // namespace

BundleDir::~BundleDir() {
  if (fd_ >= 0) ::close(fd_);
}

bool BundleDir::Open(const std::string& path, std::string* error) {
  int fd = ::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) {
    *error = std::string("cannot open bundle directory: ") + std::strerror(errno);
    return false;
  }
  if (fd_ >= 0) ::close(fd_);
  fd_ = fd;
  return true;
}

namespace {

// Opens `component` of directory `dir` as a directory, refusing symlinks; -1 with *state set.
int OpenSubdirectory(int dir, const std::string& component, FileState* state) {
  if (component.empty() || component == "." || component == "..") {
    *state = FileState::kMissing;  // never produced by validated names; refuse anyway
    return -1;
  }
  struct stat st;
  if (::fstatat(dir, component.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
    *state = StateOfErrno(errno);
    return -1;
  }
  if (S_ISLNK(st.st_mode)) {
    *state = FileState::kSymlink;
    return -1;
  }
  if (!S_ISDIR(st.st_mode)) {
    *state = FileState::kMissing;
    return -1;
  }
  const int fd = ::openat(dir, component.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) *state = StateOfErrno(errno);
  return fd;
}

// Walks every directory component of `rel` but the last from `root`; returns the parent
// directory's fd (or -1 with *state set) and the last component in *leaf.
int OpenParent(int root, std::string_view rel, std::string* leaf, FileState* state) {
  Fd dir(::dup(root));
  if (dir.get() < 0) {
    *state = FileState::kIoError;
    return -1;
  }
  size_t start = 0;
  for (size_t slash; (slash = rel.find('/', start)) != std::string_view::npos; start = slash + 1) {
    const int next = OpenSubdirectory(dir.get(), std::string(rel.substr(start, slash - start)), state);
    if (next < 0) return -1;
    dir.reset(next);
  }
  *leaf = std::string(rel.substr(start));
  return dir.release();
}

}  // namespace

int BundleDir::OpenFile(std::string_view rel, FileState* state, uint64_t* size) const {
  std::string leaf;
  Fd dir(OpenParent(fd_, rel, &leaf, state));
  if (dir.get() < 0) return -1;
  if (leaf.empty() || leaf == "." || leaf == "..") {
    *state = FileState::kMissing;
    return -1;
  }
  struct stat st;
  if (::fstatat(dir.get(), leaf.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
    *state = StateOfErrno(errno);
    return -1;
  }
  if (S_ISLNK(st.st_mode)) {
    *state = FileState::kSymlink;
    return -1;
  }
  if (!S_ISREG(st.st_mode)) {
    *state = FileState::kNotRegular;
    return -1;
  }
  // O_NONBLOCK: should the entry be swapped for a FIFO after fstatat, open must not hang.
  Fd file(::openat(dir.get(), leaf.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK));
  if (file.get() < 0) {
    *state = StateOfErrno(errno);
    return -1;
  }
  if (::fstat(file.get(), &st) != 0 || !S_ISREG(st.st_mode)) {
    *state = FileState::kNotRegular;
    return -1;
  }
  *size = static_cast<uint64_t>(st.st_size);
  *state = FileState::kOk;
  return file.release();
}

FileState BundleDir::Read(std::string_view rel, uint64_t max_bytes, std::string* out) const {
  {
    std::lock_guard<std::mutex> lock(cache_mutex_);
    auto it = cache_.find(rel);
    if (it != cache_.end()) {
      if (it->second.size() > max_bytes) return FileState::kTooLarge;
      *out = it->second;
      return FileState::kOk;
    }
  }
  FileState state;
  uint64_t size = 0;
  Fd fd(OpenFile(rel, &state, &size));
  if (fd.get() < 0) return state;
  if (size > max_bytes) return FileState::kTooLarge;
  out->clear();
  out->resize(static_cast<size_t>(size));
  size_t done = 0;
  while (true) {
    if (done == out->size()) {
      // The file may have grown since fstat: read on, within the limit.
      if (out->size() >= max_bytes + 1) return FileState::kTooLarge;
      out->resize(std::min<uint64_t>(out->size() + kHashBufferBytes, max_bytes + 1));
    }
    const ssize_t n = ::read(fd.get(), out->data() + done, out->size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      return FileState::kIoError;
    }
    if (n == 0) break;
    done += static_cast<size_t>(n);
  }
  if (done > max_bytes) return FileState::kTooLarge;
  out->resize(done);
  return FileState::kOk;
}

FileState BundleDir::Hash(std::string_view rel, uint64_t max_bytes, crypto::Digest* out) const {
  FileState state;
  uint64_t size = 0;
  Fd fd(OpenFile(rel, &state, &size));
  if (fd.get() < 0) return state;
  if (size > max_bytes) return FileState::kTooLarge;
  if (size <= kCacheFileBytes) {
    // Small file: read it whole, hash it, and keep it for Read().
    std::string bytes;
    char buffer[kHashBufferBytes];
    while (true) {
      const ssize_t n = ::read(fd.get(), buffer, sizeof buffer);
      if (n < 0) {
        if (errno == EINTR) continue;
        return FileState::kIoError;
      }
      if (n == 0) break;
      bytes.append(buffer, static_cast<size_t>(n));
      if (bytes.size() > max_bytes) return FileState::kTooLarge;  // it grew since fstat
    }
    *out = crypto::Sha256Digest(bytes);
    if (bytes.size() <= kCacheFileBytes) {
      std::lock_guard<std::mutex> lock(cache_mutex_);
      cache_.emplace(std::string(rel), std::move(bytes));
    }
    return FileState::kOk;
  }
  crypto::Sha256 sha;
  std::vector<uint8_t> buffer(kHashBufferBytes);
  uint64_t total = 0;
  while (true) {
    const ssize_t n = ::read(fd.get(), buffer.data(), buffer.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return FileState::kIoError;
    }
    if (n == 0) break;
    total += static_cast<uint64_t>(n);
    if (total > max_bytes) return FileState::kTooLarge;
    sha.Update(crypto::Bytes(buffer.data(), static_cast<size_t>(n)));
  }
  *out = sha.Finish();
  return FileState::kOk;
}

std::vector<std::string> BundleDir::ListFiles(std::string_view rel, std::string_view suffix) const {
  std::vector<std::string> names;
  // The same no-symlink walk as for files, then the leaf itself as a directory.
  std::string leaf;
  FileState state;
  Fd parent(OpenParent(fd_, rel, &leaf, &state));
  if (parent.get() < 0) return names;
  Fd dir(OpenSubdirectory(parent.get(), leaf, &state));
  if (dir.get() < 0) return names;
  DIR* d = ::fdopendir(dir.release());
  if (d == nullptr) return names;
  while (struct dirent* e = ::readdir(d)) {
    std::string_view name(e->d_name);
    if (name.size() < suffix.size() || name.substr(name.size() - suffix.size()) != suffix) continue;
    struct stat st;
    if (::fstatat(::dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISREG(st.st_mode)) continue;
    names.emplace_back(name);
  }
  ::closedir(d);
  std::sort(names.begin(), names.end());
  return names;
}

}  // namespace nooterra::verify::internal
