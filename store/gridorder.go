package store

import (
	"cmp"
	"strings"

	"golang.org/x/text/collate"
	"golang.org/x/text/language"
)

// gridKey is what grids are listed by: the street (when several are
// listed together, a district account's), the official order, then the
// pinyin of the name, then the id.
type gridKey struct {
	ID, Name string
	Order    int
	Street   int64
}

// gridSorter orders grids as the office lists them, street by street in
// increasing id (each street has an office of its own): those with an order
// by it, those without one after them, each by the pinyin of the name
// (collate with language Chinese) and, last, the id. A Collator is not
// safe for concurrent use: make one per listing.
type gridSorter struct{ c *collate.Collator }

func newGridSorter() gridSorter { return gridSorter{collate.New(language.Chinese)} }

// placeReadings reads the polyphones of a place name as place names read
// them, where x/text's collation (CLDR's pinyin order) takes a character's
// commonest reading: 长 is cháng in 长安、长江、长山 (zhǎng in a title like
// 村长, rare in a grid's name; 长子县 is the known exception), 重庆 is
// chóngqìng, and 曾 as a family and place name is zēng. Each is replaced,
// for the comparison only, by a character the collation reads as that
// syllable and tone; names equal then are told apart by their own text.
var placeReadings = strings.NewReplacer(
	"重庆", "崇庆", // chóng
	"长", "常", // cháng
	"曾", "增", // zēng
)

func (s gridSorter) compare(a, b gridKey) int {
	if c := cmp.Compare(a.Street, b.Street); c != 0 {
		return c
	}
	oa, ob := a.Order, b.Order
	if (oa == 0) != (ob == 0) {
		return cmp.Compare(ob, oa) // 0 (none) after any order
	}
	if c := cmp.Compare(oa, ob); c != 0 {
		return c
	}
	if c := s.c.CompareString(placeReadings.Replace(a.Name), placeReadings.Replace(b.Name)); c != 0 {
		return c
	}
	if c := strings.Compare(a.Name, b.Name); c != 0 {
		return c // names the collation takes as equal still differ
	}
	return strings.Compare(a.ID, b.ID)
}
