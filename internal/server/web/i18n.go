package web

import (
	"fmt"
	"net/http"

	"golang.org/x/text/language"
)

// The pages' languages; the first is the fallback.
var (
	langTags    = []language.Tag{language.English, language.German}
	langCodes   = []string{"en", "de"}
	langMatcher = language.NewMatcher(langTags)
)

// pickLang chooses the page language: the lang parameter of the query, or of a POST
// form that submit has already parsed (capped, URL-encoded only), when it names a
// supported language, else the best match of Accept-Language, else English. It never
// reads the body itself: r.FormValue would parse any multipart body, unbounded.
func pickLang(r *http.Request) string {
	if l := r.URL.Query().Get("lang"); messages[l] != nil {
		return l
	}
	if l := r.PostForm.Get("lang"); messages[l] != nil {
		return l
	}
	tags, _, err := language.ParseAcceptLanguage(r.Header.Get("Accept-Language"))
	if err != nil || len(tags) == 0 {
		return langCodes[0]
	}
	_, i, conf := langMatcher.Match(tags...)
	if conf == language.No {
		return langCodes[0]
	}
	return langCodes[i]
}

// otherLang is the language the switch link offers.
func otherLang(lang string) string {
	if lang == "de" {
		return "en"
	}
	return "de"
}

// tr returns the message key in lang, formatted with args; a missing key shows as
// "!(key)" so tests catch it.
func tr(lang, key string, args ...any) string {
	s, ok := messages[lang][key]
	if !ok {
		return "!(" + key + ")"
	}
	if len(args) > 0 {
		return fmt.Sprintf(s, args...)
	}
	return s
}

