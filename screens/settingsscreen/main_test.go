package settingsscreen

import (
	"testing"

	"onboard/screens/internal/uikit"
	"onboard/screens/internal/uitest"
)

func TestMain(m *testing.M) { uitest.RunMain(m, &uikit.OnUI) }
