package openapi

import (
	"encoding/json"
	"regexp"
	"testing"
)

// Every definition the description refers to is in it: files.json is
// written by hand, and may name one the generator does not make.
func TestEveryReferenceIsDefined(t *testing.T) {
	var doc struct {
		Definitions map[string]any
	}
	if err := json.Unmarshal(JSON, &doc); err != nil {
		t.Fatal(err)
	}
	refs := regexp.MustCompile(`"#/definitions/([A-Za-z0-9_.]+)"`).FindAllSubmatch(JSON, -1)
	if len(refs) < 50 {
		t.Fatalf("only %d references found", len(refs))
	}
	for _, r := range refs {
		if _, ok := doc.Definitions[string(r[1])]; !ok {
			t.Errorf("%s is referred to but not defined", r[1])
		}
	}
}
