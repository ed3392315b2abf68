package cli

import (
	"context"
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/softdfu/softdfu/web"
)

func (e *env) webCommand() *cobra.Command {
	var listen, export string
	c := &cobra.Command{
		Use:   "web",
		Short: "Serve the flashing web page (WebUSB) on loopback, or --export it as a static site",
		Long: `Serve softdfu's web page on --listen (default 127.0.0.1:8086) until interrupted: open
the address it prints in Chrome, Edge or Opera, drop a firmware file, connect the
board and flash it. The page runs the same engine as this command, built to
WebAssembly, and talks to the board through the browser's WebUSB and Web
Serial; the server only hands out the page.

Browsers offer WebUSB only to https pages and to localhost, so listen on a
loopback address. --export DIR writes the page as plain files for any web
server that serves .wasm as application/wasm over https.`,
		Args: exactArgs(0, "no arguments"),
		RunE: func(c *cobra.Command, args []string) error {
			if export != "" {
				if err := web.Export(export); err != nil {
					return fmt.Errorf("exporting the web page: %w", err)
				}
				e.say("wrote the web page to %s", export)
				return nil
			}
			return e.serveWeb(c.Context(), listen)
		},
	}
	c.Flags().StringVar(&listen, "listen", "127.0.0.1:8086", "address to serve the page on (host:port; port 0 picks a free one)")
	c.Flags().StringVar(&export, "export", "", "write the page into `DIR` as a static site instead of serving it")
	return c
}

// serveWeb serves the page on --listen until interrupted.
func (e *env) serveWeb(ctx context.Context, listen string) error {
	err := web.Serve(ctx, listen, func(url string) { e.say("softdfu web page on %s (Ctrl-C stops it)", url) })
	var ae *web.AddressError
	switch {
	case errors.Is(err, web.ErrNotLoopback):
		return usageError("--listen %q: %v", listen, err)
	case errors.As(err, &ae):
		return usageError("--listen %q: %v (write it like 127.0.0.1:8086)", listen, ae.Err)
	}
	return err
}
