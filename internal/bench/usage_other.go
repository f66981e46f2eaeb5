//go:build !unix

package bench

import "time"

// selfUsage is unknown where getrusage does not exist.
func selfUsage() (cpu time.Duration, peakRSS int64, ok bool) { return 0, 0, false }
