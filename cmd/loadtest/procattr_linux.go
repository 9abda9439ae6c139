package main

import "syscall"

// childAttr makes the service die with this process, even when this one is
// killed (SIGKILL on the parent's death), and puts it in its own process
// group, so that a Ctrl-C reaches only this tool, which then stops the
// service in order.
func childAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL, Setpgid: true}
}
