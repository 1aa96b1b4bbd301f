package tvauthredis

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/redis/go-redis/v9"
)

// CheckDurability reports a Redis without AOF and RDB, and a Ring, as not durable; AOF or RDB on is
// durable; a server that will not say (miniredis has no CONFIG) is neither.
func TestCheckDurability(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	srv := startOwnRedis(t)
	rdb := redis.NewClient(&redis.Options{Addr: srv.addr()})
	defer rdb.Close()
	s, err := New(rdb)
	if err != nil {
		t.Fatal(err)
	}
	if srv.mini != nil {
		if err := s.CheckDurability(ctx); err == nil || errors.Is(err, ErrNotDurable) || !strings.Contains(err.Error(), "cannot tell") {
			t.Errorf("miniredis: %v, want a cannot-tell error", err)
		}
	} else {
		for _, c := range []struct {
			appendonly, save string
			durable          bool
		}{
			{"no", "", false},
			{"no", "3600 1", true},
			{"yes", "", true},
		} {
			if err := rdb.ConfigSet(ctx, "appendonly", c.appendonly).Err(); err != nil {
				t.Fatal(err)
			}
			if err := rdb.ConfigSet(ctx, "save", c.save).Err(); err != nil {
				t.Fatal(err)
			}
			err := s.CheckDurability(ctx)
			if c.durable != (err == nil) || (!c.durable && (!errors.Is(err, ErrNotDurable) || !strings.Contains(err.Error(), srv.addr()))) {
				t.Errorf("appendonly %s, save %q: %v", c.appendonly, c.save, err)
			}
		}
	}

	ring := redis.NewRing(&redis.RingOptions{Addrs: map[string]string{"a": srv.addr()}})
	defer ring.Close()
	rs, err := New(ring)
	if err != nil {
		t.Fatal(err)
	}
	if err := rs.CheckDurability(ctx); !errors.Is(err, ErrNotDurable) || !strings.Contains(err.Error(), "Ring") {
		t.Errorf("Ring: %v, want ErrNotDurable", err)
	}
}
