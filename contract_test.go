package tvauth_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"time"

	"github.com/tvauth/tvauth"
	"github.com/tvauth/tvauth/tvauthtest"
	"golang.org/x/oauth2"
)

// The public API contract (shared/API.md), written out as typed assignments: code outside the project
// compiles against exactly these names and signatures, so a drift fails the build of the tests.
var (
	_ func(...tvauth.Option) (*tvauth.Client, error) = tvauth.New
	_ *tvauth.PassService                            = (&tvauth.Client{}).Pass
	_ *tvauth.ClientlessService                      = (&tvauth.Client{}).Clientless
	_ *tvauth.WebAPIService                          = (&tvauth.Client{}).WebAPI
	_ *tvauth.AGSService                             = (&tvauth.Client{}).AGS

	_ func(*http.Client) tvauth.Option                                                                         = tvauth.WithHTTPClient
	_ func(string) tvauth.Option                                                                               = tvauth.WithPassURL
	_ func(string) tvauth.Option                                                                               = tvauth.WithClientlessURL
	_ func(string) tvauth.Option                                                                               = tvauth.WithWebAPIURL
	_ func(string) tvauth.Option                                                                               = tvauth.WithAGSURL
	_ func(tvauth.RetryPolicy) tvauth.Option                                                                   = tvauth.WithRetry
	_ func(*slog.Logger) tvauth.Option                                                                         = tvauth.WithLogger
	_ func(string) tvauth.Option                                                                               = tvauth.WithUserAgent
	_ func(tvauth.Device) tvauth.Option                                                                        = tvauth.WithDevice
	_ func(oauth2.TokenSource) tvauth.Option                                                                   = tvauth.WithPassTokenSource
	_ func(string) tvauth.Option                                                                               = tvauth.WithWebAPIDevID
	_ func(string) tvauth.Option                                                                               = tvauth.WithAGSTenant
	_ func(string) tvauth.Option                                                                               = tvauth.WithAGSAuthService
	_                                                                                                          = tvauth.RetryPolicy{MaxRetries: 1, MinWait: time.Second, MaxWait: time.Second}
	_ func(tvauth.Device) string                                                                               = tvauth.Device.Identifier
	_ func(tvauth.DeviceInfo) (string, error)                                                                  = tvauth.DeviceInfo.Encode
	_                                                                                                          = tvauth.Device{ID: "", Info: tvauth.DeviceInfo{}, ForwardedFor: ""}
	_                                                                                                          = tvauth.DeviceInfo{PrimaryHardwareType: "", Model: "", Version: "", Manufacturer: "", Vendor: "", OSName: "", OSFamily: "", OSVendor: "", OSVersion: "", BrowserName: "", BrowserVendor: "", BrowserVersion: "", UserAgent: "", DisplayWidth: 0, DisplayHeight: 0, DisplayPPI: 0, DiagonalScreenSize: "", ConnectionIP: "", ConnectionPort: 0, ConnectionType: "", ConnectionSecure: nil, ApplicationID: ""}
	_ func(*tvauth.PassService, context.Context, tvauth.Secret) (*tvauth.ClientCredentials, error)             = (*tvauth.PassService).Register
	_ func(*tvauth.PassService, tvauth.ClientCredentials) oauth2.TokenSource                                   = (*tvauth.PassService).TokenSource
	_ func(*tvauth.PassService, context.Context, tvauth.LogoutRequest) (*tvauth.LogoutResult, error)           = (*tvauth.PassService).Logout
	_                                                                                                          = tvauth.ClientCredentials{ClientID: "", ClientSecret: ""}
	_                                                                                                          = tvauth.LogoutRequest{ServiceProvider: "", MVPD: "", RedirectURL: "", Device: nil}
	_                                                                                                          = tvauth.LogoutResult{Actions: []tvauth.LogoutAction{{MVPD: "", Name: tvauth.ActionLogout, Type: tvauth.ActionTypeInteractive, URL: (*url.URL)(nil)}}}
	_ func(tvauth.LogoutAction) bool                                                                           = tvauth.LogoutAction.NeedsUserAgent
	_                                                                                                          = []tvauth.ActionName{tvauth.ActionLogout, tvauth.ActionPartnerLogout, tvauth.ActionComplete, tvauth.ActionInvalid, tvauth.ActionAuthenticate, tvauth.ActionResume, tvauth.ActionAuthorize, tvauth.ActionRetry}
	_                                                                                                          = []tvauth.ActionType{tvauth.ActionTypeInteractive, tvauth.ActionTypePartnerInteractive, tvauth.ActionTypeDirect, tvauth.ActionTypeNone}
	_                                                                                                          = tvauth.AuthenticateRequest{RequestorID: "", MSOID: "", RegCode: "", DomainName: "", RedirectURL: "", GenericData: "", Extra: url.Values{}}
	_ func(*tvauth.ClientlessService, tvauth.AuthenticateRequest) (string, error)                              = (*tvauth.ClientlessService).AuthenticateURL
	_ func(*tvauth.ClientlessService, context.Context, tvauth.AuthenticateRequest) (*url.URL, error)           = (*tvauth.ClientlessService).Authenticate
	_                                                                                                          = tvauth.ClientLoginRequest{LoginID: "", Password: "", TokenType: "", Language: "", ClientName: "", ClientVersion: "", RequestID: ""}
	_                                                                                                          = tvauth.WebAPISession{LoginID: "", Token: "", ExpiresIn: 0, SessionSecret: "", SessionKey: "", HostTime: time.Time{}, ReceivedAt: time.Time{}}
	_ func(*tvauth.WebAPIService, context.Context, tvauth.ClientLoginRequest) (*tvauth.WebAPISession, error)   = (*tvauth.WebAPIService).ClientLogin
	_                                                                                                          = []tvauth.Format{tvauth.FormatJSON, tvauth.FormatXML, tvauth.FormatQS}
	_                                                                                                          = tvauth.WebAPILogoutRequest{Session: nil, Format: "", Method: "", LoginID: "", Language: "", Callback: "", RequestID: ""}
	_                                                                                                          = tvauth.WebAPIResponse{StatusCode: 0, StatusText: "", StatusDetailCode: 0, RequestID: ""}
	_ func(*tvauth.WebAPIService, context.Context, tvauth.WebAPILogoutRequest) (*tvauth.WebAPIResponse, error) = (*tvauth.WebAPIService).Logout
	_ func(tvauth.Secret, tvauth.Secret) tvauth.Secret                                                         = tvauth.SessionKey
	_ func(string, string, url.Values) (string, error)                                                         = tvauth.SignatureBaseString
	_ func(string, string, url.Values, tvauth.Secret) (string, error)                                          = tvauth.Sign

	_                                                                                                         = tvauth.Parameter{Name: "", Value: ""}
	_                                                                                                         = tvauth.SignOnRequest{Parameters: nil, ClientID: "", DeviceInformation: json.RawMessage(nil), AuthService: "", CorrelationID: ""}
	_                                                                                                         = tvauth.Tokens{AccessToken: "", RefreshToken: "", ClientID: "", AccountID: "", TokenType: "", ExpiresIn: 0, RefreshExpiresIn: 0, FixedRefreshExpiresIn: 0}
	_ func(*tvauth.Tokens) *oauth2.Token                                                                      = (*tvauth.Tokens).OAuth2
	_                                                                                                         = tvauth.Account{UserAccountToken: "", AccountInformation: "", Raw: json.RawMessage(nil)}
	_                                                                                                         = tvauth.SignOnResult{Tokens: (*tvauth.Tokens)(nil), Accounts: []tvauth.Account(nil)}
	_                                                                                                         = tvauth.ServiceDiscovery{AvailableServices: []tvauth.AuthService{{AuthServiceName: "", DisplayAttributes: struct{ Logo, Name string }{}, Endpoints: []tvauth.Endpoint{{Name: "", Path: "", ParameterProperties: []tvauth.ParameterProperty{{Name: "", Mandatory: false, IsPassword: false}}}}}}}
	_ func(*tvauth.AGSService, context.Context) (*tvauth.ServiceDiscovery, error)                             = (*tvauth.AGSService).ServiceDiscovery
	_ func(*tvauth.AGSService, context.Context, tvauth.SignOnRequest) (*tvauth.SignOnResult, error)           = (*tvauth.AGSService).SignOn
	_ func(*tvauth.AGSService, context.Context, tvauth.Account, tvauth.SignOnRequest) (*tvauth.Tokens, error) = (*tvauth.AGSService).SubsequentSignOn
	_ func(*tvauth.AGSService, context.Context, tvauth.Secret, tvauth.SignOnRequest) (*tvauth.Tokens, error)  = (*tvauth.AGSService).Refresh
	_ func(*tvauth.AGSService, context.Context, tvauth.Secret, tvauth.SignOnRequest) error                    = (*tvauth.AGSService).SignOut

	_       = []error{tvauth.ErrInvalidRequest, tvauth.ErrUnauthorized, tvauth.ErrRateLimited, tvauth.ErrNotConfigured}
	_       = tvauth.PassError{HTTPStatus: 0, Action: "", Code: "", Message: "", Details: "", HelpURL: "", Trace: "", Status: 0, RetryAfter: 0}
	_       = tvauth.WebAPIError{HTTPStatus: 0, StatusCode: 0, StatusDetailCode: 0, StatusText: "", RequestID: "", Challenge: (*tvauth.Challenge)(nil)}
	_       = tvauth.AGSError{HTTPStatus: 0, Code: "", Message: ""}
	_       = tvauth.ValidationError{Field: "", Reason: ""}
	_ error = (*tvauth.PassError)(nil)
	_ error = (*tvauth.WebAPIError)(nil)
	_ error = (*tvauth.AGSError)(nil)
	_ error = (*tvauth.ValidationError)(nil)

	// Secret masks itself wherever fmt, slog and encoding/json reach it, and refuses its masked form
	// when read back.
	_ interface {
		fmt.Stringer
		fmt.GoStringer
		fmt.Formatter
		slog.LogValuer
		json.Marshaler
	} = tvauth.Secret("")
	_ json.Unmarshaler = (*tvauth.Secret)(nil)
	// The secret-holding types the API hands out by pointer format themselves (fmt prints a pointer
	// met inside a struct under %s without its pointee's fields' methods otherwise).
	_ []fmt.Formatter = []fmt.Formatter{tvauth.ClientCredentials{}, tvauth.WebAPISession{}, tvauth.Tokens{}}

	// The fake.
	_ func() *tvauthtest.Server                          = tvauthtest.NewServer
	_ func(*tvauthtest.Server) string                    = (*tvauthtest.Server).URL
	_ func(*tvauthtest.Server)                           = (*tvauthtest.Server).Close
	_ func(*tvauthtest.Server) []tvauth.Option           = (*tvauthtest.Server).Options
	_ func(*tvauthtest.Server) *tvauth.Client            = (*tvauthtest.Server).Client
	_ func(*tvauthtest.Server) tvauth.Secret             = (*tvauthtest.Server).SoftwareStatement
	_ func(*tvauthtest.Server, string, bool)             = (*tvauthtest.Server).AddMVPD
	_ func(*tvauthtest.Server, string, string)           = (*tvauthtest.Server).AddWebAPIUser
	_ func(*tvauthtest.Server, string, ...string)        = (*tvauthtest.Server).AddAGSUser
	_ func(*tvauthtest.Server, string, string, int, int) = (*tvauthtest.Server).FailNext
	_ http.Handler                                       = (*tvauthtest.Server)(nil)
)
