package web

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
)

// TestServe: the page is served on loopback until the context ends; other
// addresses are refused before anything listens.
func TestServe(t *testing.T) {
	if err := Serve(context.Background(), "0.0.0.0:0", nil); !errors.Is(err, ErrNotLoopback) {
		t.Errorf("0.0.0.0: %v", err)
	}
	var ae *AddressError
	if err := Serve(context.Background(), "nowhere", nil); !errors.As(err, &ae) {
		t.Errorf("nowhere: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	urls := make(chan string, 1)
	done := make(chan error, 1)
	go func() { done <- Serve(ctx, "127.0.0.1:0", func(url string) { urls <- url }) }()
	url := <-urls
	if !strings.HasPrefix(url, "http://localhost:") {
		t.Errorf("url %q", url)
	}
	resp, err := http.Get(strings.Replace(url, "localhost", "127.0.0.1", 1))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("GET %s: %s", url, resp.Status)
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("Serve after cancel: %v", err)
	}
}
