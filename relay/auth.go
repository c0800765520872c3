package relay

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	hsync "github.com/hearthdb/hearth/sync"
)

// Tokens are "v1.<payload>.<mac>": payload is base64url (no padding) of
// the JSON {"space": "...", "exp": <unix seconds>}, mac is base64url of
// HMAC-SHA256(secret, "v1.<payload>"). A token grants read and write on one
// space until exp.
const tokenPrefix = "v1."

type tokenClaims struct {
	Space string `json:"space"`
	Exp   int64  `json:"exp"`
}

var b64 = base64.RawURLEncoding

// MintToken returns a token for space that expires at exp, signed with
// secret. Apps mint tokens on their own server with the same secret.
func MintToken(secret []byte, space string, exp time.Time) (string, error) {
	if len(secret) == 0 || space == "" {
		return "", fmt.Errorf("%w: token needs a secret and a space", ErrConfig)
	}
	body, err := json.Marshal(tokenClaims{Space: space, Exp: exp.Unix()})
	if err != nil {
		return "", err
	}
	signed := tokenPrefix + b64.EncodeToString(body)
	return signed + "." + b64.EncodeToString(sign(secret, signed)), nil
}

func sign(secret []byte, signed string) []byte {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(signed))
	return m.Sum(nil)
}

// VerifyToken checks that token is signed with secret, names space and has
// not expired at now. Errors wrap sync.ErrUnauthorized or
// sync.ErrTokenExpired.
func VerifyToken(secret []byte, token, space string, now time.Time) error {
	_, err := verifyToken(secret, token, space, now)
	return err
}

// verifyToken is VerifyToken that also returns the token's expiry, at
// which the relay ends sessions opened with it.
func verifyToken(secret []byte, token, space string, now time.Time) (exp time.Time, err error) {
	signed, mac, ok := strings.Cut(strings.TrimPrefix(token, tokenPrefix), ".")
	if !ok || !strings.HasPrefix(token, tokenPrefix) {
		return exp, fmt.Errorf("%w: malformed token", hsync.ErrUnauthorized)
	}
	got, err := b64.DecodeString(mac)
	if err != nil || !hmac.Equal(got, sign(secret, tokenPrefix+signed)) {
		return exp, fmt.Errorf("%w: bad token signature", hsync.ErrUnauthorized)
	}
	body, err := b64.DecodeString(signed)
	var c tokenClaims
	if err != nil || json.Unmarshal(body, &c) != nil {
		return exp, fmt.Errorf("%w: malformed token claims", hsync.ErrUnauthorized)
	}
	if c.Space != space {
		return exp, fmt.Errorf("%w: token is for another space", hsync.ErrUnauthorized)
	}
	exp = time.Unix(c.Exp, 0)
	if !now.Before(exp) {
		return exp, expired(exp)
	}
	return exp, nil
}

func expired(exp time.Time) error {
	return fmt.Errorf("%w: expired at %s", hsync.ErrTokenExpired, exp.UTC().Format(time.RFC3339))
}
