//go:build wasip1

// Command fs-tool offers three read-only MCP tools over the directories the
// host preopens for it:
//
//	list_files   {path}                 entries of a directory with type and size
//	read_file    {path, max_bytes?}     content of a text file
//	search_files {path, pattern}        lines containing pattern, recursively
//
// The host runs the module with argv = [<tool name>] and the tool's arguments
// as a JSON object on stdin. The result is a JSON CallToolResult on stdout.
// On failure the exit code is 1 and stderr holds one line, for example
//
//	read_file: /data/x: permission denied (EACCES)
//
// Build (see scripts/build-guests.sh):
//
//	GOOS=wasip1 GOARCH=wasm go build -trimpath -buildvcs=false -ldflags="-s -w -buildid=" -o fs-tool.wasm .
package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"time"
	"unicode/utf8"
)

const (
	maxInput         = 1 << 20  // bytes of JSON arguments accepted
	maxListEntries   = 5000     // entries returned by list_files
	defaultReadBytes = 1 << 20  // read_file default for max_bytes
	maxReadBytes     = 16 << 20 // read_file upper bound for max_bytes
	maxMatches       = 200      // matches returned by search_files
	maxLineBytes     = 500      // search_files truncates matching lines to this
	maxScanLine      = 1 << 20  // longer lines make search_files skip the file
	binarySniffBytes = 8000     // a NUL in this prefix marks a file as binary
)

// toolError is a failure reported on stderr with exit code 1.
type toolError struct{ msg string }

func (e *toolError) Error() string { return e.msg }

func errorf(format string, args ...any) error {
	return &toolError{fmt.Sprintf(format, args...)}
}

// errnoText describes the errors a file tool meets most often. The Go
// runtime resolves paths against the preopened directories itself and uses
// descriptor -1 when none covers the path, which the host answers with EBADF.
var errnoText = map[syscall.Errno]string{
	syscall.ENOENT:       "no such file or directory",
	syscall.EACCES:       "permission denied",
	syscall.EPERM:        "operation not permitted",
	syscall.ENOTDIR:      "not a directory",
	syscall.EISDIR:       "is a directory",
	syscall.ELOOP:        "too many levels of symbolic links",
	syscall.ENAMETOOLONG: "file name too long",
	syscall.EBADF:        "outside the directories this tool may access",
	syscall.ENOTCAPABLE:  "not permitted by the sandbox",
	syscall.EINVAL:       "invalid argument",
	syscall.EIO:          "input/output error",
	syscall.ENOMEM:       "out of memory",
}

var errnoName = map[syscall.Errno]string{
	syscall.ENOENT: "ENOENT", syscall.EACCES: "EACCES", syscall.EPERM: "EPERM",
	syscall.ENOTDIR: "ENOTDIR", syscall.EISDIR: "EISDIR", syscall.ELOOP: "ELOOP",
	syscall.ENAMETOOLONG: "ENAMETOOLONG", syscall.EBADF: "EBADF",
	syscall.ENOTCAPABLE: "ENOTCAPABLE", syscall.EINVAL: "EINVAL", syscall.EIO: "EIO",
	syscall.ENOMEM: "ENOMEM",
}

// describe turns a filesystem error into "<reason> (<ERRNO>)".
func describe(err error) string {
	var errno syscall.Errno
	if errors.As(err, &errno) {
		text, ok := errnoText[errno]
		if !ok {
			text = strings.ToLower(errno.Error())
		}
		if name, ok := errnoName[errno]; ok {
			return fmt.Sprintf("%s (%s)", text, name)
		}
		return fmt.Sprintf("%s (errno %d)", text, int(errno))
	}
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}

func fsError(p string, err error) error {
	return errorf("%s: %s", p, describe(err))
}

// ---------------------------------------------------------------------------
// arguments

// args holds the members of the arguments object for one call.
type args map[string]json.RawMessage

