package activityscreen

import (
	"os"
	"testing"
	"time"

	"onboard/screens/internal/uikit"
	"onboard/screens/internal/uitest"
)

func TestMain(m *testing.M) {
	time.Local = time.UTC // dates shown and entered are local times
	uikit.OnUI = uitest.Queue
	os.Exit(m.Run())
}
