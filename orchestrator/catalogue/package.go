// Package catalogue holds the rules of the NS and VNF descriptor
// catalogue: what a package may be (a bare descriptor, an OSM .tar.gz, a
// 5GTANGO .tgo zip), which descriptor in it is onboarded, and the one
// catalogue model derived from any descriptor format (SONATA, the OSM
// information model, SOL006). Handlers parse the HTTP; the store keeps
// the packages and entries.
package catalogue

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"strings"
	"unicode/utf8"

	"github.com/nfv-records/nfv-records/models"
)

// Limits bound what reading a package may cost: an archive bomb meets
// them, never the machine's memory.
type Limits struct {
	// MaxFiles is how many entries an archive may hold; default 1,000.
	MaxFiles int
	// MaxUnpacked is how many bytes its files may hold in all, once
	// unpacked; default 256 MiB.
	MaxUnpacked int64
}

// DefaultLimits are the defaults of Limits.
func DefaultLimits() Limits { return Limits{MaxFiles: 1000, MaxUnpacked: 256 << 20} }

// Archive is the kind of a package.
type Archive string

// The kinds of packages.
const (
	TarGz Archive = "tar.gz" // OSM: a folder holding the descriptor, checksums.txt, icons/, ...
	Zip   Archive = "zip"    // 5GTANGO (.tgo): TOSCA-Metadata/, Definitions/, ...
	Bare  Archive = "bare"   // the descriptor alone, YAML or JSON
)

// File is one regular file of a package, by its path inside it.
type File struct {
	Path string
	Data []byte
}

// Package is a package as read: its kind and its files, in archive
// order (a bare descriptor is one file, "").
type Package struct {
	Archive Archive
	Files   []File
}

// File is the file at p, if the package has one.
func (p Package) File(name string) (File, bool) {
	for _, f := range p.Files {
		if f.Path == name {
			return f, true
		}
	}
	return File{}, false
}

// Read reads a package from raw, whichever kind it is: a gzip stream is
// a tar archive, "PK" a zip, anything else a bare descriptor. A hostile
// archive (an entry escaping it, a link, a device, a duplicate path,
// past the limits, corrupt) is refused with a 4xx that says why.
func Read(raw []byte, lim Limits) (Package, error) {
	return ReadOnly(raw, lim, nil)
}

// ReadOnly is Read keeping the content of the files keep accepts only
// (nil: all): every entry is still checked and counted, but a large image
// that nothing reads is not held in memory.
func ReadOnly(raw []byte, lim Limits, keep func(path string) bool) (Package, error) {
	def := DefaultLimits()
	if lim.MaxFiles <= 0 {
		lim.MaxFiles = def.MaxFiles
	}
	if lim.MaxUnpacked <= 0 {
		lim.MaxUnpacked = def.MaxUnpacked
	}
	switch {
	case len(raw) == 0:
		return Package{}, models.Errorf(models.CodeInvalid, "the package is empty")
	case bytes.HasPrefix(raw, []byte{0x1f, 0x8b}):
		return readTarGz(raw, lim, keep)
	case bytes.HasPrefix(raw, []byte("PK\x03\x04")), bytes.HasPrefix(raw, []byte("PK\x05\x06")):
		return readZip(raw, lim, keep)
	}
	return Package{Archive: Bare, Files: []File{{Data: raw}}}, nil
}

// unpacked counts what an archive's files hold, against the limits.
type unpacked struct {
	lim   Limits
	files int
	bytes int64
	seen  map[string]bool
	keep  func(string) bool
}

func (u *unpacked) add(name string) (string, error) {
	p, err := cleanPath(name)
	if err != nil {
		return "", err
	}
	if u.seen[p] {
		return "", refused("the archive holds %s twice", models.Quote(p))
	}
	u.seen[p] = true
	if u.files++; u.files > u.lim.MaxFiles {
		return "", tooLarge("the archive holds more than %d files", u.lim.MaxFiles)
	}
	return p, nil
}

// read reads one file's content within what is left of the limit: nil
// for a file not kept (read through and counted all the same).
func (u *unpacked) read(r io.Reader, name string) ([]byte, error) {
	left := u.lim.MaxUnpacked - u.bytes
	var data []byte
	var n int64
	var err error
	if u.keep == nil || u.keep(name) {
		data, err = io.ReadAll(io.LimitReader(r, left+1))
		n = int64(len(data))
	} else {
		n, err = io.Copy(io.Discard, io.LimitReader(r, left+1))
	}
	if err != nil {
		return nil, refused("the archive is corrupt at %s: %v", models.Quote(name), err)
	}
	if n > left {
		return nil, tooLarge("the archive unpacks to more than %d bytes", u.lim.MaxUnpacked)
	}
	u.bytes += n
	return data, nil
}

