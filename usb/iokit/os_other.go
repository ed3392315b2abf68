//go:build !darwin

package iokit

func osSystem() (system, error) { return nil, ErrNotMacOS }
