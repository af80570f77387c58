package uikit

import (
	"slices"
	"strings"

	"fyne.io/fyne/v2/lang"

	"onboard/internal/display"
	"onboard/internal/lifecycle"
	"onboard/resources"
)

// skipReasons are the reasons a bulk action or the letters skip a user (lifecycle's,
// in English for the command line and the log, and NeverInvited), translated where
// shown.
var skipReasons = map[string]string{
	"not activated":                 resources.Mark("not activated"),
	"invited":                       resources.Mark("invited"),
	"expired":                       resources.Mark("expired"),
	"active":                        resources.Mark("active"),
	"deactivated":                   resources.Mark("deactivated"),
	"not deactivated":               resources.Mark("not deactivated"),
	"without an email address":      resources.Mark("without an email address"),
	"the user has no email address": resources.Mark("without an email address"),
	"there is no open invitation":   resources.Mark("no open invitation"),
	"already in that role":          resources.Mark("already in that role"),
	"already in that group":         resources.Mark("already in that group"),
	"deleted meanwhile":             resources.Mark("deleted meanwhile"),
	NeverInvited:                    resources.Mark("never invited"),
	"already active":                resources.Mark("already active"),
	"key expired (renew expired keys to print)": resources.Mark("key expired (renew expired keys to print)"),
	"no registration key (renew keys to print)": resources.Mark("no registration key (renew keys to print)"),
	"already handed out":                        resources.Mark("already handed out"),
	"no registration key":                       resources.Mark("no registration key"),
}

// NeverInvited is the reason a bulk cancel skips a user who was never invited.
const NeverInvited = "never invited"

// SkipSummary is lifecycle.SkipSummary in the window's language, "12 not
// deactivated, 1 without an email address": the reasons by how many users have
// them, most first.
func SkipSummary(skips []lifecycle.Skip) string {
	counts := map[string]int{}
	for _, s := range skips {
		counts[s.Reason]++
	}
	reasons := make([]string, 0, len(counts))
	for r := range counts {
		reasons = append(reasons, r)
	}
	slices.SortFunc(reasons, func(a, b string) int {
		if counts[a] != counts[b] {
			return counts[b] - counts[a]
		}
		return strings.Compare(a, b)
	})
	parts := make([]string, len(reasons))
	for i, r := range reasons {
		parts[i] = display.Count(counts[r]) + " " + SkipReason(r)
	}
	return strings.Join(parts, ", ")
}

// SkipReason is one reason lifecycle gives for skipping a user, in the window's
// language (as it is when unknown).
func SkipReason(reason string) string {
	if l, ok := skipReasons[reason]; ok {
		return lang.L(l)
	}
	return reason
}