// parseArgs reads the JSON object and rejects members not in allowed.
func parseArgs(r io.Reader, allowed ...string) (args, error) {
	data, err := io.ReadAll(io.LimitReader(r, maxInput+1))
	if err != nil {
		return nil, errorf("invalid arguments: cannot read stdin: %v", err)
	}
	if len(data) > maxInput {
		return nil, errorf("invalid arguments: input larger than %d bytes", maxInput)
	}
	a := args{}
	if len(bytes.TrimSpace(data)) == 0 {
		return a, nil
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&a); err != nil || a == nil {
		return nil, errorf("invalid arguments: expected a JSON object")
	}
	if dec.More() {
		return nil, errorf("invalid arguments: unexpected data after the object")
	}
	names := make([]string, 0, len(a))
	for name := range a {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		known := false
		for _, k := range allowed {
			known = known || k == name
		}
		if !known {
			return nil, errorf("invalid arguments: unknown field %q", name)
		}
	}
	return a, nil
}

func (a args) string(name string, required bool) (string, bool, error) {
	raw, ok := a[name]
	if !ok {
		if required {
			return "", false, errorf("invalid arguments: missing required field %q", name)
		}
		return "", false, nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil || bytes.Equal(bytes.TrimSpace(raw), []byte("null")) {
		return "", false, errorf("invalid arguments: field %q must be a string", name)
	}
	return s, true, nil
}

func (a args) integer(name string, min, max int64) (int64, bool, error) {
	raw, ok := a[name]
	if !ok {
		return 0, false, nil
	}
	var n int64
	if err := json.Unmarshal(raw, &n); err != nil || bytes.Equal(bytes.TrimSpace(raw), []byte("null")) {
		return 0, false, errorf("invalid arguments: field %q must be an integer", name)
	}
	if n < min || n > max {
		return 0, false, errorf("invalid arguments: field %q must be between %d and %d", name, min, max)
	}
	return n, true, nil
}

func requirePath(a args) (string, error) {
	p, _, err := a.string("path", true)
	if err != nil {
		return "", err
	}
	if p == "" {
		return "", errorf("invalid arguments: field \"path\" must not be empty")
	}
	return p, nil
}

// ---------------------------------------------------------------------------
// results

type textContent struct {
	Type string `json:"type"`
	Text string `json:"text"`
}

type callToolResult struct {
	Content           []textContent `json:"content"`
	StructuredContent any           `json:"structuredContent,omitempty"`
	IsError           bool          `json:"isError"`
}

func writeResult(w io.Writer, text string, structured any) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	return enc.Encode(callToolResult{
		Content:           []textContent{{Type: "text", Text: text}},
		StructuredContent: structured,
	})
}

// ---------------------------------------------------------------------------
// list_files

type entry struct {
	Name string `json:"name"`
	Type string `json:"type"` // file, directory, symlink or other
	Size int64  `json:"size"`
}

type listResult struct {
	Path      string  `json:"path"`
	Entries   []entry `json:"entries"`
	Truncated bool    `json:"truncated"`
}

func typeName(mode fs.FileMode) string {
	switch {
	case mode.IsRegular():
		return "file"
	case mode.IsDir():
		return "directory"
	case mode&fs.ModeSymlink != 0:
		return "symlink"
	}
	return "other"
}

