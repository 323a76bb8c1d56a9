package taggedpdf

import (
	_ "embed"
	"sync"
)

// sRGB.icc is the sRGB profile of Debian's icc-profiles-free package (zlib licence); see
// README.md in this directory for where it comes from.
//
//go:embed sRGB.icc
var srgbProfile []byte

// srgbCompressed is the profile as the output intent's stream carries it, compressed once.
var srgbCompressed = sync.OnceValue(func() []byte {
	z, err := deflate(srgbProfile)
	if err != nil {
		panic(err) // compressing into memory cannot fail
	}
	return z
})
