// Package openapi holds the OpenAPI (Swagger 2.0) description of the
// gridinspect.v1 HTTP/JSON API, made by protoc-gen-openapiv2 from the
// google.api.http rules of the .proto files (proto/generate.sh).
package openapi

import _ "embed"

// JSON is gridinspect.swagger.json.
//
//go:embed gridinspect.swagger.json
var JSON []byte