// messages holds every text of the pages by language and key.
var messages = map[string]map[string]string{
	"en": {
		"lang_name":            "English",
		"switch_label":         "Language",
		"register_title":       "Create your account",
		"join_title":           "Join with an invitation",
		"done_title":           "Your account is ready",
		"key_intro_register":   "Enter the registration key from your letter or email.",
		"key_intro_join":       "Enter the invitation key you were given.",
		"key_label_register":   "Registration key",
		"key_label_join":       "Invitation key",
		"key_hint_register":    "25 characters, for example ABCDE-FGHJK-MNPQR-STVWX-YZ012. Spaces, hyphens and upper or lower case do not matter.",
		"key_hint_join":        "10 characters. Spaces, hyphens and upper or lower case do not matter.",
		"continue":             "Continue",
		"bad_key":              "This key cannot be used. It may be mistyped, expired, withdrawn or already used. Please check it, or ask the person who sent it to you for a new one.",
		"key_empty":            "Please enter the key.",
		"key_length":           "The key has %d characters but needs %d. Spaces and hyphens are not counted.",
		"key_char":             "The character “%s” at position %d is not part of any key. Keys use the digits 0–9 and the letters A–Z except U.",
		"key_check":            "The key is mistyped: a character is wrong or two are swapped. Please compare it with your letter or email again.",
		"key_is_invite":        "This is an invitation key, not a personal registration key.",
		"key_is_invite_link":   "Join with this invitation key",
		"key_is_personal":      "This is a personal registration key, not an invitation key.",
		"key_is_personal_link": "Register with this key",
		"register_intro":       "Welcome! Complete your account with %s.",
		"join_intro":           "You are invited to create an account with %s.",
		"invitation":           "Invitation",
		"organization":         "Organization",
		"first_name":           "First name",
		"last_name":            "Last name",
		"names_fixed":          "Your name was entered by your organization and cannot be changed here.",
		"names_editable":       "Please check your name and correct it if needed.",
		"names_missing":        "Please enter your first and last name.",
		"username":             "Username",
		"username_hint":        "Letters, digits, dot, underscore and hyphen; 2 to 64 characters.",
		"email":                "Email address",
		"mobile":               "Mobile number (optional)",
		"mobile_hint":          "For example +49 170 1234567.",
		"password":             "Password",
		"password_hint":        "At least %d characters. Every character is allowed; a phrase of several words is easy to remember and hard to guess.",
		"password_classes":     "It must contain an upper-case letter, a lower-case letter, a digit and a special character.",
		"password2":            "Repeat the password",
		"terms_heading":        "Terms of use",
		"terms_accept":         "I accept the terms of use of %s.",
		"totp_heading":         "Two-factor authentication",
		"totp_intro":           "%s requires a second factor when you sign in. Scan this QR code with an authenticator app (for example Aegis, FreeOTP, Google Authenticator or Microsoft Authenticator), then enter the 6-digit code the app shows.",
		"totp_qr_alt":          "QR code to scan with your authenticator app",
		"totp_secret":          "Cannot scan the code? Enter this key in the app instead:",
		"totp_code":            "Code from the app",
		"submit":               "Create account",
		"required":             "required",
		"fix_errors":           "Your account was not created yet. Please correct the marked fields.",
		"err_required":         "Please fill in this field.",
		"err_too_long":         "Please use at most %d characters.",
		"err_control":          "Line breaks and control characters are not allowed.",
		"err_username_short":   "The username needs at least 2 characters.",
		"err_username_chars":   "Only letters, digits, “.”, “_” and “-” are allowed, not “%s”.",
		"err_email":            "This is not a valid email address. Please enter it as name@example.org.",
		"err_email_ascii":      "Mail cannot be delivered to addresses with letters such as é or ü. Please use another address, or write an international domain in its xn-- form.",
		"err_mobile_chars":     "Only digits, spaces and + - ( ) / . are allowed, not “%s”.",
		"err_mobile_digits":    "A mobile number has 5 to 20 digits.",
		"err_pw_short":         "The password needs at least %d characters.",
		"err_pw_long":          "The password is too long: at most 1024 bytes are allowed.",
		"err_pw_common":        "This password is too common or too easy to guess. Please choose another one.",
		"err_pw_personal":      "The password must not be your name, username, email address or the organization's name.",
		"err_pw_classes":       "The password needs an upper-case letter, a lower-case letter, a digit and a special character.",
		"err_pw_mismatch":      "The two passwords are not the same.",
		"err_terms":            "Please accept the terms of use to continue.",
		"err_totp_missing":     "Please enter the 6-digit code from your app.",
		"err_totp_wrong":       "This code is not correct. Enter the code the app shows now; if it still fails, check that the time on your phone is right.",
		"err_totp_reset":       "The two-factor setup was lost. Please scan the new QR code and enter the code.",
		"err_taken_username":   "This username is already taken. Please choose another one.",
		"err_taken_email":      "This email address already belongs to another account.",
		"err_taken":            "Some of your details are already used by another account.",
		"done_welcome":         "Welcome, %s! Your account with %s is active.",
		"done_welcome_anon":    "Welcome! Your account with %s is active.",
		"done_username":        "Your username",
		"done_totp":            "When you sign in, you will also need the code from your authenticator app.",
		"done_close":           "You can close this page now.",
		"csrf":                 "This form has expired or was sent from another site. Please reload the page and try again.",
		"rate_limited":         "Too many attempts. Please wait a few minutes and try again.",
		"server_error":         "Something went wrong on our side. Please try again later.",
		"bad_request":          "The form could not be read. Please reload the page and try again.",
		"too_large":            "The form is too large to be read. Please reload the page and try again.",
		"bad_type":             "The form must be sent as an ordinary web form. Please reload the page and try again.",

		"err_username_scripts": "This username mixes letters of different alphabets, such as Latin and Cyrillic letters that look alike. Please use the letters of one alphabet.",
		"err_username_invalid": "This username cannot be used: it mixes writing directions or contains characters that are not allowed.",
		"err_pw_control":       "The password must not contain control characters such as NUL, tabs or line breaks. Please type it without them.",
		"busy":                 "The server is busy, please try again in a moment. Your account was not created yet and your key is still valid: enter the password again below and send the form once more.",

		"choice_legend":           "Two-factor authentication",
		"choice_intro":            "%s requires a second factor when you sign in. Choose one:",
		"choice_app":              "Authenticator app",
		"choice_email":            "Code by email",
		"totp_intro_choice":       "Scan this QR code with an authenticator app (for example Aegis, FreeOTP, Google Authenticator or Microsoft Authenticator), then enter the 6-digit code the app shows.",
		"code_intro":              "%s requires a second factor: a code sent to your email address. Enter your address above, press “Send code” and type the code from the email.",
		"code_intro_choice":       "Enter your email address above, press “Send code” and type the code from the email.",
		"code_unavailable":        "Codes by email cannot be sent at the moment, so your account cannot be created yet. Please try again later or contact your organization.",
		"code_choice_unavailable": "Codes by email cannot be sent at the moment; please use an authenticator app.",
		"code_send":               "Send code",
		"code_resend":             "Send a new code",
		"code_sent":               "We sent a code to %s. It is valid for 10 minutes. Please enter your password again.",
		"code_send_failed":        "The code could not be sent. Please check your email address and try again in a few minutes.",
		"code_rate_limited":       "Too many codes were sent. Please wait a few minutes and try again.",
		"email_code":              "Code from the email",
		"email_code_hint":         "6 digits.",
		"err_code_missing":        "Please send yourself a code and enter it here.",
		"err_code_none":           "No code was sent to this address yet. Press “Send code”.",
		"err_code_email_changed":  "The code was sent to %s. You changed the address: send a new code to the new one.",
		"err_code_wrong":          "This code is not correct. Tries left: %d.",
		"err_code_locked":         "Too many wrong codes. Send a new one.",
		"err_code_expired":        "The code has expired. Send a new one.",
		"err_code_used":           "This code was already used. Send a new one.",
		"code_mail_subject":       "Your code for %s",
		"code_mail_text":          "Your code to finish your registration with %s:\n\n    %s\n\nThe code is valid for 10 minutes. If you did not ask for it, you can ignore this email.\n",
	},
	"de": {
		"lang_name":            "Deutsch",
		"switch_label":         "Sprache",
		"register_title":       "Konto einrichten",
		"join_title":           "Mit einer Einladung beitreten",
		"done_title":           "Ihr Konto ist eingerichtet",
		"key_intro_register":   "Geben Sie den Registrierungsschlüssel aus Ihrem Brief oder Ihrer E-Mail ein.",
		"key_intro_join":       "Geben Sie den Einladungsschlüssel ein, den Sie erhalten haben.",
		"key_label_register":   "Registrierungsschlüssel",
		"key_label_join":       "Einladungsschlüssel",
		"key_hint_register":    "25 Zeichen, zum Beispiel ABCDE-FGHJK-MNPQR-STVWX-YZ012. Leerzeichen, Bindestriche sowie Groß- und Kleinschreibung spielen keine Rolle.",
		"key_hint_join":        "10 Zeichen. Leerzeichen, Bindestriche sowie Groß- und Kleinschreibung spielen keine Rolle.",
		"continue":             "Weiter",
		"bad_key":              "Dieser Schlüssel kann nicht verwendet werden. Vielleicht ist er falsch eingegeben, abgelaufen, zurückgezogen oder schon benutzt. Bitte prüfen Sie ihn oder bitten Sie die Person, die ihn Ihnen geschickt hat, um einen neuen.",
		"key_empty":            "Bitte geben Sie den Schlüssel ein.",
		"key_length":           "Der Schlüssel hat %d Zeichen, nötig sind %d. Leerzeichen und Bindestriche zählen nicht mit.",
		"key_char":             "Das Zeichen „%s“ an Stelle %d kommt in Schlüsseln nicht vor. Schlüssel bestehen aus den Ziffern 0–9 und den Buchstaben A–Z außer U.",
		"key_check":            "Der Schlüssel ist falsch eingegeben: Ein Zeichen stimmt nicht oder zwei sind vertauscht. Bitte vergleichen Sie ihn noch einmal mit Ihrem Brief oder Ihrer E-Mail.",
		"key_is_invite":        "Das ist ein Einladungsschlüssel, kein persönlicher Registrierungsschlüssel.",
		"key_is_invite_link":   "Mit diesem Einladungsschlüssel beitreten",
		"key_is_personal":      "Das ist ein persönlicher Registrierungsschlüssel, kein Einladungsschlüssel.",
		"key_is_personal_link": "Mit diesem Schlüssel registrieren",
		"register_intro":       "Willkommen! Vervollständigen Sie Ihr Konto bei %s.",
		"join_intro":           "Sie sind eingeladen, ein Konto bei %s anzulegen.",
		"invitation":           "Einladung",
		"organization":         "Organisation",
		"first_name":           "Vorname",
		"last_name":            "Nachname",
		"names_fixed":          "Ihr Name wurde von Ihrer Organisation eingetragen und kann hier nicht geändert werden.",
		"names_editable":       "Bitte prüfen Sie Ihren Namen und korrigieren Sie ihn bei Bedarf.",
		"names_missing":        "Bitte geben Sie Ihren Vor- und Nachnamen ein.",
		"username":             "Benutzername",
		"username_hint":        "Buchstaben, Ziffern, Punkt, Unterstrich und Bindestrich; 2 bis 64 Zeichen.",
		"email":                "E-Mail-Adresse",
		"mobile":               "Mobilnummer (freiwillig)",
		"mobile_hint":          "Zum Beispiel +49 170 1234567.",
		"password":             "Passwort",
		"password_hint":        "Mindestens %d Zeichen. Alle Zeichen sind erlaubt; ein Satz aus mehreren Wörtern ist leicht zu merken und schwer zu erraten.",
		"password_classes":     "Es muss einen Großbuchstaben, einen Kleinbuchstaben, eine Ziffer und ein Sonderzeichen enthalten.",
		"password2":            "Passwort wiederholen",
		"terms_heading":        "Nutzungsbedingungen",
		"terms_accept":         "Ich akzeptiere die Nutzungsbedingungen von %s.",
		"totp_heading":         "Zwei-Faktor-Authentifizierung",
		"totp_intro":           "%s verlangt bei der Anmeldung einen zweiten Faktor. Scannen Sie diesen QR-Code mit einer Authenticator-App (etwa Aegis, FreeOTP, Google Authenticator oder Microsoft Authenticator) und geben Sie dann den 6-stelligen Code ein, den die App anzeigt.",
		"totp_qr_alt":          "QR-Code zum Scannen mit Ihrer Authenticator-App",
		"totp_secret":          "Scannen klappt nicht? Geben Sie stattdessen diesen Schlüssel in der App ein:",
		"totp_code":            "Code aus der App",
		"submit":               "Konto anlegen",
		"required":             "Pflichtfeld",
		"fix_errors":           "Ihr Konto wurde noch nicht angelegt. Bitte korrigieren Sie die markierten Felder.",
		"err_required":         "Bitte füllen Sie dieses Feld aus.",
		"err_too_long":         "Bitte verwenden Sie höchstens %d Zeichen.",
		"err_control":          "Zeilenumbrüche und Steuerzeichen sind nicht erlaubt.",
		"err_username_short":   "Der Benutzername braucht mindestens 2 Zeichen.",
		"err_username_chars":   "Erlaubt sind nur Buchstaben, Ziffern, „.“, „_“ und „-“, nicht „%s“.",
		"err_email":            "Das ist keine gültige E-Mail-Adresse. Bitte geben Sie sie in der Form name@example.org ein.",
		"err_email_ascii":      "An Adressen mit Buchstaben wie é oder ü kann keine E-Mail zugestellt werden. Bitte verwenden Sie eine andere Adresse oder schreiben Sie eine internationale Domain in ihrer Form mit „xn--“.",
		"err_mobile_chars":     "Erlaubt sind nur Ziffern, Leerzeichen und + - ( ) / ., nicht „%s“.",
		"err_mobile_digits":    "Eine Mobilnummer hat 5 bis 20 Ziffern.",
		"err_pw_short":         "Das Passwort braucht mindestens %d Zeichen.",
		"err_pw_long":          "Das Passwort ist zu lang: Erlaubt sind höchstens 1024 Byte.",
		"err_pw_common":        "Dieses Passwort ist zu verbreitet oder zu leicht zu erraten. Bitte wählen Sie ein anderes.",
		"err_pw_personal":      "Das Passwort darf nicht Ihr Name, Benutzername, Ihre E-Mail-Adresse oder der Name der Organisation sein.",
		"err_pw_classes":       "Das Passwort braucht einen Großbuchstaben, einen Kleinbuchstaben, eine Ziffer und ein Sonderzeichen.",
		"err_pw_mismatch":      "Die beiden Passwörter stimmen nicht überein.",
		"err_terms":            "Bitte akzeptieren Sie die Nutzungsbedingungen, um fortzufahren.",
		"err_totp_missing":     "Bitte geben Sie den 6-stelligen Code aus Ihrer App ein.",
		"err_totp_wrong":       "Dieser Code stimmt nicht. Geben Sie den Code ein, den die App gerade anzeigt; klappt es weiterhin nicht, prüfen Sie die Uhrzeit Ihres Telefons.",
		"err_totp_reset":       "Die Einrichtung des zweiten Faktors ging verloren. Bitte scannen Sie den neuen QR-Code und geben Sie den Code ein.",
		"err_taken_username":   "Dieser Benutzername ist schon vergeben. Bitte wählen Sie einen anderen.",
		"err_taken_email":      "Diese E-Mail-Adresse gehört schon zu einem anderen Konto.",
		"err_taken":            "Einige Ihrer Angaben werden schon von einem anderen Konto verwendet.",
		"done_welcome":         "Willkommen, %s! Ihr Konto bei %s ist aktiv.",
		"done_welcome_anon":    "Willkommen! Ihr Konto bei %s ist aktiv.",
		"done_username":        "Ihr Benutzername",
		"done_totp":            "Bei der Anmeldung brauchen Sie außerdem den Code aus Ihrer Authenticator-App.",
		"done_close":           "Sie können diese Seite jetzt schließen.",
		"csrf":                 "Dieses Formular ist abgelaufen oder wurde von einer anderen Website gesendet. Bitte laden Sie die Seite neu und versuchen Sie es noch einmal.",
		"rate_limited":         "Zu viele Versuche. Bitte warten Sie einige Minuten und versuchen Sie es dann noch einmal.",
		"server_error":         "Bei uns ist etwas schiefgegangen. Bitte versuchen Sie es später noch einmal.",
		"bad_request":          "Das Formular konnte nicht gelesen werden. Bitte laden Sie die Seite neu und versuchen Sie es noch einmal.",
		"too_large":            "Das Formular ist zu groß, um gelesen zu werden. Bitte laden Sie die Seite neu und versuchen Sie es noch einmal.",
		"bad_type":             "Das Formular muss als gewöhnliches Webformular gesendet werden. Bitte laden Sie die Seite neu und versuchen Sie es noch einmal.",

		"err_username_scripts": "Dieser Benutzername mischt Buchstaben verschiedener Schriften, etwa lateinische und gleich aussehende kyrillische. Bitte verwenden Sie die Buchstaben einer einzigen Schrift.",
		"err_username_invalid": "Dieser Benutzername kann nicht verwendet werden: Er mischt Schreibrichtungen oder enthält nicht erlaubte Zeichen.",
		"err_pw_control":       "Das Passwort darf keine Steuerzeichen wie NUL, Tabulatoren oder Zeilenumbrüche enthalten. Bitte geben Sie es ohne sie ein.",
		"busy":                 "Der Server ist gerade ausgelastet, bitte versuchen Sie es gleich noch einmal. Ihr Konto wurde noch nicht angelegt und Ihr Schlüssel ist weiter gültig: Geben Sie unten das Passwort noch einmal ein und senden Sie das Formular erneut.",

		"choice_legend":           "Zwei-Faktor-Authentifizierung",
		"choice_intro":            "%s verlangt bei der Anmeldung einen zweiten Faktor. Wählen Sie einen:",
		"choice_app":              "Authenticator-App",
		"choice_email":            "Code per E-Mail",
		"totp_intro_choice":       "Scannen Sie diesen QR-Code mit einer Authenticator-App (etwa Aegis, FreeOTP, Google Authenticator oder Microsoft Authenticator) und geben Sie dann den 6-stelligen Code ein, den die App anzeigt.",
		"code_intro":              "%s verlangt einen zweiten Faktor: einen Code an Ihre E-Mail-Adresse. Geben Sie oben Ihre Adresse ein, klicken Sie auf „Code senden“ und tippen Sie den Code aus der E-Mail ein.",
		"code_intro_choice":       "Geben Sie oben Ihre E-Mail-Adresse ein, klicken Sie auf „Code senden“ und tippen Sie den Code aus der E-Mail ein.",
		"code_unavailable":        "Codes per E-Mail können gerade nicht gesendet werden, daher kann Ihr Konto noch nicht angelegt werden. Bitte versuchen Sie es später noch einmal oder wenden Sie sich an Ihre Organisation.",
		"code_choice_unavailable": "Codes per E-Mail können gerade nicht gesendet werden; bitte verwenden Sie eine Authenticator-App.",
		"code_send":               "Code senden",
		"code_resend":             "Neuen Code senden",
		"code_sent":               "Wir haben einen Code an %s gesendet. Er ist 10 Minuten gültig. Bitte geben Sie Ihr Passwort noch einmal ein.",
		"code_send_failed":        "Der Code konnte nicht gesendet werden. Bitte prüfen Sie Ihre E-Mail-Adresse und versuchen Sie es in einigen Minuten noch einmal.",
		"code_rate_limited":       "Es wurden zu viele Codes gesendet. Bitte warten Sie einige Minuten und versuchen Sie es dann noch einmal.",
		"email_code":              "Code aus der E-Mail",
		"email_code_hint":         "6 Ziffern.",
		"err_code_missing":        "Bitte senden Sie sich einen Code und geben Sie ihn hier ein.",
		"err_code_none":           "An diese Adresse wurde noch kein Code gesendet. Klicken Sie auf „Code senden“.",
		"err_code_email_changed":  "Der Code ging an %s. Sie haben die Adresse geändert: Senden Sie einen neuen Code an die neue Adresse.",
		"err_code_wrong":          "Dieser Code stimmt nicht. Verbleibende Versuche: %d.",
		"err_code_locked":         "Zu viele falsche Codes. Senden Sie einen neuen.",
		"err_code_expired":        "Der Code ist abgelaufen. Senden Sie einen neuen.",
		"err_code_used":           "Dieser Code wurde schon verwendet. Senden Sie einen neuen.",
		"code_mail_subject":       "Ihr Code für %s",
		"code_mail_text":          "Ihr Code, um Ihre Registrierung bei %s abzuschließen:\n\n    %s\n\nDer Code ist 10 Minuten gültig. Wenn Sie ihn nicht angefordert haben, können Sie diese E-Mail ignorieren.\n",
	},
}
