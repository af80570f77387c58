package screens

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"
)

// NewPlaceholder is a screen that is not built yet: its title and what it will do,
// marked as coming later.
func NewPlaceholder(title, purpose string) fyne.CanvasObject {
	note := &widget.Label{Text: purpose + "\n\nThis screen is not available yet; it comes in a later version of Onboard.",
		Wrapping: fyne.TextWrapWord}
	return container.NewBorder(heading(title), nil, nil, nil, container.NewVBox(note))
}
