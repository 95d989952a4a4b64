package web

import (
	"fmt"
	"net/url"
	"strings"
)

// TileSource returns the Content-Security-Policy source that lets the
// map load the tiles of the tile URL template tmpl (--map-tiles): its
// scheme and host, a {s} subdomain in the host's first label becoming
// the wildcard "*." (https://t{s}.tianditu.gov.cn/… →
// https://*.tianditu.gov.cn), with its port if it names one. It refuses a
// template that is not an absolute http(s) URL with a host, that puts a
// placeholder elsewhere in the host, or that lacks {z}, {x} and {y} (or
// {-y}).
func TileSource(tmpl string) (string, error) {
	scheme, rest, ok := strings.Cut(tmpl, "://")
	scheme = strings.ToLower(scheme)
	if !ok || (scheme != "http" && scheme != "https") {
		return "", fmt.Errorf("map tiles %q: want an http:// or https:// URL template", tmpl)
	}
	host := rest
	if i := strings.IndexAny(rest, "/?#"); i >= 0 {
		host = rest[:i]
	}
	if strings.Contains(host, "@") {
		return "", fmt.Errorf("map tiles %q: a user or password in the URL is not allowed", tmpl)
	}
	first, others, _ := strings.Cut(host, ".")
	wild := strings.Contains(first, "{s}")
	if wild {
		if others == "" {
			return "", fmt.Errorf("map tiles %q: {s} needs a domain after it (t{s}.example.com)", tmpl)
		}
		host = others
	}
	if strings.ContainsAny(host, "{}") {
		return "", fmt.Errorf("map tiles %q: only {s} may stand in the host, in its first label", tmpl)
	}
	u, err := url.Parse(scheme + "://" + host + "/")
	if err != nil || u.Hostname() == "" {
		return "", fmt.Errorf("map tiles %q: bad host %q", tmpl, host)
	}
	for _, p := range []string{"{z}", "{x}"} {
		if !strings.Contains(rest, p) {
			return "", fmt.Errorf("map tiles %q: the template lacks %s", tmpl, p)
		}
	}
	if !strings.Contains(rest, "{y}") && !strings.Contains(rest, "{-y}") {
		return "", fmt.Errorf("map tiles %q: the template lacks {y}", tmpl)
	}
	src := scheme + "://" + strings.ToLower(u.Host)
	if wild {
		src = scheme + "://*." + strings.ToLower(u.Host)
	}
	return src, nil
}

// tileSubdomains is what {s} of a tile template stands for: 天地图
// serves t0 to t7; other servers (OpenStreetMap's style) a, b and c, as
// Leaflet assumes.
func tileSubdomains(tmpl string) string {
	if strings.Contains(strings.ToLower(tmpl), ".tianditu.gov.cn") {
		return "01234567"
	}
	return "abc"
}