func listFiles(in io.Reader, out io.Writer) error {
	a, err := parseArgs(in, "path")
	if err != nil {
		return err
	}
	dir, err := requirePath(a)
	if err != nil {
		return err
	}
	dirents, err := os.ReadDir(dir) // sorted by name
	if err != nil {
		return fsError(dir, err)
	}
	res := listResult{Path: dir, Entries: []entry{}}
	var text strings.Builder
	for _, d := range dirents {
		if len(res.Entries) == maxListEntries {
			res.Truncated = true
			break
		}
		e := entry{Name: d.Name(), Type: typeName(d.Type())}
		if info, err := d.Info(); err == nil {
			e.Type = typeName(info.Mode())
			if info.Mode().IsRegular() {
				e.Size = info.Size()
			}
		}
		res.Entries = append(res.Entries, e)
		switch e.Type {
		case "directory":
			fmt.Fprintf(&text, "%s/\n", e.Name)
		case "file":
			fmt.Fprintf(&text, "%s (%d bytes)\n", e.Name, e.Size)
		default:
			fmt.Fprintf(&text, "%s (%s)\n", e.Name, e.Type)
		}
	}
	if len(res.Entries) == 0 {
		text.WriteString("(empty directory)\n")
	}
	if res.Truncated {
		fmt.Fprintf(&text, "(listing truncated after %d entries)\n", maxListEntries)
	}
	return writeResult(out, text.String(), res)
}

// ---------------------------------------------------------------------------
// read_file

type readResult struct {
	Path      string `json:"path"`
	Bytes     int    `json:"bytes"`
	Truncated bool   `json:"truncated"`
	ValidUTF8 bool   `json:"valid_utf8"`
}

func readFile(in io.Reader, out io.Writer) error {
	a, err := parseArgs(in, "path", "max_bytes")
	if err != nil {
		return err
	}
	p, err := requirePath(a)
	if err != nil {
		return err
	}
	limit, ok, err := a.integer("max_bytes", 1, maxReadBytes)
	if err != nil {
		return err
	}
	if !ok {
		limit = defaultReadBytes
	}
	if info, err := os.Stat(p); err != nil {
		return fsError(p, err)
	} else if info.IsDir() {
		return fsError(p, syscall.EISDIR)
	}
	f, err := openRead(p)
	if err != nil {
		return fsError(p, err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return fsError(p, err)
	}
	truncated := int64(len(data)) > limit
	if truncated {
		// Cut before a UTF-8 continuation byte, so that a character is not
		// split in half (at most 3 bytes back; binary data is cut as is).
		cut := int(limit)
		for back := 0; back < utf8.UTFMax-1 && cut > 0 && !utf8.RuneStart(data[cut]); back++ {
			cut--
		}
		if utf8.RuneStart(data[cut]) {
			data = data[:cut]
		} else {
			data = data[:limit]
		}
	}
	valid := utf8.Valid(data)
	text := string(data)
	if !valid {
		text = strings.ToValidUTF8(text, "\uFFFD")
	}
	return writeResult(out, text, readResult{Path: p, Bytes: len(data), Truncated: truncated, ValidUTF8: valid})
}

// ---------------------------------------------------------------------------
// search_files

type match struct {
	Path string `json:"path"`
	Line int    `json:"line"`
	Text string `json:"text"`
}

type searchResult struct {
	Path          string  `json:"path"`
	Pattern       string  `json:"pattern"`
	Matches       []match `json:"matches"`
	Truncated     bool    `json:"truncated"`
	FilesSearched int     `json:"files_searched"`
	FilesSkipped  int     `json:"files_skipped"`
}

var errEnough = errors.New("enough matches")

// clip shortens valid UTF-8 s to at most n bytes without splitting a
// character.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}

// searchFile appends the matching lines of one file. It returns false when
// the file had to be skipped (unreadable, binary or with an overlong line).
func searchFile(p, pattern string, res *searchResult) bool {
	f, err := openRead(p)
	if err != nil {
		return false
	}
	defer f.Close()
	br := bufio.NewReaderSize(f, 64*1024)
	if head, _ := br.Peek(binarySniffBytes); bytes.IndexByte(head, 0) >= 0 {
		return false
	}
	sc := bufio.NewScanner(br)
	sc.Buffer(make([]byte, 64*1024), maxScanLine)
	needle := []byte(pattern)
	for line := 1; sc.Scan(); line++ {
		if !bytes.Contains(sc.Bytes(), needle) {
			continue
		}
		if len(res.Matches) == maxMatches {
			res.Truncated = true
			return true
		}
		text := strings.ToValidUTF8(strings.TrimRight(sc.Text(), "\r"), "\uFFFD")
		res.Matches = append(res.Matches, match{Path: p, Line: line, Text: clip(text, maxLineBytes)})
	}
	return sc.Err() == nil
}

func searchFiles(in io.Reader, out io.Writer) error {
	a, err := parseArgs(in, "path", "pattern")
	if err != nil {
		return err
	}
	root, err := requirePath(a)
	if err != nil {
		return err
	}
	pattern, _, err := a.string("pattern", true)
	if err != nil {
		return err
	}
	if pattern == "" {
		return errorf("invalid arguments: field \"pattern\" must not be empty")
	}
	if _, err := os.Stat(root); err != nil {
		return fsError(root, err)
	}

	res := searchResult{Path: root, Pattern: pattern, Matches: []match{}}
	walkErr := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			// Unreadable entry or directory: count it and keep walking.
			res.FilesSkipped++
			if d != nil && d.IsDir() && p != root {
				return fs.SkipDir
			}
			return nil
		}
		if !d.Type().IsRegular() {
			return nil // directories are walked; symlinks and others are not followed
		}
		res.FilesSearched++
		if !searchFile(p, pattern, &res) {
			res.FilesSkipped++
		}
		if res.Truncated {
			return errEnough
		}
		return nil
	})
	if walkErr != nil && walkErr != errEnough {
		return fsError(root, walkErr)
	}

	var text strings.Builder
	for _, m := range res.Matches {
		fmt.Fprintf(&text, "%s:%d: %s\n", m.Path, m.Line, m.Text)
	}
	fmt.Fprintf(&text, "%d %s in %d %s", len(res.Matches), plural(len(res.Matches), "match", "matches"),
		res.FilesSearched, plural(res.FilesSearched, "file", "files"))
	if res.Truncated {
		fmt.Fprintf(&text, " (stopped after %d matches)", maxMatches)
	}
	if res.FilesSkipped > 0 {
		fmt.Fprintf(&text, "; %d skipped (unreadable or binary)", res.FilesSkipped)
	}
	text.WriteString("\n")
	return writeResult(out, text.String(), res)
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// ---------------------------------------------------------------------------

