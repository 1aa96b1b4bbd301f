package tvauthredis

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/redis/go-redis/v9"
)

// ErrNotDurable is what CheckDurability returns (wrapped, with the reason) for a Redis that can lose
// the client credentials: one without persistence, which comes back empty from a restart, or a Ring,
// where a lost shard makes them look absent. Either way a replica that starts then registers a second
// client, unless running replicas write theirs back first. The credential methods on a Ring return it
// too.
var ErrNotDurable = errors.New("tvauthredis: this Redis can lose the client credentials")

// CheckDurability reports whether the Store's Redis keeps the client credentials across a restart:
// nil when every node (each primary of a Cluster) has AOF (appendonly yes) or RDB snapshots (a save
// schedule) on; an error matching ErrNotDurable naming the node and what is off, or for a Ring; any
// other error when it cannot tell (CONFIG GET refused, as managed services do, and INFO not saying
// that AOF is on). Call it at start-up and refuse to run, or alert, as your operations prefer.
//
// RDB alone loses what was written since the last snapshot: a registration just before a crash is
// lost, and healing (the replicas writing their credentials back) is what covers that.
func (s *Store) CheckDurability(ctx context.Context) error {
	if s.ring {
		return errRing
	}
	if cc, ok := s.rdb.(*redis.ClusterClient); ok {
		_, err := do(ctx, func(ctx context.Context) (struct{}, error) {
			return struct{}{}, cc.ForEachMaster(ctx, func(ctx context.Context, c *redis.Client) error { return checkNode(ctx, c) })
		}, nil)
		return err
	}
	_, err := do(ctx, func(ctx context.Context) (struct{}, error) { return struct{}{}, checkNode(ctx, s.rdb) }, nil)
	return err
}

// checkNode asks one node how it persists.
func checkNode(ctx context.Context, c redis.Cmdable) error {
	addr := "Redis"
	if o, ok := c.(interface{ Options() *redis.Options }); ok {
		addr = "Redis at " + o.Options().Addr
	}
	conf, err := c.ConfigGet(ctx, "appendonly").Result()
	if err == nil {
		var save map[string]string
		if save, err = c.ConfigGet(ctx, "save").Result(); err == nil {
			if strings.EqualFold(conf["appendonly"], "yes") || strings.TrimSpace(save["save"]) != "" {
				return nil
			}
			return fmt.Errorf("%w: %s has neither AOF (appendonly no) nor RDB snapshots (save \"\"): a restart empties it", ErrNotDurable, addr)
		}
	}
	// CONFIG is often disabled on managed Redis; INFO persistence still says whether AOF is on.
	info, ierr := c.Info(ctx, "persistence").Result()
	if ierr == nil && strings.Contains(info, "aof_enabled:1") {
		return nil
	}
	return fmt.Errorf("tvauthredis: cannot tell whether %s persists its data (CONFIG GET: %v)", addr, err)
}
