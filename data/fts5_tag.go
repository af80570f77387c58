//go:build !sqlite_fts5

package data

// The users' search index (migration 12) is an SQLite FTS5 table, which
// github.com/mattn/go-sqlite3 compiles in only with the build tag sqlite_fts5. This
// undefined name stops a build without the tag here, instead of the migration of a
// user's file at run time: build and test with -tags migrated_fynedo,sqlite_fts5
// (the Makefile does).
var _ = buildTagSqliteFTS5Missing