var tools = map[string]func(io.Reader, io.Writer) error{
	"list_files":   listFiles,
	"read_file":    readFile,
	"search_files": searchFiles,
}

// retryWriter writes everything it is given, waiting and retrying when the
// host hands the guest a non-blocking pipe that is full (EAGAIN).
type retryWriter struct{ f *os.File }

func (w retryWriter) Write(p []byte) (int, error) {
	total := 0
	for len(p) > 0 {
		n, err := w.f.Write(p)
		total += n
		p = p[n:]
		if err != nil {
			if errors.Is(err, syscall.EAGAIN) {
				time.Sleep(time.Millisecond)
				continue
			}
			return total, err
		}
	}
	return total, nil
}

func main() {
	name := ""
	if len(os.Args) > 0 {
		name = path.Base(os.Args[0])
	}
	run, ok := tools[name]
	if !ok {
		fmt.Fprintf(os.Stderr, "fs-tool: unknown tool %q (expected list_files, read_file or search_files)\n", name)
		os.Exit(1)
	}
	out := bufio.NewWriterSize(retryWriter{os.Stdout}, 64*1024)
	if err := run(os.Stdin, out); err != nil {
		msg := strings.ReplaceAll(err.Error(), "\n", " ")
		fmt.Fprintf(os.Stderr, "%s: %s\n", name, msg)
		os.Exit(1)
	}
	if err := out.Flush(); err != nil {
		fmt.Fprintf(os.Stderr, "%s: cannot write result: %v\n", name, err)
		os.Exit(1)
	}
}
