//go:build !js

package main

import (
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// keyedLimiter is a token bucket per key (a client address): Allow spends
// one token of key's bucket. The map is bounded: when it holds maxKeys
// buckets, those that have refilled (and so say nothing a new bucket
// would not) are forgotten, and if none has, the key is refused. Safe for
// concurrent use.
type keyedLimiter struct {
	every time.Duration // one token per every
	burst int

	mu      sync.Mutex
	buckets map[string]*rate.Limiter
}

// maxKeys bounds a keyedLimiter's map.
const maxKeys = 10_000

func newKeyedLimiter(every time.Duration, burst int) *keyedLimiter {
	return &keyedLimiter{every: every, burst: burst, buckets: make(map[string]*rate.Limiter)}
}

// Allow spends one of key's tokens at now. When there is none it reports
// false and how long until there is.
func (l *keyedLimiter) Allow(key string, now time.Time) (bool, time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.buckets[key]
	if b == nil {
		if len(l.buckets) >= maxKeys {
			for k, o := range l.buckets {
				if o.TokensAt(now) >= float64(l.burst) {
					delete(l.buckets, k)
				}
			}
			if len(l.buckets) >= maxKeys {
				return false, l.every
			}
		}
		b = rate.NewLimiter(rate.Every(l.every), l.burst)
		l.buckets[key] = b
	}
	r := b.ReserveN(now, 1)
	if d := r.DelayFrom(now); d > 0 {
		r.CancelAt(now)
		return false, d
	}
	return true, 0
}
