package format

import (
	"fmt"
	"time"
)

// Duration writes a duration as people read it at a glance: 4.2s, 37s,
// 12m05s, 3h20m, 6d23h.
func Duration(d time.Duration) string {
	switch {
	case d < 0:
		return "0s"
	case d < 10*time.Second:
		return fmt.Sprintf("%.1fs", d.Seconds())
	case d < time.Minute:
		return fmt.Sprintf("%ds", int(d.Seconds()))
	case d < time.Hour:
		return fmt.Sprintf("%dm%02ds", int(d.Minutes()), int(d.Seconds())%60)
	case d < 48*time.Hour:
		return fmt.Sprintf("%dh%02dm", int(d.Hours()), int(d.Minutes())%60)
	}
	return fmt.Sprintf("%dd%02dh", int(d.Hours()/24), int(d.Hours())%24)
}

// Elapsed is how long something that started has run (until now, or its
// end): "-" before it starts.
func Elapsed(started, ended *time.Time, now time.Time) string {
	if started == nil {
		return "-"
	}
	end := now
	if ended != nil {
		end = *ended
	}
	return Duration(end.Sub(*started))
}
