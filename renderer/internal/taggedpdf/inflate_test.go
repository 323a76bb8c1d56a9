package taggedpdf

import (
	"bytes"
	"compress/zlib"
	"io"
)

func zlibReader(z []byte) (string, error) {
	r, err := zlib.NewReader(bytes.NewReader(z))
	if err != nil {
		return "", err
	}
	b, err := io.ReadAll(r)
	return string(b), err
}
