//go:build !unix

package tvauth

// oNoFollow is 0 where the system has no O_NOFOLLOW (Windows, Plan 9, WebAssembly).
const oNoFollow = 0
