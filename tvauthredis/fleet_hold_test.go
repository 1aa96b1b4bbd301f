package tvauthredis

import (
	"context"
	"time"
)

// holdLeases takes the registration lease and the AGS user's refresh lease, and keeps them.
func holdLeases(store *Store) error {
	ctx := context.Background()
	if _, _, err := store.LockCredentials(ctx); err != nil {
		return err
	}
	_, _, err := store.LockTokens(ctx, agsUserKey)
	return err
}

const defaultLeaseWait = 30 * time.Second // before: the lease wait shares the fetch timeout
