//go:build unix

package tvauth

import "syscall"

// oNoFollow makes an open fail on a symbolic link (ELOOP) instead of following it.
const oNoFollow = syscall.O_NOFOLLOW
