// DeltaH — entropy change of softmax policies.
//
// Signal-level safety for files: a registry of live temporary output files that SIGINT, SIGTERM
// and SIGHUP remove before the process exits with 128 + signal, and a registry of read-only file
// mappings whose pages a SIGBUS (the file shrank under the mapping) replaces with zero pages and
// marks as faulted, so that readers can report "file changed while being read" instead of dying.
// Everything here is async-signal-safe where it runs inside a handler.

#ifndef DELTAH_SAFE_FILES_C_H
#define DELTAH_SAFE_FILES_C_H

#include <stddef.h>

/// Installs the SIGINT/SIGTERM/SIGHUP handlers (remove registered temporary files, then
/// `_exit(128 + signal)`) and ignores SIGPIPE (writes to a closed pipe fail with EPIPE instead).
/// Idempotent.
void sf_install_termination_handlers(void);

/// `mkstemp(template)` with the termination signals blocked until the new file is registered for
/// removal. Returns the descriptor (and the registry slot in `*slot`), or -1 with `errno` set.
int sf_create_temporary(char *template_path, int *slot);

/// `rename(temporary, destination)` with the termination signals blocked; on success the slot is
/// released. Returns 0, or -1 with `errno` set.
int sf_commit_temporary(int slot, const char *temporary, const char *destination);

/// Unlinks `temporary` and releases its slot (termination signals blocked meanwhile).
void sf_discard_temporary(int slot, const char *temporary);

/// Registers the read-only mapping [base, base + length) (installs the SIGBUS handler the first
/// time). Returns a slot, or -1 when the registry is full (the mapping then stays unprotected).
int sf_register_mapping(const void *base, size_t length);

/// Forgets a mapping slot (call before `munmap`).
void sf_unregister_mapping(int slot);

/// 1 when a SIGBUS hit the mapping in `slot` (its faulting pages now read as zeros), else 0.
int sf_mapping_faulted(int slot);

/// `fflush(stdout)`; returns 0, or the `errno` of the failure (EIO when the stream's error flag
/// was set by an earlier write whose `errno` is gone).
int sf_flush_standard_output(void);

/// Registers an `atexit` check of standard output: when the final flush fails, the process prints
/// one line to standard error and exits with status 1 (a closed pipe: 141, quietly), whatever
/// path led to `exit` (help and version text included). Idempotent.
void sf_check_standard_output_at_exit(void);

/// Tells the exit-time check that the failure was already reported (no second message).
void sf_mark_standard_output_error_reported(void);

#endif
