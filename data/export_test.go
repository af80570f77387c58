package data

import "context"

// ScanSearch returns the IDs of the live users whose search text contains search,
// folded, in ID order: what the search box found by scanning every search text before
// the trigram index users_fts, for the tests of package data_test to compare with.
func (s *Store) ScanSearch(ctx context.Context, search string) ([]string, error) {
	var ids []string
	err := s.rdb.WithContext(ctx).Raw(`SELECT id FROM users WHERE deleted_at IS NULL AND instr(search_text, ?) > 0 ORDER BY id`,
		sortFold(search)).Scan(&ids).Error
	return ids, err
}
