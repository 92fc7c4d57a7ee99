// DeltaH — entropy change of softmax policies.

#define _GNU_SOURCE
#include "_SafeFilesC.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

// MARK: - Temporary files

#define SF_MAX_TEMPORARIES 64
#define SF_PATH_CAPACITY 4096

/// Slot states: 0 free, 1 being filled (ignored by the handler), 2 live (removed on a signal).
static _Atomic int sf_temporary_state[SF_MAX_TEMPORARIES];
static char sf_temporary_path[SF_MAX_TEMPORARIES][SF_PATH_CAPACITY];

static void sf_on_termination(int signal_number) {
  for (int i = 0; i < SF_MAX_TEMPORARIES; i++) {
    if (atomic_load(&sf_temporary_state[i]) == 2) unlink(sf_temporary_path[i]);
  }
  _exit(128 + signal_number);
}

static pthread_once_t sf_termination_once = PTHREAD_ONCE_INIT;

static void sf_install_termination_once(void) {
  struct sigaction action;
  memset(&action, 0, sizeof action);
  action.sa_handler = sf_on_termination;
  sigfillset(&action.sa_mask);
  sigaction(SIGINT, &action, NULL);
  sigaction(SIGTERM, &action, NULL);
  sigaction(SIGHUP, &action, NULL);
  struct sigaction ignore;
  memset(&ignore, 0, sizeof ignore);
  ignore.sa_handler = SIG_IGN;
  sigaction(SIGPIPE, &ignore, NULL);
}

void sf_install_termination_handlers(void) { pthread_once(&sf_termination_once, sf_install_termination_once); }

static void sf_block_termination(sigset_t *old) {
  sigset_t block;
  sigemptyset(&block);
  sigaddset(&block, SIGINT);
  sigaddset(&block, SIGTERM);
  sigaddset(&block, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &block, old);
}

static void sf_restore_signals(const sigset_t *old) { pthread_sigmask(SIG_SETMASK, old, NULL); }

static int sf_claim_slot(const char *path) {
  size_t length = strlen(path);
  if (length >= SF_PATH_CAPACITY) return -1;
  for (int i = 0; i < SF_MAX_TEMPORARIES; i++) {
    int expected = 0;
    if (atomic_compare_exchange_strong(&sf_temporary_state[i], &expected, 1)) {
      memcpy(sf_temporary_path[i], path, length + 1);
      atomic_store(&sf_temporary_state[i], 2);
      return i;
    }
  }
  return -1;
}

int sf_create_temporary(char *template_path, int *slot) {
  sf_install_termination_handlers();
  sigset_t old;
  sf_block_termination(&old);
  int fd = mkstemp(template_path);
  int saved = errno;
  if (fd >= 0) {
    *slot = sf_claim_slot(template_path);
    if (*slot < 0) {
      close(fd);
      unlink(template_path);
      fd = -1;
      saved = EMFILE;
    }
  }
  sf_restore_signals(&old);
  errno = saved;
  return fd;
}

int sf_commit_temporary(int slot, const char *temporary, const char *destination) {
  sigset_t old;
  sf_block_termination(&old);
  int result = rename(temporary, destination);
  int saved = errno;
  if (result == 0 && slot >= 0 && slot < SF_MAX_TEMPORARIES) atomic_store(&sf_temporary_state[slot], 0);
  sf_restore_signals(&old);
  errno = saved;
  return result;
}

void sf_discard_temporary(int slot, const char *temporary) {
  sigset_t old;
  sf_block_termination(&old);
  unlink(temporary);
  if (slot >= 0 && slot < SF_MAX_TEMPORARIES) atomic_store(&sf_temporary_state[slot], 0);
  sf_restore_signals(&old);
}

// MARK: - Mappings and SIGBUS

#define SF_MAX_MAPPINGS 1024

static _Atomic uintptr_t sf_mapping_base[SF_MAX_MAPPINGS];
static _Atomic size_t sf_mapping_length[SF_MAX_MAPPINGS];
static _Atomic int sf_mapping_fault[SF_MAX_MAPPINGS];
static _Atomic int sf_mapping_used[SF_MAX_MAPPINGS];
static long sf_page_size = 4096;
static struct sigaction sf_previous_bus;

