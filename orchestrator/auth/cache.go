package auth

import (
	"sync"
	"time"
)

// cache remembers values briefly. It is bounded: past maxCached entries
// it starts afresh (a burst of distinct tokens costs database reads, not
// memory).
type cache struct {
	ttl time.Duration
	now func() time.Time
	mu  sync.Mutex
	m   map[string]cached
}

type cached struct {
	v     any
	until time.Time
}

const maxCached = 10000

func newCache(ttl time.Duration, now func() time.Time) *cache {
	return &cache{ttl: ttl, now: now, m: map[string]cached{}}
}

func (c *cache) get(key string) (any, bool) { return c.getFor(key, c.ttl) }

func (c *cache) getFor(key string, ttl time.Duration) (any, bool) {
	if ttl <= 0 {
		return nil, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[key]
	if !ok || !c.now().Before(e.until) {
		return nil, false
	}
	return e.v, true
}

func (c *cache) put(key string, v any) { c.putFor(key, v, c.ttl) }

func (c *cache) putFor(key string, v any, ttl time.Duration) {
	if ttl <= 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.m) >= maxCached {
		c.m = map[string]cached{}
	}
	c.m[key] = cached{v: v, until: c.now().Add(ttl)}
}

func (c *cache) drop(key string) {
	c.mu.Lock()
	delete(c.m, key)
	c.mu.Unlock()
}

func (c *cache) clear() {
	c.mu.Lock()
	c.m = map[string]cached{}
	c.mu.Unlock()
}
