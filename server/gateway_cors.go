package server

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// What a cross-origin page may do (CORS). No Access-Control-Allow-
// Credentials, ever: a page of another origin calls with a bearer token it
// holds, and the session cookie authenticates only its own origin's pages.
const (
	corsAllowMethods  = "GET, POST, PATCH, DELETE, OPTIONS"
	corsAllowHeaders  = "Authorization, Content-Type, X-Request-Id"
	corsExposeHeaders = "X-Request-Id, Retry-After, Content-Disposition, ETag"
	// corsMaxAge is how long, in seconds, a browser may keep a preflight's
	// answer (browsers cap it: Chrome at 2 hours).
	corsMaxAge = "3600"
)

// ParseOrigin checks that s is a web origin, scheme://host[:port] with
// scheme http or https and nothing after, and returns it as a browser's
// Origin header spells it: lower case, without the scheme's default port.
func ParseOrigin(s string) (string, error) {
	if s == "*" {
		return "", errors.New("origin \"*\": name each origin allowed; a wildcard would let every site's pages call the API")
	}
	u, err := url.Parse(s)
	if err != nil {
		return "", fmt.Errorf("origin %q: %w", s, err)
	}
	scheme := strings.ToLower(u.Scheme)
	if scheme != "http" && scheme != "https" {
		return "", fmt.Errorf("origin %q: want http://host[:port] or https://host[:port]", s)
	}
	if u.Host == "" || u.User != nil || u.Path != "" || u.RawQuery != "" || u.ForceQuery || u.Fragment != "" || u.Opaque != "" {
		return "", fmt.Errorf("origin %q: want only scheme://host[:port], with no path (not even \"/\"), query or user", s)
	}
	host, port := strings.ToLower(u.Hostname()), u.Port()
	if host == "" {
		return "", fmt.Errorf("origin %q: no host", s)
	}
	if strings.HasSuffix(u.Host, ":") {
		return "", fmt.Errorf("origin %q: empty port", s)
	}
	if port != "" {
		if n, err := strconv.ParseUint(port, 10, 16); err != nil || n == 0 {
			return "", fmt.Errorf("origin %q: bad port %q", s, port)
		}
		if (scheme == "http" && port == "80") || (scheme == "https" && port == "443") {
			port = ""
		}
	}
	if port == "" {
		if strings.Contains(host, ":") {
			host = "[" + host + "]" // IPv6
		}
		return scheme + "://" + host, nil
	}
	return scheme + "://" + net.JoinHostPort(host, port), nil
}

// corsPolicy lets pages of the listed origins call the API from a browser.
type corsPolicy struct {
	origins map[string]bool
}

// newCORS returns the policy allowing origins, or nil for none.
func newCORS(origins []string) (*corsPolicy, error) {
	if len(origins) == 0 {
		return nil, nil
	}
	c := &corsPolicy{origins: make(map[string]bool, len(origins))}
	for _, o := range origins {
		canon, err := ParseOrigin(o)
		if err != nil {
			return nil, fmt.Errorf("server: CORS: %w", err)
		}
		c.origins[canon] = true
	}
	return c, nil
}

// wrap answers the preflight of an allowed origin's request and marks
// the answers to its requests as readable by it. A request from any other
// origin gets no CORS header, so its page cannot read the answer; a
// preflight from one is refused, so its page does not send the request.
func (c *corsPolicy) wrap(h http.Handler) http.Handler {
	if c == nil {
		return h
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// The answer depends on Origin: a cache must not give one
		// origin's answer to another.
		w.Header().Add("Vary", "Origin")
		origin := r.Header.Get("Origin")
		canon, err := ParseOrigin(origin)
		allowed := origin != "" && err == nil && c.origins[canon]
		preflight := r.Method == http.MethodOptions && origin != "" && r.Header.Get("Access-Control-Request-Method") != ""
		if preflight {
			if !allowed {
				http.Error(w, "cors: origin not allowed", http.StatusForbidden)
				return
			}
			w.Header().Set("Access-Control-Allow-Origin", origin)
			w.Header().Set("Access-Control-Allow-Methods", corsAllowMethods)
			w.Header().Set("Access-Control-Allow-Headers", corsAllowHeaders)
			w.Header().Set("Access-Control-Max-Age", corsMaxAge)
			w.WriteHeader(http.StatusNoContent)
			return
		}
		if allowed {
			w.Header().Set("Access-Control-Allow-Origin", origin)
			w.Header().Set("Access-Control-Expose-Headers", corsExposeHeaders)
		}
		h.ServeHTTP(w, r)
	})
}
