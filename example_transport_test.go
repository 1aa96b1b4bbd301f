package tvauth_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/tvauth/tvauth"
)

// A program that builds a client per job (a worker, a command) releases the job's pooled connections
// when the job ends, instead of leaving them open until the idle timeout.
func ExampleClient_CloseIdleConnections() {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `{"availableServices":[{"authServiceName":"4iGSSO"}]}`)
	}))
	defer srv.Close()

	for job := range 2 {
		client, err := tvauth.New(tvauth.WithAGSURL(srv.URL + "/ags"))
		if err != nil {
			fmt.Println(err)
			return
		}
		d, err := client.AGS.ServiceDiscovery(context.Background())
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Println("job", job, "found", d.AvailableServices[0].AuthServiceName)
		client.CloseIdleConnections()
	}
	// Output:
	// job 0 found 4iGSSO
	// job 1 found 4iGSSO
}

// The SDK's transport bounds each phase of an attempt (by default 10 s to connect, 10 s for the TLS
// handshake, 30 s for the reply's headers and 30 s for its body), so a call made without a deadline
// still ends when a server stops answering. Here a server that never answers, and a 50 ms header
// timeout.
func ExampleWithTransportTimeouts() {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}))
	defer srv.Close()
	defer close(release)

	client, err := tvauth.New(
		tvauth.WithAGSURL(srv.URL+"/ags"),
		tvauth.WithRetry(tvauth.RetryPolicy{MaxRetries: 0}),
		tvauth.WithTransportTimeouts(tvauth.TransportTimeouts{ResponseHeader: 50 * time.Millisecond}),
	)
	if err != nil {
		fmt.Println(err)
		return
	}
	_, err = client.AGS.ServiceDiscovery(context.Background())
	var ne net.Error
	fmt.Println("timed out:", errors.As(err, &ne) && ne.Timeout())
	// Output:
	// timed out: true
}

// A server that sends its headers and then stalls: the body limit (DefaultResponseBodyTimeout, 30 s)
// ends the call, here after 50 ms. It applies to every transport but WithHTTPClient's.
func ExampleWithTransportTimeouts_responseBody() {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusOK)
		fmt.Fprint(w, `{"availableServices":[`)
		w.(http.Flusher).Flush()
		select { // the rest never comes
		case <-r.Context().Done():
		case <-release:
		}
	}))
	defer srv.Close()
	defer close(release)

	client, err := tvauth.New(
		tvauth.WithAGSURL(srv.URL+"/ags"),
		tvauth.WithRetry(tvauth.RetryPolicy{MaxRetries: 0}),
		tvauth.WithTransportTimeouts(tvauth.TransportTimeouts{ResponseBody: 50 * time.Millisecond}),
	)
	if err != nil {
		fmt.Println(err)
		return
	}
	_, err = client.AGS.ServiceDiscovery(context.Background())
	var ne net.Error
	fmt.Println("timed out:", errors.As(err, &ne) && ne.Timeout(), errors.Is(err, context.DeadlineExceeded))
	// Output:
	// timed out: true true
}
