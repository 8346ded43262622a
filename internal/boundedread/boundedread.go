// Package boundedread reads input files with a size limit. os.ReadFile reads
// until end of file, so a path such as /dev/zero or /dev/urandom, given by
// mistake or on purpose, grows memory until the process dies ("out of
// memory"). Here every file is read through a limit, and a regular file
// larger than the limit is refused before it is read.
package boundedread

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
)

// ErrTooLarge is wrapped by the error File returns for input above its limit.
var ErrTooLarge = errors.New("larger than the limit")

// File reads the file at path, at most max bytes. Regular files, pipes
// (bash's <(...)) and devices are all accepted; what is larger than max, or
// does not end within max bytes, is an error wrapping ErrTooLarge in an
// *fs.PathError, whatever was read is dropped.
func File(path string, max int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if info.IsDir() {
		return nil, &fs.PathError{Op: "read", Path: path, Err: errors.New("is a directory")}
	}
	if info.Mode().IsRegular() && info.Size() > max {
		return nil, tooLarge(path, max)
	}
	data, err := io.ReadAll(io.LimitReader(f, max+1))
	if err != nil {
		return nil, &fs.PathError{Op: "read", Path: path, Err: err}
	}
	if int64(len(data)) > max {
		return nil, tooLarge(path, max)
	}
	return data, nil
}

func tooLarge(path string, max int64) error {
	return &fs.PathError{Op: "read", Path: path, Err: fmt.Errorf("%w of %d bytes", ErrTooLarge, max)}
}
