package release

import (
	"fmt"
	"sort"
)

func (m *model) describe() string {
	cs := m.components()
	size := map[int32]int{}
	for v := int32(0); v < m.nvars; v++ {
		if !m.known[v] {
			size[cs.of(v)]++
		}
	}
	type kv struct {
		c int32
		n int
	}
	var l []kv
	for c, n := range size {
		l = append(l, kv{c, n})
	}
	sort.Slice(l, func(i, j int) bool { return l[i].n > l[j].n })
	out := fmt.Sprintf("%s: %d vars, %d eqs, %d unknown in %d comps; biggest:", m.g.name, m.nvars, len(m.eqs), len(size), len(l))
	for i := 0; i < len(l) && i < 3; i++ {
		out += fmt.Sprintf(" %d", l[i].n)
	}
	if len(l) > 0 {
		fams := map[string]int{}
		for k, v := range m.vix {
			if !m.known[v] && cs.of(v) == l[0].c {
				fams[fmt.Sprintf("%s/%s/%c", k.country, k.dim, k.fig)]++
			}
		}
		out += fmt.Sprint("\n  ", fams)
	}
	return out
}