/// A SIGBUS inside a registered mapping means the file shrank under it: map a zero page over the
/// faulting page (so the interrupted read completes with zeros), flag the mapping, and return.
/// Any other SIGBUS goes to the previous handler (or the default action) when it recurs.
static void sf_on_bus(int signal_number, siginfo_t *info, void *context) {
  (void)signal_number;
  (void)context;
  uintptr_t address = (uintptr_t)info->si_addr;
  for (int i = 0; i < SF_MAX_MAPPINGS; i++) {
    if (atomic_load(&sf_mapping_used[i]) != 2) continue;
    uintptr_t base = atomic_load(&sf_mapping_base[i]);
    size_t length = atomic_load(&sf_mapping_length[i]);
    if (address < base || address - base >= length) continue;
    // Everything from the faulting page to the end of the mapping lies past the new end of the
    // file: replace it in one go rather than one signal per page.
    uintptr_t page = address & ~((uintptr_t)sf_page_size - 1);
    uintptr_t end = (base + length + (uintptr_t)sf_page_size - 1) & ~((uintptr_t)sf_page_size - 1);
    void *zero = mmap((void *)page, (size_t)(end - page), PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
    if (zero != MAP_FAILED) {
      atomic_store(&sf_mapping_fault[i], 1);
      return;
    }
    break;
  }
  sigaction(SIGBUS, &sf_previous_bus, NULL);  // not ours: the retried access takes the old action
}

static pthread_once_t sf_bus_once = PTHREAD_ONCE_INIT;

static void sf_install_bus_once(void) {
  long page = sysconf(_SC_PAGESIZE);
  if (page > 0) sf_page_size = page;
  struct sigaction action;
  memset(&action, 0, sizeof action);
  action.sa_sigaction = sf_on_bus;
  action.sa_flags = SA_SIGINFO;
  sigemptyset(&action.sa_mask);
  sigaction(SIGBUS, &action, &sf_previous_bus);
}

int sf_register_mapping(const void *base, size_t length) {
  pthread_once(&sf_bus_once, sf_install_bus_once);
  for (int i = 0; i < SF_MAX_MAPPINGS; i++) {
    int expected = 0;
    if (atomic_compare_exchange_strong(&sf_mapping_used[i], &expected, 1)) {
      atomic_store(&sf_mapping_base[i], (uintptr_t)base);
      atomic_store(&sf_mapping_length[i], length);
      atomic_store(&sf_mapping_fault[i], 0);
      atomic_store(&sf_mapping_used[i], 2);
      return i;
    }
  }
  return -1;
}

void sf_unregister_mapping(int slot) {
  if (slot < 0 || slot >= SF_MAX_MAPPINGS) return;
  atomic_store(&sf_mapping_used[slot], 0);
}

int sf_mapping_faulted(int slot) {
  if (slot < 0 || slot >= SF_MAX_MAPPINGS) return 0;
  return atomic_load(&sf_mapping_fault[slot]);
}

// MARK: - Standard output

static atomic_int sf_standard_output_reported = 0;

void sf_mark_standard_output_error_reported(void) { atomic_store(&sf_standard_output_reported, 1); }

static void sf_standard_output_at_exit(void) {
  if (atomic_load(&sf_standard_output_reported)) return;
  int code = sf_flush_standard_output();
  if (code == 0) return;
  struct pollfd probe = {.fd = 1, .events = POLLOUT, .revents = 0};
  int closed_pipe = poll(&probe, 1, 0) == 1 && (probe.revents & (POLLERR | POLLHUP)) != 0;
  if (code == EPIPE || closed_pipe) _exit(128 + SIGPIPE);  // the reader went away: end quietly
  const char *prefix = "Error: writing standard output failed: ";
  const char *reason = strerror(code);
  (void)!write(2, prefix, strlen(prefix));
  (void)!write(2, reason, strlen(reason));
  (void)!write(2, "; the output is incomplete\n", 27);
  _exit(1);
}

void sf_check_standard_output_at_exit(void) {
  static atomic_int registered = 0;
  int expected = 0;
  if (atomic_compare_exchange_strong(&registered, &expected, 1)) atexit(sf_standard_output_at_exit);
}

int sf_flush_standard_output(void) {
  errno = 0;
  int failed = fflush(stdout) != 0;
  int code = errno;
  if (!failed && !ferror(stdout)) return 0;
  return code != 0 ? code : EIO;
}
