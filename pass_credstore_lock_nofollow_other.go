//go:build !unix

package tvauth

// oNoFollow is 0 where the system has no O_NOFOLLOW (Windows, Plan 9, WebAssembly): the lock files
// are then opened as any file is.
const oNoFollow = 0
