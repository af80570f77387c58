package cli

import (
	"context"
	"fmt"

	"onboard/internal/settings"
)

// settingKey finds the setting named name, or returns a usage error listing the known ones.
func settingKey(name string) (settings.Key, error) {
	k, ok := settings.Lookup(name)
	if !ok {
		return k, usagef("unknown setting %q; the settings are %s", name, settings.Names())
	}
	return k, nil
}

func runConfigGet(ctx context.Context, c *call) error {
	pos, err := c.parse("KEY")
	if err != nil {
		return err
	}
	k, err := settingKey(pos[0])
	if err != nil {
		return err
	}
	if err := c.open(); err != nil {
		return err
	}
	v, err := settings.Get(ctx, c.store, k)
	if err != nil {
		return err
	}
	fmt.Fprintln(c.stdout, v)
	return nil
}

func runConfigSet(ctx context.Context, c *call) error {
	pos, err := c.parse("KEY", "VALUE")
	if err != nil {
		return err
	}
	k, err := settingKey(pos[0])
	if err != nil {
		return err
	}
	// Check before opening, so a bad value neither stores nor creates anything.
	if _, err := k.Check(pos[1]); err != nil {
		return err
	}
	if err := c.open(); err != nil {
		return err
	}
	v, err := settings.Set(ctx, c.store, k, pos[1])
	if err != nil {
		return err
	}
	fmt.Fprintf(c.stdout, "%s = %s\n", k.Name, shown(v))
	return nil
}

func runConfigList(ctx context.Context, c *call) error {
	if _, err := c.parse(); err != nil {
		return err
	}
	if err := c.open(); err != nil {
		return err
	}
	for _, k := range settings.All() {
		v, set, err := settings.Stored(ctx, c.store, k)
		if err != nil {
			return err
		}
		note := ""
		switch {
		case k.Secret:
			if v, err = settings.Get(ctx, c.store, k); err != nil {
				return err
			}
			if v == "" {
				note = " (default)"
			}
		case !set:
			v, note = k.Default, " (default)"
		}
		fmt.Fprintf(c.stdout, "%s = %s%s\n    %s\n", k.Name, shown(v), note, k.Help)
	}
	return nil
}

// shown is a value for people: "" for an empty one, so the line does not look cut off.
func shown(v string) string {
	if v == "" {
		return `""`
	}
	return v
}
