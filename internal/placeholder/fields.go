package placeholder

// Fields are the values the Common placeholders stand for in a text addressed to
// one person: letters.Fields is this type, mail.Fields adds {invitation_text}.
type Fields struct {
	FirstName, LastName, Username, Key, ValidUntil, URL, Organization string
}

// Value returns the value of placeholder name in a text of language lang:
// {greeting} is Greet of the names, the other Common placeholders are the fields
// of their name. Any other name gives "".
func (f Fields) Value(lang, name string) string {
	switch name {
	case Greeting:
		return Greet(lang, f.FirstName, f.LastName)
	case FirstName:
		return f.FirstName
	case LastName:
		return f.LastName
	case "username":
		return f.Username
	case "key":
		return f.Key
	case "valid_until":
		return f.ValidUntil
	case "url":
		return f.URL
	case "organization":
		return f.Organization
	}
	return ""
}
