package cli

import (
	"io"
	"os"
	"sync"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"
)

// isTerminal reports whether w is a terminal.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// progress shows a progress bar on stderr for work that runs longer than
// about a second, and only when stderr is a terminal.
type progress struct {
	mu    sync.Mutex
	e     *env
	start time.Time
	bar   *progressbar.ProgressBar
	stage string
	done  int64
	total int64
	stop  chan struct{}
	wg    sync.WaitGroup
}

func newProgress(e *env) *progress {
	p := &progress{e: e, start: time.Now(), stop: make(chan struct{})}
	if !e.isTerminal(e.stderr) {
		return p
	}
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		t := time.NewTicker(200 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-p.stop:
				return
			case <-t.C:
				p.render()
			}
		}
	}()
	return p
}

// update records the stage and the work done so far.
func (p *progress) update(stage string, done, total int64) {
	p.mu.Lock()
	p.stage, p.done, p.total = stage, done, total
	p.mu.Unlock()
}

func (p *progress) render() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if time.Since(p.start) < time.Second || p.total <= 0 {
		return
	}
	if p.bar == nil {
		p.bar = progressbar.NewOptions64(p.total,
			progressbar.OptionSetWriter(p.e.stderr),
			progressbar.OptionShowBytes(true),
			progressbar.OptionSetWidth(30),
			progressbar.OptionClearOnFinish(),
			progressbar.OptionSetElapsedTime(true),
			progressbar.OptionSetPredictTime(false),
		)
	}
	p.bar.Describe(p.stage)
	p.bar.Set64(p.done)
}

// finish removes the bar.
func (p *progress) finish() {
	close(p.stop)
	p.wg.Wait()
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.bar != nil {
		p.bar.Finish()
		p.bar.Clear()
	}
}
