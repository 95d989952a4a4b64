package main

import (
	"time"

	"github.com/gridinspect/gridinspect/internal/phonelink"
)

// linkStallFor is how long a stalled connection passes nothing before the
// link closes it.
const linkStallFor = 5 * time.Second

// linkConfig is the link the flags ask for; ok is false without --link.
func (c config) linkConfig() (phonelink.Config, bool) {
	if c.link == "" {
		return phonelink.Config{}, false
	}
	return phonelink.Config{
		Preset:     phonelink.Presets[c.link],
		ResetEvery: c.linkResetEvery,
		ResetAfter: c.linkResetAfter,
		StallShare: c.linkStalls,
		StallFor:   linkStallFor,
	}, true
}
