//go:build wasip1

package main

import (
	"os"
	"path"
	"strings"
	"syscall"
	"unsafe"
)

// openRead opens a file for reading with only the read rights.
//
// os.Open on wasip1 also asks for the right to change the file size, and
// hosts that derive the host-side open mode from the requested rights (Node's
// WASI, for one) then open the file read-write: that fails with EACCES on
// files the host may read but not write, and hands a read-only tool more
// than it needs. This opens the file through path_open directly, asking for
// read, seek, tell and filestat_get only.
func openRead(name string) (*os.File, error) {
	dirFd, rel, ok := resolvePreopen(name)
	if !ok {
		return nil, &os.PathError{Op: "open", Path: name, Err: syscall.ENOTCAPABLE}
	}
	relBytes := []byte(rel)
	var fd int32
	errno := pathOpen(dirFd, lookupSymlinkFollow, unsafe.Pointer(&relBytes[0]), int32(len(relBytes)),
		0, readOnlyRights, 0, 0, unsafe.Pointer(&fd))
	if errno != 0 {
		return nil, &os.PathError{Op: "open", Path: name, Err: syscall.Errno(errno)}
	}
	return os.NewFile(uintptr(fd), name), nil
}

const (
	lookupSymlinkFollow = 1
	rightFdRead         = 1 << 1
	rightFdSeek         = 1 << 2
	rightFdTell         = 1 << 5
	rightFdFilestatGet  = 1 << 21
	readOnlyRights      = rightFdRead | rightFdSeek | rightFdTell | rightFdFilestatGet
	preopenTypeDir      = 0
)

//go:wasmimport wasi_snapshot_preview1 path_open
func pathOpen(dirFd int32, dirFlags uint32, path unsafe.Pointer, pathLen int32, oflags uint32,
	rightsBase uint64, rightsInheriting uint64, fdFlags uint32, fd unsafe.Pointer) int32

//go:wasmimport wasi_snapshot_preview1 fd_prestat_get
func fdPrestatGet(fd int32, buf unsafe.Pointer) int32

//go:wasmimport wasi_snapshot_preview1 fd_prestat_dir_name
func fdPrestatDirName(fd int32, buf unsafe.Pointer, bufLen int32) int32

type preopen struct {
	fd   int32
	name string // cleaned absolute path
}

var preopens []preopen

func loadPreopens() []preopen {
	if preopens != nil {
		return preopens
	}
	preopens = []preopen{}
	for fd := int32(3); ; fd++ {
		var stat [8]byte // u8 tag, padding, u32 name length
		if fdPrestatGet(fd, unsafe.Pointer(&stat[0])) != 0 {
			break // EBADF past the last preopen
		}
		if stat[0] != preopenTypeDir {
			continue
		}
		n := int32(stat[4]) | int32(stat[5])<<8 | int32(stat[6])<<16 | int32(stat[7])<<24
		buf := make([]byte, n+1)
		if fdPrestatDirName(fd, unsafe.Pointer(&buf[0]), n) != 0 {
			continue
		}
		name := strings.TrimRight(string(buf[:n]), "\x00")
		if name == "." || name == "" {
			name = "/"
		}
		preopens = append(preopens, preopen{fd: fd, name: path.Clean("/" + name)})
	}
	return preopens
}

// resolvePreopen maps name to the preopened directory with the longest name
// that contains it and the path relative to that directory.
func resolvePreopen(name string) (int32, string, bool) {
	p := name
	if !path.IsAbs(p) {
		wd, err := os.Getwd()
		if err != nil {
			wd = "/"
		}
		p = path.Join(wd, p)
	}
	p = path.Clean(p)
	best := -1
	for i, po := range loadPreopens() {
		if po.name == "/" || p == po.name || strings.HasPrefix(p, po.name+"/") {
			if best < 0 || len(po.name) > len(preopens[best].name) {
				best = i
			}
		}
	}
	if best < 0 {
		return 0, "", false
	}
	rel := strings.TrimLeft(strings.TrimPrefix(p, preopens[best].name), "/")
	if rel == "" {
		rel = "."
	}
	return preopens[best].fd, rel, true
}
