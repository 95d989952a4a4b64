package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"golang.org/x/term"
)

// terminal returns stdin's file descriptor when stdin is a terminal.
func (a *app) terminal() (int, bool) {
	f, ok := a.stdin.(*os.File)
	if !ok {
		return 0, false
	}
	fd := int(f.Fd())
	return fd, term.IsTerminal(fd)
}

// reader returns stdin, buffered once so that successive reads share it.
func (a *app) reader() *bufio.Reader {
	if a.in == nil {
		a.in = bufio.NewReader(a.stdin)
	}
	return a.in
}

// readLine reads one line from stdin, without its line ending. It fails on
// an empty stdin, and gives up when ctx ends (Ctrl-C at a prompt).
func (a *app) readLine(ctx context.Context) (string, error) {
	type result struct {
		line string
		err  error
	}
	done := make(chan result, 1)
	go func() {
		line, err := a.reader().ReadString('\n')
		if errors.Is(err, io.EOF) && line != "" {
			err = nil
		}
		done <- result{strings.TrimRight(line, "\r\n"), err}
	}()
	select {
	case r := <-done:
		if errors.Is(r.err, io.EOF) {
			return "", errors.New("标准输入没有内容可读")
		}
		if r.err != nil {
			return "", fmt.Errorf("read standard input: %w", r.err)
		}
		return r.line, nil
	case <-ctx.Done():
		return "", ctx.Err()
	}
}

// prompt asks on stderr and reads the answer from stdin. When stdin is no
// terminal (a script feeding it) the question is not asked.
func (a *app) prompt(ctx context.Context, question string) (string, error) {
	if _, ok := a.terminal(); ok {
		fmt.Fprint(a.stderr, question)
	}
	return a.readLine(ctx)
}

// readSecret reads a password. From a terminal it asks on stderr and reads
// without echo; otherwise (a pipe, a file) it reads one line, as
// --password-stdin does.
func (a *app) readSecret(ctx context.Context, question string) (string, error) {
	fd, ok := a.terminal()
	if !ok {
		return a.readLine(ctx)
	}
	state, err := term.GetState(fd)
	if err != nil {
		return "", fmt.Errorf("read password: %w", err)
	}
	fmt.Fprint(a.stderr, question)
	type result struct {
		b   []byte
		err error
	}
	done := make(chan result, 1)
	go func() {
		b, err := term.ReadPassword(fd)
		done <- result{b, err}
	}()
	select {
	case r := <-done:
		fmt.Fprintln(a.stderr)
		if r.err != nil {
			return "", fmt.Errorf("read password: %w", r.err)
		}
		return string(r.b), nil
	case <-ctx.Done():
		// ReadPassword restores the echo only when it returns; Ctrl-C must
		// not leave the terminal silent.
		_ = term.Restore(fd, state)
		fmt.Fprintln(a.stderr)
		return "", ctx.Err()
	}
}

// passwordFromStdin reads the password as the first line of stdin, for
// scripts ("--password-stdin").
func (a *app) passwordFromStdin(ctx context.Context) (string, error) {
	p, err := a.readLine(ctx)
	if err != nil {
		return "", fmt.Errorf("--password-stdin: %w", err)
	}
	return p, nil
}
