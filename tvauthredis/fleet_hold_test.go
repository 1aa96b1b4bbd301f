package tvauthredis

import (
	"context"

	"github.com/tvauth/tvauth"
)

// holdLeases takes the registration lease and the AGS user's refresh lease, and keeps them (renewed)
// for as long as the process lives.
func holdLeases(store *Store) error {
	ctx := context.Background()
	if _, _, err := store.LockCredentials(ctx); err != nil {
		return err
	}
	_, _, err := store.LockTokens(ctx, agsUserKey)
	return err
}

const defaultLeaseWait = tvauth.DefaultLeaseWaitTimeout
