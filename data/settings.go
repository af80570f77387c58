package data

import (
	"context"
	"errors"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// Setting is one stored preference (organization name, default validity, …).
type Setting struct {
	Key       string `gorm:"primaryKey"`
	Value     string
	UpdatedAt time.Time
}

// Setting returns the value stored under key, or def when none is stored.
func (s *Store) Setting(ctx context.Context, key, def string) (string, error) {
	var st Setting
	err := s.rdb.WithContext(ctx).Where("key = ?", key).First(&st).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return def, nil
	}
	if err != nil {
		return def, wrap(err, "read setting "+key)
	}
	return st.Value, nil
}

// SetSetting stores value under key.
func (s *Store) SetSetting(ctx context.Context, key, value string) error {
	err := s.db.WithContext(ctx).Clauses(clause.OnConflict{UpdateAll: true}).
		Create(&Setting{Key: key, Value: value}).Error
	return wrap(err, "save setting "+key)
}
