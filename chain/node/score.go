package node

import "time"

// A peer's standing. Every rule it breaks adds a point to its score, and
// the score decays by
// ScoreDecayPerMinute points a minute, so an honest peer that errs now
// and then (a block that lost a race, a page with a bug) never reaches
// BanThreshold, while one that keeps breaking rules does within a few
// messages. A peer whose score reaches BanThreshold is banned: ignored
// until it reconnects (a new connection is a new peer id, and starts
// with a clean score).
//
// Beside the point on its score (ErrSyncStalled), a peer that announced
// more work than it delivers (it did not answer a getblocks in time, or
// answered with nothing new while still claiming more work) is passed over
// as a source of blocks for a while (syncBackoff, doubling with each
// stall): any other peer ahead of us is asked instead, and it is asked
// again only when no other is (its answer may just have been lost). So a
// liar claiming a huge cumulative work cannot keep a newcomer at height 0.

// ScoreDecayPerMinute is how many points a peer's score loses a minute.
const ScoreDecayPerMinute = 1.0

// score is a number of points that decays linearly on the node's clock.
type score struct {
	points float64
	at     time.Time // when points was last brought up to date
}

// value returns the score at now.
func (s *score) value(now time.Time) float64 {
	if s.at.IsZero() || !now.After(s.at) {
		return s.points
	}
	return max(0, s.points-now.Sub(s.at).Minutes()*ScoreDecayPerMinute)
}

// add brings the score up to now, adds p points and returns the total.
func (s *score) add(now time.Time, p float64) float64 {
	s.points = s.value(now)
	if s.at.IsZero() || now.After(s.at) {
		s.at = now
	}
	s.points += p
	return s.points
}

// syncBackoff is how long a peer that stalled a sync is passed over as a
// source of blocks, after its first stall; each further stall doubles it,
// up to maxSyncBackoff.
const (
	syncBackoff    = 30 * time.Second
	maxSyncBackoff = 10 * time.Minute
)
