// The few glibc (>= 2.36) calls the command handler needs that Swift's Glibc module does not
// import: they are declared only under _GNU_SOURCE, or in headers the module leaves out.
// Declarations only: nothing here is compiled, the symbols come from libc.
#pragma once
#include <spawn.h>
#include <sys/types.h>

/// A file descriptor that becomes readable when the process `pid` exits (Linux 5.3).
int pidfd_open(pid_t pid, unsigned int flags);
/// `pipe` with O_CLOEXEC and O_NONBLOCK applied atomically.
int pipe2(int fds[2], int flags);
/// Closes every descriptor from `from` up in the spawned child.
int posix_spawn_file_actions_addclosefrom_np(posix_spawn_file_actions_t *actions, int from);
