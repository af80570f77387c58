package store

import "testing"

// Catalogue gives s the role r1, the unit u1 and the group g1 for the tests outside
// the package (see catalogue).
func Catalogue(t testing.TB, s *Store) { catalogue(t, s) }
