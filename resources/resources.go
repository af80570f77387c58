// Package resources holds the files bundled into the Onboard binary.
package resources

import _ "embed"

// IconPNG is the application icon.
//
//go:embed icon.png
var IconPNG []byte
