// Package openapi holds the OpenAPI (Swagger 2.0) description of the
// gridinspect.v1 HTTP/JSON API: what protoc-gen-openapiv2 makes from the
// google.api.http rules of the .proto files (proto/generate.sh), and the
// routes that serve files, which no rule can describe (files.json).
package openapi

import (
	_ "embed"
	"encoding/json"
	"fmt"
)

var (
	//go:embed gridinspect.swagger.json
	generated []byte
	//go:embed files.json
	files []byte
)

// JSON is the whole description: the generated one with the file routes
// added.
var JSON = func() []byte {
	var doc map[string]any
	var extra struct {
		Paths map[string]any `json:"paths"`
	}
	if err := json.Unmarshal(generated, &doc); err != nil {
		panic(fmt.Sprintf("openapi: gridinspect.swagger.json: %v", err))
	}
	if err := json.Unmarshal(files, &extra); err != nil {
		panic(fmt.Sprintf("openapi: files.json: %v", err))
	}
	paths, _ := doc["paths"].(map[string]any)
	for p, ops := range extra.Paths {
		if _, taken := paths[p]; taken {
			panic(fmt.Sprintf("openapi: files.json describes %s, which the .proto files already do", p))
		}
		paths[p] = ops
	}
	out, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		panic(err)
	}
	return out
}()
