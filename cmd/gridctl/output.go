package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"regexp"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/term"
	"golang.org/x/text/width"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// columnGap separates the columns of a table.
const columnGap = "  "

// table is text in aligned columns. Unlike text/tabwriter it measures
// what a terminal shows: a Chinese character takes two columns, a
// combining mark none.
type table struct {
	rows   [][]string
	styles []string // per row: an ANSI style for the whole line, or ""
}

func newTable(header ...string) *table {
	t := &table{}
	if len(header) > 0 {
		t.add(header...)
	}
	return t
}

// add appends a row; control characters in the cells are made harmless.
func (t *table) add(cells ...string) {
	row := make([]string, len(cells))
	for i, c := range cells {
		row[i] = sanitizeLine(c)
	}
	t.rows = append(t.rows, row)
	t.styles = append(t.styles, "")
}

// addStyled appends a row shown in style (one of the style constants; ""
// for none). The style does not count in the columns' widths.
func (t *table) addStyled(style string, cells ...string) {
	t.add(cells...)
	t.styles[len(t.styles)-1] = style
}

// write prints the rows, each column as wide as its widest cell; the last
// cell of a row is not padded.
func (t *table) write(w io.Writer) error {
	var widths []int
	for _, row := range t.rows {
		for i, c := range row {
			if i == len(widths) {
				widths = append(widths, 0)
			}
			widths[i] = max(widths[i], displayWidth(c))
		}
	}
	var b strings.Builder
	for r, row := range t.rows {
		// Trailing empty cells would only add trailing blanks.
		n := len(row)
		for n > 0 && row[n-1] == "" {
			n--
		}
		style := t.styles[r]
		if style != "" {
			b.WriteString(style)
		}
		for i, c := range row[:n] {
			b.WriteString(c)
			if i < n-1 {
				b.WriteString(strings.Repeat(" ", widths[i]-displayWidth(c)))
				b.WriteString(columnGap)
			}
		}
		if style != "" {
			b.WriteString(styleReset)
		}
		b.WriteByte('\n')
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// ANSI styles of table rows, used only when colour is on (see useColour).
const (
	styleRed    = "\x1b[31m"
	styleYellow = "\x1b[33m"
	styleReset  = "\x1b[0m"
)

// EnvNoColor turns colour off when it is set (https://no-color.org).
const EnvNoColor = "NO_COLOR"

// useColour reports whether gridctl may colour its output: only when
// standard output is a terminal and $NO_COLOR is not set at all, so that
// colour never reaches a pipe, a file or a script.
func (a *app) useColour() bool {
	if _, set := os.LookupEnv(EnvNoColor); set {
		return false
	}
	f, ok := a.stdout.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// truncateWidth shortens s, made one line, to at most width terminal
// columns, ending it with "…" when something was cut.
func truncateWidth(s string, width int) string {
	s = strings.Join(strings.Fields(sanitizeLine(s)), " ")
	if displayWidth(s) <= width {
		return s
	}
	const ellipsis = "…"
	limit := width - displayWidth(ellipsis)
	var b strings.Builder
	w := 0
	for _, r := range s {
		rw := runeWidth(r)
		if w+rw > limit {
			break
		}
		b.WriteRune(r)
		w += rw
	}
	return strings.TrimRight(b.String(), " ") + ellipsis
}

// displayWidth is how many terminal columns s takes: two for East Asian
// wide and fullwidth characters (汉字, fullwidth punctuation), none for
// combining marks and zero-width characters, one for the rest. Ambiguous
// characters count one, as most terminals set for Chinese show them today.
func displayWidth(s string) int {
	n := 0
	for _, r := range s {
		n += runeWidth(r)
	}
	return n
}

func runeWidth(r rune) int {
	switch {
	case r == utf8.RuneError:
		return 1
	case unicode.In(r, unicode.Mn, unicode.Me, unicode.Cf):
		return 0
	}
	switch width.LookupRune(r).Kind() {
	case width.EastAsianWide, width.EastAsianFullwidth:
		return 2
	}
	return 1
}

// sanitizeLine keeps text from the server (or the user) from moving the
// cursor or changing the terminal: control characters, escape sequences
// included, become spaces, and invalid UTF-8 becomes U+FFFD.
func sanitizeLine(s string) string {
	clean := true
	for _, r := range s {
		if r == utf8.RuneError || unicode.IsControl(r) || r == '\u2028' || r == '\u2029' {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	var b strings.Builder
	for _, r := range strings.ToValidUTF8(s, "\uFFFD") {
		if unicode.IsControl(r) || r == '\u2028' || r == '\u2029' {
			r = ' '
		}
		b.WriteRune(r)
	}
	return b.String()
}

// jsonOptions writes every field, zero or not, so scripts find the keys
// they expect; names are the proto JSON names grpcurl shows too.
var jsonOptions = protojson.MarshalOptions{EmitUnpopulated: true}

// marshalJSON writes m as protojson, with its timestamps in the display
// zone: RFC 3339 with the offset (2024-06-03T09:00:00+08:00) rather than
// protojson's UTC "Z", so a person reading a script's output sees China
// time and a program still reads the same instant.
func marshalJSON(m proto.Message) ([]byte, error) {
	b, err := jsonOptions.Marshal(m)
	if err != nil {
		return nil, err
	}
	names := timestampFields(m.ProtoReflect().Descriptor(), map[protoreflect.FullName]bool{}, map[string]bool{})
	if len(names) == 0 {
		return b, nil
	}
	return utcTimestamp.ReplaceAllFunc(b, func(match []byte) []byte {
		sub := utcTimestamp.FindSubmatch(match)
		if !names[string(sub[2])] {
			return match
		}
		t, err := time.Parse(time.RFC3339Nano, string(sub[3]))
		if err != nil {
			return match
		}
		return []byte(string(sub[1]) + `"` + t.In(chinaTime).Format(time.RFC3339Nano) + `"`)
	}), nil
}

// utcTimestamp is a JSON member whose value is a UTC RFC 3339 time, as
// protojson writes a google.protobuf.Timestamp. It must follow "{", "," or
// "[" so that text inside a string (where quotes are escaped) never matches.
var utcTimestamp = regexp.MustCompile(`([{,\[]\s*"(\w+)"\s*:\s*)"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z)"`)

// timestampFields collects the JSON names of the Timestamp fields of md
// and of the messages it holds.
func timestampFields(md protoreflect.MessageDescriptor, seen map[protoreflect.FullName]bool, names map[string]bool) map[string]bool {
	if seen[md.FullName()] {
		return names
	}
	seen[md.FullName()] = true
	fields := md.Fields()
	for i := range fields.Len() {
		f := fields.Get(i)
		if f.Message() == nil {
			continue
		}
		if f.Message().FullName() == "google.protobuf.Timestamp" {
			names[f.JSONName()] = true
			continue
		}
		timestampFields(f.Message(), seen, names)
	}
	return names
}

// writeJSON prints one message as an indented JSON object.
func writeJSON(w io.Writer, m proto.Message) error {
	b, err := marshalJSON(m)
	if err != nil {
		return fmt.Errorf("write json: %w", err)
	}
	return writeIndented(w, b)
}

// writeJSONList prints messages as one indented JSON array ([] for none).
func writeJSONList[M proto.Message](w io.Writer, ms []M) error {
	var buf bytes.Buffer
	buf.WriteByte('[')
	for i, m := range ms {
		if i > 0 {
			buf.WriteByte(',')
		}
		b, err := marshalJSON(m)
		if err != nil {
			return fmt.Errorf("write json: %w", err)
		}
		buf.Write(b)
	}
	buf.WriteByte(']')
	return writeIndented(w, buf.Bytes())
}

// writeIndented re-indents protojson's output, whose spacing is
// deliberately unstable, so the output is the same from run to run.
func writeIndented(w io.Writer, b []byte) error {
	var out bytes.Buffer
	if err := json.Indent(&out, b, "", "  "); err != nil {
		return fmt.Errorf("write json: %w", err)
	}
	out.WriteByte('\n')
	_, err := w.Write(out.Bytes())
	return err
}