func readTarGz(raw []byte, lim Limits, keep func(string) bool) (Package, error) {
	zr, err := gzip.NewReader(bytes.NewReader(raw))
	if err != nil {
		return Package{}, refused("the package is not a valid gzip stream: %v", err)
	}
	zr.Multistream(false)
	tr := tar.NewReader(zr)
	u := &unpacked{lim: lim, seen: map[string]bool{}, keep: keep}
	pkg := Package{Archive: TarGz}
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return Package{}, refused("the package is not a valid tar.gz archive: %v", err)
		}
		switch h.Typeflag {
		case tar.TypeDir:
			if _, err := cleanPath(h.Name); err != nil {
				return Package{}, err
			}
			continue
		case tar.TypeReg:
		case tar.TypeXGlobalHeader:
			continue // pax metadata of the whole archive (git archive writes one): no file
		case tar.TypeSymlink, tar.TypeLink:
			return Package{}, refused("the archive holds a link, %s: links are not accepted", models.Quote(h.Name))
		default:
			return Package{}, refused("the archive holds %s, which is not a regular file or a folder", models.Quote(h.Name))
		}
		p, err := u.add(h.Name)
		if err != nil {
			return Package{}, err
		}
		data, err := u.read(tr, p)
		if err != nil {
			return Package{}, err
		}
		pkg.Files = append(pkg.Files, File{Path: p, Data: data})
	}
	// What follows the archive in the gzip stream must be nothing, or the
	// tar's zero padding.
	if _, err := io.Copy(io.Discard, io.LimitReader(zr, 1<<20)); err != nil {
		return Package{}, refused("the package is not a valid tar.gz archive: %v", err)
	}
	if len(pkg.Files) == 0 {
		return Package{}, refused("the archive holds no file")
	}
	return pkg, nil
}

func readZip(raw []byte, lim Limits, keep func(string) bool) (Package, error) {
	zr, err := zip.NewReader(bytes.NewReader(raw), int64(len(raw)))
	if err != nil {
		return Package{}, refused("the package is not a valid zip archive: %v", err)
	}
	if len(zr.File) > lim.MaxFiles {
		return Package{}, tooLarge("the archive holds more than %d files", lim.MaxFiles)
	}
	u := &unpacked{lim: lim, seen: map[string]bool{}, keep: keep}
	pkg := Package{Archive: Zip}
	for _, f := range zr.File {
		mode := f.Mode()
		switch {
		case mode&(fs.ModeSymlink|fs.ModeDevice|fs.ModeCharDevice|fs.ModeNamedPipe|fs.ModeSocket|fs.ModeIrregular) != 0:
			return Package{}, refused("the archive holds %s, which is not a regular file or a folder", models.Quote(f.Name))
		case mode.IsDir() || strings.HasSuffix(f.Name, "/"):
			if _, err := cleanPath(f.Name); err != nil {
				return Package{}, err
			}
			continue
		}
		p, err := u.add(f.Name)
		if err != nil {
			return Package{}, err
		}
		rc, err := f.Open()
		if err != nil {
			return Package{}, refused("the archive is corrupt at %s: %v", models.Quote(p), err)
		}
		data, err := u.read(rc, p)
		rc.Close()
		if err != nil {
			return Package{}, err
		}
		pkg.Files = append(pkg.Files, File{Path: p, Data: data})
	}
	if len(pkg.Files) == 0 {
		return Package{}, refused("the archive holds no file")
	}
	return pkg, nil
}

// cleanPath is an entry's path inside the archive, refused when it could
// land outside it or is not a plain path: absolute, with "..", a
// backslash, a NUL or invalid UTF-8.
func cleanPath(name string) (string, error) {
	switch {
	case name == "" || !utf8.ValidString(name):
		return "", refused("the archive holds an entry with an empty or invalid name")
	case strings.ContainsAny(name, "\\\x00"):
		return "", refused("the archive holds %s: a name with a backslash or a NUL", models.Quote(name))
	case strings.HasPrefix(name, "/"):
		return "", refused("the archive holds %s: an absolute path", models.Quote(name))
	}
	for seg := range strings.SplitSeq(name, "/") {
		if seg == ".." {
			return "", refused("the archive holds %s: a path out of the archive", models.Quote(name))
		}
	}
	p := path.Clean(strings.TrimPrefix(name, "./"))
	if p == "." {
		return "", refused("the archive holds an entry named %s", models.Quote(name))
	}
	return p, nil
}

func refused(format string, args ...any) error {
	return models.Errorf(models.CodeUnprocessable, "%s", fmt.Sprintf(format, args...))
}

func tooLarge(format string, args ...any) error {
	return models.Errorf(models.CodeTooLarge, "%s", fmt.Sprintf(format, args...))
}
