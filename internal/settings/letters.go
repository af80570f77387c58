package settings

import (
	"context"
	"encoding/json"
	"fmt"

	"onboard/internal/letters"
	"onboard/internal/sheets"
)

// letterTemplateKey stores the letter template edited on the Letters screen, as
// JSON. It is not in the registry: its value is edited as a whole, not typed.
const letterTemplateKey = "letters.template"

// LetterTemplate returns the saved letter template, or the default in the language
// of org.language when none is saved.
func LetterTemplate(ctx context.Context, st Store) (letters.Template, error) {
	raw, err := st.Setting(ctx, letterTemplateKey, "")
	def := letters.DefaultTemplate(defaultLanguage(ctx, st))
	if err != nil || raw == "" {
		return def, err
	}
	var t letters.Template
	if err := json.Unmarshal([]byte(raw), &t); err != nil {
		return def, fmt.Errorf("%s: the saved template is damaged: %w", letterTemplateKey, err)
	}
	return t, nil
}

// SaveLetterTemplate checks and saves the letter template.
func SaveLetterTemplate(ctx context.Context, st Store, t letters.Template) error {
	if err := t.Check(); err != nil {
		return fmt.Errorf("template %w", err)
	}
	b, err := json.Marshal(t)
	if err != nil {
		return err
	}
	return st.SetSetting(ctx, letterTemplateKey, string(b))
}

// LetterOptions collects what letters need from the settings: the saved template,
// paper, organization name, logo and registration address.
func LetterOptions(ctx context.Context, st Store) (letters.Options, error) {
	var o letters.Options
	var err error
	if o.Template, err = LetterTemplate(ctx, st); err != nil {
		return o, err
	}
	values := map[*Key]*string{&OrgName: &o.Organization, &OrgLogo: &o.LogoFile}
	for k, dst := range values {
		if *dst, err = Get(ctx, st, *k); err != nil {
			return o, err
		}
	}
	if o.RegistrationURL, err = RegistrationAddress(ctx, st); err != nil {
		return o, err
	}
	o.Paper, err = paper(ctx, st)
	return o, err
}

// paper is the letters.paper setting.
func paper(ctx context.Context, st Store) (letters.Paper, error) {
	v, err := Get(ctx, st, LettersPaper)
	if err != nil {
		return "", err
	}
	p, err := letters.ParsePaper(v)
	if err != nil {
		return "", &Error{Key: LettersPaper.Name, Err: err}
	}
	return p, nil
}

// SheetOptions collects what class sheets need from the settings: the letters'
// paper, org.language and the organization's name (Printed stays to be set).
func SheetOptions(ctx context.Context, st Store) (sheets.Options, error) {
	var o sheets.Options
	var err error
	if o.Paper, err = paper(ctx, st); err != nil {
		return o, err
	}
	if o.Language, err = Get(ctx, st, Language); err != nil {
		return o, err
	}
	o.Organization, err = Get(ctx, st, OrgName)
	return o, err
}
