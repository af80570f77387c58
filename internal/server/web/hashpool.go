package web

import (
	"context"
	"errors"
	"time"
)

// Defaults of the password hashing queue (Options.HashWorkers, HashQueue, HashWait).
const (
	defaultHashQueue = 256
	defaultHashWait  = 10 * time.Second
)

// errBusy says a password could not be hashed in time: the queue was full or the
// wait too long. The page answers 503 with the form again; nothing was registered.
var errBusy = errors.New("web: too many passwords are being hashed; try again in a moment")

// hashPool runs Argon2id at most cap(workers) at a time (each takes
// HashParams.MemoryKiB), with at most cap(queue) requests waiting for a worker,
// each at most wait: a burst of registrations queues instead of taking memory for
// all at once, and a burst beyond what the workers can hash in time gets errBusy at
// once instead of a time-out.
type hashPool struct {
	workers chan struct{}
	queue   chan struct{}
	wait    time.Duration
}

func newHashPool(workers, queue int, wait time.Duration) *hashPool {
	return &hashPool{workers: make(chan struct{}, workers), queue: make(chan struct{}, queue), wait: wait}
}

// run runs fn in a worker: at once when one is free, else after waiting in the
// queue. It returns errBusy when the queue is full or no worker became free within
// the wait, and ctx's error when the request ended while waiting.
func (p *hashPool) run(ctx context.Context, fn func()) error {
	select {
	case p.workers <- struct{}{}:
	default:
		if err := p.await(ctx); err != nil {
			return err
		}
	}
	defer func() { <-p.workers }()
	fn()
	return nil
}

// await waits in the queue for a worker; on success the caller holds one.
func (p *hashPool) await(ctx context.Context) error {
	select {
	case p.queue <- struct{}{}:
	default:
		return errBusy
	}
	defer func() { <-p.queue }()
	t := time.NewTimer(p.wait)
	defer t.Stop()
	select {
	case p.workers <- struct{}{}:
		return nil
	case <-t.C:
		return errBusy
	case <-ctx.Done():
		return ctx.Err()
	}
}
