#include "store/fs/fault_injecting_file_system.h"

#include <random>

namespace agentperf::fs {

class FaultWritableFile final : public WritableFile {
 public:
  FaultWritableFile(FaultInjectingFileSystem* fs, std::string path, std::unique_ptr<WritableFile> base)
      : fs_(fs), path_(std::move(path)), base_(std::move(base)) {}

  Status Append(std::string_view data) override {
    Status after;
    size_t n = fs_->AdmitAppend(data.size(), &after);
    if (n > 0) {
      AP_RETURN_IF_ERROR(base_->Append(data.substr(0, n)));
      fs_->NoteAppend(path_, base_->Size());
    }
    return after;
  }
  Status Sync() override {
    AP_RETURN_IF_ERROR(fs_->CheckSync());
    AP_RETURN_IF_ERROR(base_->Sync());
    fs_->NoteSync(path_, base_->Size());
    return Status::OK();
  }
  Status Truncate(uint64_t size) override {
    AP_RETURN_IF_ERROR(fs_->CheckFrozen());
    AP_RETURN_IF_ERROR(base_->Truncate(size));
    fs_->NoteTruncate(path_, size);
    return Status::OK();
  }
  Status Close() override { return base_->Close(); }
  uint64_t Size() const override { return base_->Size(); }

 private:
  FaultInjectingFileSystem* fs_;
  std::string path_;
  std::unique_ptr<WritableFile> base_;
};

void FaultInjectingFileSystem::SetSpaceLeft(uint64_t bytes) {
  std::lock_guard<std::mutex> l(mu_);
  space_limited_ = true;
  space_left_ = bytes;
}

void FaultInjectingFileSystem::FreezeAfter(uint64_t bytes) {
  std::lock_guard<std::mutex> l(mu_);
  freeze_armed_ = true;
  freeze_left_ = bytes;
}

void FaultInjectingFileSystem::ClearFaults() {
  std::lock_guard<std::mutex> l(mu_);
  space_limited_ = false;
  freeze_armed_ = false;
  frozen_.store(false);
  fail_syncs_.store(0);
}

size_t FaultInjectingFileSystem::AdmitAppend(size_t n, Status* after) {
  std::lock_guard<std::mutex> l(mu_);
  if (frozen_.load()) {
    *after = Status::IOError("simulated power loss: file system frozen");
    return 0;
  }
  size_t allowed = n;
  if (freeze_armed_) {
    if (allowed >= freeze_left_) {
      allowed = freeze_left_;
      freeze_armed_ = false;
      frozen_.store(true);
      *after = Status::IOError("simulated power loss during write");
    } else {
      freeze_left_ -= allowed;
    }
  }
  if (space_limited_ && allowed > space_left_) {
    allowed = space_left_;
    *after = Status::ResourceExhausted("write: No space left on device (injected)");
  }
  if (space_limited_) space_left_ -= allowed;
  return allowed;
}

Status FaultInjectingFileSystem::CheckSync() {
  sync_calls_.fetch_add(1);
  AP_RETURN_IF_ERROR(CheckFrozen());
  int n = fail_syncs_.load();
  while (n != 0) {
    int next = n < 0 ? n : n - 1;
    if (fail_syncs_.compare_exchange_weak(n, next)) {
      failed_syncs_.fetch_add(1);
      return Status::IOError("fdatasync: Input/output error (injected)");
    }
  }
  return Status::OK();
}

Status FaultInjectingFileSystem::CheckFrozen() const {
  if (frozen_.load()) return Status::IOError("simulated power loss: file system frozen");
  return Status::OK();
}

void FaultInjectingFileSystem::NoteAppend(const std::string& path, uint64_t new_size) {
  std::lock_guard<std::mutex> l(mu_);
  files_[path].size = new_size;
}

void FaultInjectingFileSystem::NoteSync(const std::string& path, uint64_t size) {
  std::lock_guard<std::mutex> l(mu_);
  auto& t = files_[path];
  t.size = size;
  t.synced = size;
}

void FaultInjectingFileSystem::NoteTruncate(const std::string& path, uint64_t size) {
  std::lock_guard<std::mutex> l(mu_);
  auto& t = files_[path];
  t.size = size;
  if (t.synced > size) t.synced = size;
}

Result<std::unique_ptr<WritableFile>> FaultInjectingFileSystem::NewWritableFile(const std::string& path) {
  AP_RETURN_IF_ERROR(CheckFrozen());
  AP_ASSIGN_OR_RETURN(auto base, base_->NewWritableFile(path));
  {
    std::lock_guard<std::mutex> l(mu_);
    files_[path] = Tracked{};
  }
  return std::unique_ptr<WritableFile>(new FaultWritableFile(this, path, std::move(base)));
}

Status FaultInjectingFileSystem::CreateDirs(const std::string& dir) {
  AP_RETURN_IF_ERROR(CheckFrozen());
  return base_->CreateDirs(dir);
}

Status FaultInjectingFileSystem::RemoveFile(const std::string& path) {
  AP_RETURN_IF_ERROR(CheckFrozen());
  AP_RETURN_IF_ERROR(base_->RemoveFile(path));
  std::lock_guard<std::mutex> l(mu_);
  files_.erase(path);
  return Status::OK();
}

Status FaultInjectingFileSystem::RenameFile(const std::string& from, const std::string& to) {
  AP_RETURN_IF_ERROR(CheckFrozen());
  AP_RETURN_IF_ERROR(base_->RenameFile(from, to));
  std::lock_guard<std::mutex> l(mu_);
  auto it = files_.find(from);
  if (it != files_.end()) {
    files_[to] = it->second;
    files_.erase(it);
  }
  return Status::OK();
}

Status FaultInjectingFileSystem::SyncDir(const std::string& dir) {
  AP_RETURN_IF_ERROR(CheckSync());
  return base_->SyncDir(dir);
}

Status FaultInjectingFileSystem::TruncateFile(const std::string& path, uint64_t size) {
  AP_RETURN_IF_ERROR(CheckFrozen());
  AP_RETURN_IF_ERROR(base_->TruncateFile(path, size));
  NoteTruncate(path, size);
  return Status::OK();
}

Status FaultInjectingFileSystem::SimulateCrash(bool torn, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::map<std::string, Tracked> files;
  {
    std::lock_guard<std::mutex> l(mu_);
    files = files_;
  }
  for (auto& [path, t] : files) {
    if (!base_->FileExists(path)) continue;
    uint64_t keep = t.synced;
    if (torn && t.size > t.synced) keep += rng() % (t.size - t.synced + 1);
    AP_RETURN_IF_ERROR(base_->TruncateFile(path, keep));
    std::lock_guard<std::mutex> l(mu_);
    files_[path] = Tracked{keep, keep};
  }
  ClearFaults();
  return Status::OK();
}

}  // namespace agentperf::fs
