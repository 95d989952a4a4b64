package server

import (
	"bytes"
	"encoding/json"
	"fmt"
	"html/template"
	"net/http"
	"slices"
	"strings"

	"github.com/gridinspect/gridinspect/proto/openapi"
)

// apiPage is GET /api: the OpenAPI description as a page to read, made once
// from /openapi.json with no script and nothing fetched from elsewhere (an
// office intranet has no internet).
var apiPage = func() []byte {
	page, err := renderAPIPage(openapi.JSON)
	if err != nil {
		panic(fmt.Sprintf("server: the API page: %v", err))
	}
	return page
}()

type apiDoc struct {
	Info struct {
		Title, Description, Version string
	}
	Tags []struct {
		Name, Description string
	}
	Paths map[string]map[string]struct {
		Summary     string
		Description string
		OperationID string `json:"operationId"`
		Tags        []string
		Parameters  []struct {
			Name, In, Description, Type string
			Required                    bool
		}
	}
}

type apiOperation struct {
	Method, Path, RPC, Description string
	Params                         []string
}

type apiGroup struct {
	Name, Description string
	Operations        []apiOperation
}

func renderAPIPage(spec []byte) ([]byte, error) {
	var doc apiDoc
	if err := json.Unmarshal(spec, &doc); err != nil {
		return nil, err
	}
	groups := make(map[string]*apiGroup)
	var order []*apiGroup
	for _, t := range doc.Tags {
		g := &apiGroup{Name: t.Name, Description: t.Description}
		groups[t.Name] = g
		order = append(order, g)
	}
	paths := make([]string, 0, len(doc.Paths))
	for p := range doc.Paths {
		paths = append(paths, p)
	}
	slices.Sort(paths)
	for _, p := range paths {
		for method, op := range doc.Paths[p] {
			tag := "other"
			if len(op.Tags) > 0 {
				tag = op.Tags[0]
			}
			g := groups[tag]
			if g == nil {
				g = &apiGroup{Name: tag}
				groups[tag] = g
				order = append(order, g)
			}
			o := apiOperation{Method: strings.ToUpper(method), Path: p, RPC: op.OperationID,
				Description: strings.TrimSpace(op.Summary + "\n" + op.Description)}
			for _, prm := range op.Parameters {
				if prm.In == "body" {
					o.Params = append(o.Params, "JSON body")
					continue
				}
				o.Params = append(o.Params, prm.Name+" ("+prm.In+")")
			}
			g.Operations = append(g.Operations, o)
		}
	}
	for _, g := range order {
		slices.SortFunc(g.Operations, func(a, b apiOperation) int {
			return strings.Compare(a.Path+a.Method, b.Path+b.Method)
		})
	}
	var b bytes.Buffer
	err := apiPageTemplate.Execute(&b, struct {
		Title, Description, Version string
		Groups                      []*apiGroup
	}{doc.Info.Title, doc.Info.Description, doc.Info.Version, order})
	return b.Bytes(), err
}

func serveAPIPage(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_, _ = w.Write(apiPage)
}

var apiPageTemplate = template.Must(template.New("api").Parse(`<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}} {{.Version}} — HTTP/JSON 接口</title>
<style>
body { font-family: system-ui, "PingFang SC", "Microsoft YaHei", "Noto Sans CJK SC", sans-serif; margin: 0 auto; max-width: 60rem; padding: 1rem 1.5rem; color: #1f2328; line-height: 1.5; }
h1 { font-size: 1.6rem; margin-bottom: .2rem; }
h2 { font-size: 1.25rem; border-bottom: 1px solid #d0d7de; padding-bottom: .3rem; margin-top: 2rem; }
.lead { color: #57606a; }
pre.doc { white-space: pre-wrap; font-family: inherit; margin: .3rem 0 0; color: #57606a; }
.op { border: 1px solid #d0d7de; border-radius: 6px; padding: .5rem .8rem; margin: .6rem 0; }
.op code.path { font-size: 1rem; }
.m { display: inline-block; min-width: 4.2rem; text-align: center; font: bold .8rem monospace; color: #fff; border-radius: 4px; padding: .1rem .3rem; margin-right: .5rem; }
.GET { background: #1a7f37; } .POST { background: #0969da; } .PATCH { background: #9a6700; } .DELETE { background: #cf222e; } .PUT { background: #8250df; }
.rpc, .params { color: #57606a; font-size: .85rem; }
nav a { margin-right: .8rem; }
</style>
</head>
<body>
<h1>{{.Title}} <small>{{.Version}}</small></h1>
<p class="lead">网格巡查系统的 HTTP/JSON 接口，供微信小程序、H5 页面和浏览器调用。{{.Description}}</p>
<p>机器可读的完整描述：<a href="/openapi.json">/openapi.json</a>（OpenAPI 2.0）。</p>
<nav>{{range .Groups}}<a href="#{{.Name}}">{{.Name}}</a>{{end}}</nav>
{{range .Groups}}
<h2 id="{{.Name}}">{{.Name}}</h2>
{{with .Description}}<pre class="doc">{{.}}</pre>{{end}}
{{range .Operations}}
<div class="op">
<span class="m {{.Method}}">{{.Method}}</span><code class="path">{{.Path}}</code> <span class="rpc">{{.RPC}}</span>
{{with .Params}}<div class="params">参数：{{range $i, $p := .}}{{if $i}}、{{end}}{{$p}}{{end}}</div>{{end}}
{{with .Description}}<pre class="doc">{{.}}</pre>{{end}}
</div>
{{end}}
{{end}}
</body>
</html>
`))
