package web

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"
	"time"
)

//go:embed static
var staticFiles embed.FS

// staticCacheAge is how long a browser keeps a static file fetched under
// its current version: a year, as the URL changes with the content.
const staticCacheAge = 365 * 24 * time.Hour

// assets serves the embedded static files under /static/. A page names
// one by assets.url, which adds ?v= and the file's content hash, so a
// browser may keep it for a year: a new build with a changed file names
// a new URL. A request without the current version (an old page, or a
// vendored stylesheet's relative image) is served without that promise.
type assets struct {
	files   fs.FS
	version map[string]string // path under static/ → short content hash
}

func newAssets() (*assets, error) {
	files, err := fs.Sub(staticFiles, "static")
	if err != nil {
		return nil, fmt.Errorf("web: static files: %w", err)
	}
	a := &assets{files: files, version: map[string]string{}}
	err = fs.WalkDir(files, ".", func(p string, e fs.DirEntry, err error) error {
		if err != nil || e.IsDir() {
			return err
		}
		b, err := fs.ReadFile(files, p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		a.version[p] = hex.EncodeToString(sum[:6])
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("web: static files: %w", err)
	}
	return a, nil
}

// url is the URL of the static file at p (under static/), with its
// version. A template naming a file that is not there fails to execute,
// so a typo shows in the tests rather than as a page without its style.
func (a *assets) url(p string) (string, error) {
	v, ok := a.version[p]
	if !ok {
		return "", fmt.Errorf("web: no static file %q", p)
	}
	return "/static/" + p + "?v=" + v, nil
}

func (a *assets) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p := strings.TrimPrefix(r.URL.Path, "/static/")
	v, ok := a.version[p]
	if !ok || p != path.Clean(p) {
		http.NotFound(w, r)
		return
	}
	b, err := fs.ReadFile(a.files, p)
	if err != nil {
		http.NotFound(w, r)
		return
	}
	h := w.Header()
	if ct := mime.TypeByExtension(path.Ext(p)); ct != "" {
		h.Set("Content-Type", ct)
	}
	if r.URL.Query().Get("v") == v {
		h.Set("Cache-Control", fmt.Sprintf("public, max-age=%d, immutable", int(staticCacheAge.Seconds())))
	} else {
		h.Set("Cache-Control", "no-cache")
	}
	h.Set("ETag", `"`+v+`"`)
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(b))
}
