package importwizard

import (
	"os"
	"testing"
	"time"

	"onboard/screens/internal/uikit"
	"onboard/screens/internal/uitest"
)

func TestMain(m *testing.M) {
	time.Local = time.UTC // reports show local times
	uikit.OnUI = uitest.Queue
	os.Exit(m.Run())
}
