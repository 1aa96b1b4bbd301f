package tvauth

import (
	"errors"
	"slices"
)

// Documented AGS sign-in error codes (AGSError.Code), all sent with HTTP 403. NAGRA's reference app
// shows "… Please contact the operator. (<code>)" for them; when 20001–20004 arrive during playback
// the app must stop the session and sign the user out (see AGSSessionEnded).
const (
	AGSCodeAccountCancelled             = "20001" // account cancelled by the operator (reversible)
	AGSCodeAccountSuspended             = "20002" // account suspended by the operator (reversible)
	AGSCodeDeviceDeleted                = "20003" // device deleted or unknown: sign on with DeviceInformation again
	AGSCodeDeviceDisabled               = "20004" // device disabled
	AGSCodeDeviceLimitReached           = "20007" // the account has its maximum number of devices
	AGSCodeProxyOrVPN                   = "20018" // a proxy or VPN was detected (VPN blocking)
	AGSCodeBlacklistedLocation          = "20019" // geo-blocking: blacklisted location
	AGSCodeTokenValidityCheckFailed     = "20020" // token validity check failed
	AGSCodeRestrictedProxyFirstSignOn   = "20021" // first sign-on through a restricted proxy
	AGSCodeRestrictedCountryFirstSignOn = "20022" // first sign-on from a restricted country
	AGSCodeGeoFiltered                  = "20066" // geo-filtered location
)

// IsAGSCode reports whether err is (or wraps) an *AGSError whose Code is one of codes.
func IsAGSCode(err error, codes ...string) bool {
	var ae *AGSError
	return errors.As(err, &ae) && slices.Contains(codes, ae.Code)
}

// AGSSessionEnded reports whether err says the account or device is gone (20001–20004): stop playback
// and sign the user out.
func AGSSessionEnded(err error) bool {
	return IsAGSCode(err, AGSCodeAccountCancelled, AGSCodeAccountSuspended, AGSCodeDeviceDeleted, AGSCodeDeviceDisabled)
}

// AGSGeoBlocked reports whether err is one of the location refusals (proxy/VPN, blacklisted or
// filtered location, restricted first sign-on).
func AGSGeoBlocked(err error) bool {
	return IsAGSCode(err, AGSCodeProxyOrVPN, AGSCodeBlacklistedLocation, AGSCodeRestrictedProxyFirstSignOn,
		AGSCodeRestrictedCountryFirstSignOn, AGSCodeGeoFiltered)
}
