//go:build !linux

package main

import "syscall"

// childAttr: elsewhere than Linux the service is stopped by this tool only
// (and RSS is not measured: it reads /proc).
func childAttr() *syscall.SysProcAttr { return nil }
