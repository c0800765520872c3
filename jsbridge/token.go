//go:build js && wasm

package jsbridge

import (
	"context"
	"fmt"
	"time"

	"github.com/hack-pad/safejs"
)

// tokenTimeout bounds one call of an app's token provider: a provider that
// never settles fails the attempt (status "token_provider"), which the
// session retries after its backoff, instead of leaving it connecting for
// ever.
const tokenTimeout = 30 * time.Second

// tokenFrom returns a sync.Config.Token that calls the app's token
// provider fn (connect({ token: async () => ... })) and waits for the
// string it returns or resolves to, until ctx (the session's) ends. In a
// Worker, fn is worker.js's stand-in, which asks the page for the token
// and returns a Promise of its answer (proxy.js).
func tokenFrom(ctx context.Context, fn safejs.Value) func() (string, error) {
	return func() (string, error) {
		ctx, cancel := context.WithTimeout(ctx, tokenTimeout)
		defer cancel()
		v, err := await(ctx, "token provider", func() (safejs.Value, error) {
			r, err := fn.Invoke()
			if err != nil {
				return safejs.Value{}, fmt.Errorf("token provider threw: %w", err)
			}
			return jsPromise.Call("resolve", r) // a plain string is a resolved value too
		})
		if err == context.DeadlineExceeded {
			return "", fmt.Errorf("no token within %s", tokenTimeout)
		}
		if err != nil {
			return "", err
		}
		if t, terr := typeOf(v); terr != nil || t != safejs.TypeString {
			return "", fmt.Errorf("the token provider must return a string, got %s", describe(v))
		}
		return v.String()
	}
}
