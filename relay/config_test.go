package relay

import (
	"math"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestConfigValidate(t *testing.T) {
	require.NoError(t, DefaultConfig().Validate())

	tests := []struct {
		name    string
		change  func(*Config)
		wantErr string // "" means valid
	}{
		{"pings off", func(c *Config) { c.PingInterval = 0 }, ""},
		{"no rate limit", func(c *Config) { c.RatePerSec = math.Inf(1) }, ""},
		{"origin patterns", func(c *Config) { c.OriginPatterns = []string{"*.example.com", "localhost:*"} }, ""},
		{"read limit", func(c *Config) { c.ReadLimit = 0 }, "ReadLimit must be at least 1, have 0"},
		{"send queue", func(c *Config) { c.SendQueue = 0 }, "SendQueue must be at least 1, have 0"},
		{"write timeout", func(c *Config) { c.WriteTimeout = 0 }, "WriteTimeout must be positive"},
		{"negative ping", func(c *Config) { c.PingInterval = -time.Second }, "PingInterval must not be negative"},
		{"zero rate", func(c *Config) { c.RatePerSec = 0 }, "RatePerSec must be positive"},
		{"NaN rate", func(c *Config) { c.RatePerSec = math.NaN() }, "RatePerSec must be positive"},
		{"burst", func(c *Config) { c.RateBurst = 0 }, "RateBurst must be at least 1"},
		{"peers per room", func(c *Config) { c.MaxPeersPerRoom = 0 }, "MaxPeersPerRoom must be at least 1"},
		{"rooms", func(c *Config) { c.MaxRooms = -1 }, "MaxRooms must be at least 1, have -1"},
		{"queue holds two bursts", func(c *Config) { c.RateBurst, c.SendQueue = 100, 200 }, ""},
		{"queue smaller than two bursts", func(c *Config) { c.RateBurst, c.SendQueue = 100, 199 }, "SendQueue 199 is smaller than two rate bursts (RateBurst 100): want at least 200"},
		{"no rate, any queue", func(c *Config) { c.RatePerSec, c.SendQueue = math.Inf(1), 1 }, ""},
		{"bad origin pattern", func(c *Config) { c.OriginPatterns = []string{"[a-"} }, "bad pattern"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := DefaultConfig()
			tc.change(&cfg)
			err := cfg.Validate()
			_, newErr := New(cfg)
			if tc.wantErr == "" {
				require.NoError(t, err)
				require.NoError(t, newErr)
				return
			}
			require.ErrorIs(t, err, ErrInvalidConfig)
			require.ErrorContains(t, err, tc.wantErr)
			require.ErrorIs(t, newErr, ErrInvalidConfig)
		})
	}
}
