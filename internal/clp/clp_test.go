package clp

import (
	"errors"
	"math"
	"testing"
)

func TestRanges(t *testing.T) {
	// x + y + z = 3 (a total of three split over three suppressed cells),
	// z = 1 (one of them published elsewhere).
	m := New(3, []Row{{Cols: []int32{0, 1, 2}, Coef: []float64{1, 1, 1}}, {Cols: []int32{2}, Coef: []float64{1}}}, []float64{3, 1})
	defer m.Close()
	lo, err := m.Minimise([]float64{1, 0, 0})
	if err != nil || math.Abs(lo) > 1e-9 {
		t.Errorf("min x = %v, %v; want 0", lo, err)
	}
	hi, err := m.Minimise([]float64{-1, 0, 0})
	if err != nil || math.Abs(-hi-2) > 1e-9 {
		t.Errorf("max x = %v, %v; want 2", -hi, err)
	}
	lo, err = m.Minimise([]float64{0, 1, 1})
	if err != nil || math.Abs(lo-1) > 1e-9 {
		t.Errorf("min y+z = %v, %v; want 1", lo, err)
	}

	free := New(2, []Row{{Cols: []int32{0, 1}, Coef: []float64{1, -1}}}, []float64{0})
	defer free.Close()
	if _, err := free.Minimise([]float64{-1, 0}); !errors.Is(err, ErrUnbounded) {
		t.Errorf("max of an unbounded x: %v", err)
	}

	bad := New(1, []Row{{Cols: []int32{0}, Coef: []float64{1}}, {Cols: []int32{0}, Coef: []float64{1}}}, []float64{1, 2})
	defer bad.Close()
	if _, err := bad.Minimise([]float64{1}); !errors.Is(err, ErrInfeasible) {
		t.Errorf("contradiction: %v", err)
	}
	neg := New(1, []Row{{Cols: []int32{0}, Coef: []float64{1}}}, []float64{-1})
	defer neg.Close()
	if _, err := neg.Minimise([]float64{1}); !errors.Is(err, ErrInfeasible) {
		t.Errorf("x = -1 with x >= 0: %v", err)
	}
}
