#include "store/fs/file_system.h"

#include <memory>

namespace agentperf::fs {

Status ReadFileToString(FileSystem* fs, const std::string& path, std::string* out) {
  out->clear();
  AP_ASSIGN_OR_RETURN(auto file, fs->NewSequentialFile(path));
  constexpr size_t kChunk = 1 << 20;
  // Not zero-filled: only the bytes read are touched (a zeroed 1 MiB per
  // small file was most of the page faults of a short `agentperf query`).
  std::unique_ptr<char[]> scratch(new char[kChunk]);
  for (;;) {
    std::string_view got;
    AP_RETURN_IF_ERROR(file->Read(kChunk, &got, scratch.get()));
    if (got.empty()) break;
    out->append(got.data(), got.size());
  }
  return Status::OK();
}

Status WriteFileAtomically(FileSystem* fs, const std::string& path, std::string_view data) {
  std::string tmp = path + ".tmp";
  {
    AP_ASSIGN_OR_RETURN(auto file, fs->NewWritableFile(tmp));
    AP_RETURN_IF_ERROR(file->Append(data));
    AP_RETURN_IF_ERROR(file->Sync());
    AP_RETURN_IF_ERROR(file->Close());
  }
  AP_RETURN_IF_ERROR(fs->RenameFile(tmp, path));
  return fs->SyncDir(DirName(path));
}

std::string JoinPath(std::string_view dir, std::string_view name) {
  if (dir.empty()) return std::string(name);
  std::string p(dir);
  if (p.back() != '/') p += '/';
  p += name;
  return p;
}

std::string DirName(std::string_view path) {
  size_t pos = path.rfind('/');
  if (pos == std::string_view::npos) return ".";
  if (pos == 0) return "/";
  return std::string(path.substr(0, pos));
}

}  // namespace agentperf::fs
