package duckdb

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync"
	"time"

	"golang.org/x/sys/unix"
)

// Access opens the store at Path when a caller needs it, and only for as
// long as it needs it, so that several processes can share one store file:
// DuckDB lets one process write a file, or many read it, never both.
//
// Within one process, reads share one read-only handle, opened by the
// first reader and closed when the last one is done; a write waits until
// no read of this process runs, then opens the store read-write on its
// own and closes it when done. Reads that begin while a write waits or
// runs wait for it (writes are not starved by a stream of reads). When
// another process holds the store, Read and Write poll with backoff until
// it lets go or their context ends, and call Wait once.
//
// Opening costs about 10 ms read-only and 14 ms read-write on this
// project's machine (a store of a few snapshots, Lockdown included); see
// TestAccessOpenCost.
type Access struct {
	// Path is the store file. Read fails with ErrNoStore when it does not
	// exist; Write creates it.
	Path string
	// Options apply to every handle (MemoryLimit, Threads, Lockdown ...);
	// ReadOnly is ignored: Read and Write decide it.
	Options Options
	// Wait, when set, is called once per Read or Write that finds the
	// store held by another process, before it starts waiting; holder
	// names that process ("rrstat (PID 4242)", or "another process").
	Wait func(holder string)
	// PollMin and PollMax bound the interval between tries while another
	// process holds the store (default 20 ms doubling up to 500 ms).
	PollMin, PollMax time.Duration

	mu        sync.Mutex
	changed   chan struct{} // closed and replaced at every change of state
	ro        *Store        // the shared read-only handle, while readers > 0
	readers   int           // reads running on ro
	opening   bool          // a reader is opening ro
	writing   bool          // a write holds (or is opening) the store
	wantWrite int           // writes waiting for this process's reads
}

// Read runs fn with the store opened read-only, shared with the other
// reads of this process. It waits for this process's writes, and for
// another process that writes the store, until ctx ends. It returns
// ErrNoStore (wrapped) when there is no store file yet, ctx.Err() when ctx
// ends first, or fn's error.
func (a *Access) Read(ctx context.Context, fn func(*Store) error) error {
	s, err := a.acquireRead(ctx)
	if err != nil {
		return err
	}
	defer a.releaseRead()
	return fn(s)
}

// Write runs fn with the store opened read-write (created when absent),
// alone: no read or write of this process runs beside it, and no other
// process holds the store. It waits for them until ctx ends. Files that
// DuckDB creates meanwhile (the store, its WAL) are readable by their
// owner only.
func (a *Access) Write(ctx context.Context, fn func(*Store) error) error {
	s, err := a.acquireWrite(ctx)
	if err != nil {
		return err
	}
	defer a.releaseWrite(s)
	return fn(s)
}

// wake tells every waiter that the state changed; a.mu is held.
func (a *Access) wake() {
	if a.changed != nil {
		close(a.changed)
	}
	a.changed = make(chan struct{})
}

// waitChange waits for the next change of state or the end of ctx; a.mu
// is held on entry and on return.
func (a *Access) waitChange(ctx context.Context) error {
	if a.changed == nil {
		a.changed = make(chan struct{})
	}
	ch := a.changed
	a.mu.Unlock()
	defer a.mu.Lock()
	select {
	case <-ch:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (a *Access) acquireRead(ctx context.Context) (*Store, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	for {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if !a.writing && a.wantWrite == 0 {
			if a.ro != nil {
				a.readers++
				return a.ro, nil
			}
			if !a.opening {
				a.opening = true
				a.mu.Unlock()
				s, err := a.open(ctx, true)
				a.mu.Lock()
				a.opening = false
				a.wake()
				if err != nil {
					return nil, err
				}
				a.ro, a.readers = s, 1
				return s, nil
			}
		}
		if err := a.waitChange(ctx); err != nil {
			return nil, err
		}
	}
}

func (a *Access) releaseRead() {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.readers--
	if a.readers == 0 {
		// The process holds no read lock while idle: another process may
		// write.
		a.ro.Close()
		a.ro = nil
		a.wake()
	}
}

func (a *Access) acquireWrite(ctx context.Context) (*Store, error) {
	a.mu.Lock()
	a.wantWrite++
	for a.writing || a.readers > 0 || a.opening {
		if err := a.waitChange(ctx); err != nil {
			a.wantWrite--
			a.wake()
			a.mu.Unlock()
			return nil, err
		}
	}
	a.wantWrite--
	a.writing = true
	a.mu.Unlock()
	s, err := a.open(ctx, false)
	if err != nil {
		a.mu.Lock()
		a.writing = false
		a.wake()
		a.mu.Unlock()
		return nil, err
	}
	return s, nil
}

func (a *Access) releaseWrite(s *Store) {
	s.Close()
	a.mu.Lock()
	a.writing = false
	a.wake()
	a.mu.Unlock()
}

// ownerOnly makes the files the process creates from now on readable by
// their owner only: DuckDB creates the store, its WAL and its spill files
// with the process's umask.
var ownerOnly sync.Once

// open opens a handle, polling while another process holds the store.
func (a *Access) open(ctx context.Context, readOnly bool) (*Store, error) {
	opt := a.Options
	opt.ReadOnly = readOnly
	if !readOnly {
		ownerOnly.Do(func() { unix.Umask(unix.Umask(0) | 0o077) })
	}
	pollMin, pollMax := a.PollMin, a.PollMax
	if pollMin <= 0 {
		pollMin = 20 * time.Millisecond
	}
	if pollMax < pollMin {
		pollMax = max(pollMin, 500*time.Millisecond)
	}
	delay := pollMin
	told := false
	for {
		_, statErr := os.Stat(a.Path)
		s, err := Open(ctx, a.Path, opt)
		if err == nil {
			if !readOnly && errors.Is(statErr, os.ErrNotExist) {
				os.Chmod(a.Path, 0o600)
			}
			return s, nil
		}
		var inUse *InUseError
		if !errors.As(err, &inUse) {
			return nil, err
		}
		if !told && a.Wait != nil {
			a.Wait(inUse.Holder)
		}
		told = true
		t := time.NewTimer(delay)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, fmt.Errorf("waiting for the store %s, held by %s: %w", a.Path, inUse.Holder, ctx.Err())
		case <-t.C:
		}
		delay = min(2*delay, pollMax)
	}
}

// Writing reports whether a write of this process holds the store or is
// waiting to.
func (a *Access) Writing() bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.writing || a.wantWrite > 0
}
