package web

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"
)

// ErrNotLoopback: Serve was given an address that is not a loopback one.
var ErrNotLoopback = errors.New("use a loopback address (127.0.0.1, [::1] or localhost): browsers offer WebUSB only to https pages and localhost")

// AddressError says the address to serve on is not host:port.
type AddressError struct{ Err error }

// Error says what is wrong.
func (e *AddressError) Error() string { return e.Err.Error() }

// Unwrap returns Err.
func (e *AddressError) Unwrap() error { return e.Err }

// Serve serves the page (Handler) on listen, a loopback host:port (port 0
// picks a free one), until ctx ends. ready is told the page's address
// once it listens: http://localhost:PORT/ on a loopback IP.
func Serve(ctx context.Context, listen string, ready func(url string)) error {
	host, _, err := net.SplitHostPort(listen)
	if err != nil {
		return &AddressError{err}
	}
	if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return ErrNotLoopback
	}
	ln, err := net.Listen("tcp", listen)
	if err != nil {
		return fmt.Errorf("listening on %s: %w", listen, err)
	}
	srv := &http.Server{Handler: Handler(), ReadHeaderTimeout: 10 * time.Second}
	url := "http://" + ln.Addr().String() + "/"
	if a, ok := ln.Addr().(*net.TCPAddr); ok && a.IP.IsLoopback() {
		url = fmt.Sprintf("http://localhost:%d/", a.Port)
	}
	ready(url)
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	select {
	case <-ctx.Done():
		sctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		return srv.Shutdown(sctx)
	case err := <-done:
		if errors.Is(err, http.ErrServerClosed) {
			return nil
		}
		return err
	}
}
